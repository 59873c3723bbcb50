"""Freshness: how old the newest row is, and whether the data advanced since the last partition.

The newest timestamp is computed where the data lives: one ``SELECT MAX(column)`` in the
database for SQL sources (an index on the column makes it a lookup, without one it is one
scan), or chunk by chunk for frames. Identifiers are quoted by SQLAlchemy, values are bound.

Timezones: timestamps without a timezone are read as ``naive_timezone`` (UTC unless told
otherwise), the rule of dbt's and Soda's freshness checks; every comparison is then between
timezone-aware instants, so a naive column never silently compares with an aware interval.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from quality_gates.checks.errors import SchemaDefinitionError
from quality_gates.checks.results import (
    CheckKind,
    CheckResult,
    GateOutcome,
    Severity,
    Status,
)

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

KIND = CheckKind.FRESHNESS.value
AGE_CHECK = "freshness"
ADVANCED_CHECK = "data_advanced"
RELATIVE_TO = ("now", "data_interval_end")


class FreshnessConfigurationError(SchemaDefinitionError):
    """The freshness check is declared wrongly (column not a timestamp, bad thresholds)."""


@dataclass(frozen=True)
class FreshnessRule:
    """What "fresh" means for one timestamp column."""

    column: str
    warn_after: dt.timedelta | None = None
    error_after: dt.timedelta | None = None
    relative_to: str = "now"
    require_advance: bool = False
    naive_timezone: str = "UTC"

    def __post_init__(self) -> None:
        if self.warn_after is None and self.error_after is None and not self.require_advance:
            raise FreshnessConfigurationError(f"freshness of '{self.column}': give warn_after, error_after or require_advance")
        for name in ("warn_after", "error_after"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, dt.timedelta) or value <= dt.timedelta(0)):
                raise FreshnessConfigurationError(f"freshness of '{self.column}': {name} must be a positive timedelta, not {value!r}")
        if self.warn_after and self.error_after and self.warn_after > self.error_after:
            raise FreshnessConfigurationError(
                f"freshness of '{self.column}': warn_after ({self.warn_after}) is longer than error_after ({self.error_after})"
            )
        if self.relative_to not in RELATIVE_TO:
            raise FreshnessConfigurationError(
                f"freshness of '{self.column}': relative_to must be one of {', '.join(RELATIVE_TO)}, not {self.relative_to!r}"
            )
        zone(self.naive_timezone)

    def tz(self) -> dt.tzinfo:
        return zone(self.naive_timezone)


def zone(name: str) -> dt.tzinfo:
    try:
        return dt.UTC if name.upper() == "UTC" else ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FreshnessConfigurationError(f"unknown timezone {name!r} for naive timestamps") from None


def _aware_utc(moment: dt.datetime) -> dt.datetime:
    """A reference time: naive ones are UTC (Airflow's data intervals are always aware)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def as_aware(value: Any, naive_timezone: dt.tzinfo = dt.UTC) -> dt.datetime | None:
    """A timezone-aware instant from what a database or pandas returned (naive: ``naive_timezone``)."""
    if value is None:
        return None
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if not isinstance(value, dt.datetime):
        raise FreshnessConfigurationError(f"expected a timestamp, got {type(value).__name__} {value!r}")
    return value.replace(tzinfo=naive_timezone) if value.tzinfo is None else value


# --- where the newest timestamp comes from -------------------------------------------------------


def timestamp_column_type(engine: Engine, table_name: str, column_name: str) -> Any:
    """The column's SQL type; raises unless it is a date or a timestamp."""
    from sqlalchemy import inspect
    from sqlalchemy.types import Date, DateTime

    schema, _, name = table_name.rpartition(".")
    columns = {c["name"]: c["type"] for c in inspect(engine).get_columns(name, schema=schema or None)}
    if column_name not in columns:
        raise FreshnessConfigurationError(f"freshness: table {table_name} has no column '{column_name}' (columns: {', '.join(columns)})")
    column_type = columns[column_name]
    if not isinstance(column_type, (Date, DateTime)):
        raise FreshnessConfigurationError(
            f"freshness: column '{column_name}' of table {table_name} is {column_type}, not a date or timestamp"
        )
    return column_type


def newest_in_database(engine: Engine, rows: Any, column_name: str, column_type: Any = None, where: str = "the query") -> Any:
    """``MAX(column)`` over a selectable (a table, or a filtered select) in one query."""
    from sqlalchemy import column, func, select

    query = select(func.max(column(column_name, column_type) if column_type is not None else column(column_name))).select_from(rows)
    with engine.connect() as connection:
        newest = connection.execute(query).scalar()
    if isinstance(newest, str):  # SQLite keeps timestamps as text
        try:
            newest = dt.datetime.fromisoformat(newest)
        except ValueError:
            raise FreshnessConfigurationError(
                f"freshness: column '{column_name}' of {where} holds {newest!r}, not a date or timestamp"
            ) from None
    if newest is not None and not isinstance(newest, dt.date):
        raise FreshnessConfigurationError(
            f"freshness: column '{column_name}' of {where} is {type(newest).__name__}, not a date or timestamp"
        )
    return newest


def newest_in_frames(chunks: Iterable[pd.DataFrame], column_name: str, where: str = "the data") -> tuple[Any, int]:
    """The newest value of a datetime column over all chunks, and the row count."""
    import pandas as pd

    newest, rows = None, 0
    for chunk in chunks:
        rows += len(chunk)
        if column_name not in chunk.columns:
            raise FreshnessConfigurationError(
                f"freshness: {where} has no column '{column_name}' (columns: {', '.join(map(str, chunk.columns))})"
            )
        values = chunk[column_name]
        if not (
            pd.api.types.is_datetime64_any_dtype(values)
            or pd.api.types.is_object_dtype(values)
            and values.dropna().map(lambda v: isinstance(v, dt.date)).all()
        ):
            raise FreshnessConfigurationError(f"freshness: column '{column_name}' of {where} is {values.dtype}, not a date or timestamp")
        top = values.max()
        if top is not None and not pd.isna(top) and (newest is None or top > newest):
            newest = top
    return newest, rows


# --- the verdict ---------------------------------------------------------------------------------


def _duration(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    text = " ".join(p for p in parts if p) or f"{seconds}s"
    return sign + text


def judge_freshness(
    rule: FreshnessRule,
    newest: Any,
    reference_time: dt.datetime,
    *,
    previous_newest: dt.datetime | None = None,
    previous_partition: str | None = None,
) -> list[CheckResult]:
    """The age check (and the "data advanced" check when the rule asks for it)."""
    tz = rule.tz()
    newest_at = as_aware(newest, tz)
    reference_time = _aware_utc(reference_time)
    limits = [
        f"<= {_duration(rule.warn_after)} (warn)" if rule.warn_after else "",
        f"<= {_duration(rule.error_after)} (error)" if rule.error_after else "",
    ]
    expected = "age " + ", ".join(p for p in limits if p) + f" relative to {rule.relative_to}"
    details: dict[str, Any] = {
        "kind": KIND,
        "relative_to": rule.relative_to,
        "reference_time": reference_time.isoformat(),
        "warn_after_seconds": rule.warn_after.total_seconds() if rule.warn_after else None,
        "error_after_seconds": rule.error_after.total_seconds() if rule.error_after else None,
        "naive_timezone": rule.naive_timezone,
        "newest_timestamp": newest_at.isoformat() if newest_at else None,
    }
    results: list[CheckResult] = []
    if rule.warn_after or rule.error_after:
        severity = Severity.ERROR if rule.error_after else Severity.WARN
        if newest_at is None:
            status = Status.FAILED if rule.error_after else Status.WARNED
            results.append(
                CheckResult(
                    AGE_CHECK,
                    rule.column,
                    status,
                    severity,
                    "no rows (no newest timestamp)",
                    expected,
                    {**details, "age_seconds": None, "message": "the data has no rows with a timestamp"},
                )
            )
        else:
            age = reference_time - newest_at
            status = Status.PASSED
            if rule.error_after and age > rule.error_after:
                status = Status.FAILED
            elif rule.warn_after and age > rule.warn_after:
                status = Status.WARNED
            observed = (
                f"age {_duration(age)} (newest {newest_at.isoformat()})"
                if age >= dt.timedelta(0)
                else (f"newest {newest_at.isoformat()} is {_duration(-age)} after {rule.relative_to}")
            )
            results.append(
                CheckResult(AGE_CHECK, rule.column, status, severity, observed, expected, {**details, "age_seconds": age.total_seconds()})
            )
    if rule.require_advance:
        results.append(_advanced(rule, newest_at, previous_newest, previous_partition, details))
    return results


def freshness_gate(
    rule: FreshnessRule,
    newest: Any,
    reference_time: dt.datetime,
    *,
    rows: int | None = None,
    previous_newest: dt.datetime | None = None,
    previous_partition: str | None = None,
    waited: Mapping[str, Any] | None = None,
) -> GateOutcome:
    """The freshness gate's core: its checks, with how long the gate waited for fresh data (if it did)."""
    checks = judge_freshness(rule, newest, reference_time, previous_newest=previous_newest, previous_partition=previous_partition)
    if waited:
        checks = [
            CheckResult(c.check_name, c.column, c.status, c.severity, c.observed, c.expected, {**c.details, "waited": dict(waited)})
            for c in checks
        ]
    return GateOutcome(rows, tuple(checks))


def _advanced(rule: FreshnessRule, newest_at, previous_newest, previous_partition, details) -> CheckResult:
    extra = {
        **details,
        "previous_newest_timestamp": previous_newest.isoformat() if previous_newest else None,
        "previous_partition": previous_partition,
    }
    if previous_newest is None:
        return CheckResult(
            ADVANCED_CHECK,
            rule.column,
            Status.PASSED,
            Severity.ERROR,
            _shown(newest_at),
            "newer than the previous partition's newest",
            {**extra, "message": "no earlier partition recorded: nothing to compare with"},
        )
    expected = f"newer than {previous_newest.isoformat()} (partition {previous_partition})"
    advanced = newest_at is not None and newest_at > previous_newest
    return CheckResult(
        ADVANCED_CHECK, rule.column, Status.PASSED if advanced else Status.FAILED, Severity.ERROR, _shown(newest_at), expected, extra
    )


def _shown(newest_at: dt.datetime | None) -> str:
    return f"newest {newest_at.isoformat()}" if newest_at else "no rows"


def is_fresh(rule: FreshnessRule, newest: Any, reference_time: dt.datetime, previous_newest: dt.datetime | None = None) -> bool:
    """Whether waiting can stop: the age is within warn_after (else error_after) and the data advanced."""
    newest_at = as_aware(newest, rule.tz())
    if newest_at is None:
        return False
    limit = rule.warn_after or rule.error_after
    if limit is not None and _aware_utc(reference_time) - newest_at > limit:
        return False
    return not (rule.require_advance and previous_newest is not None and newest_at <= previous_newest)
