"""Cross-table gate: referential integrity and reconciliation between this data and other tables."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from quality_gates.checks.results import (
    CheckKind,
    CheckResult,
    GateKind,
    GateOutcome,
    Severity,
    Status,
)
from quality_gates.operators.base import BaseGateOperator
from quality_gates.sources.base import Source, SourceConfigurationError, SourceError
from quality_gates.sources.sql import SqlSource


def _names(columns: str | Sequence[str]) -> list[str]:
    return [columns] if isinstance(columns, str) else list(columns)


@dataclass
class Relationship:
    """Every non-null ``column`` value of the gate's data exists in ``to``'s ``field`` (dbt's
    ``relationships``). Composite keys: lists of columns."""

    column: str | Sequence[str]
    to: Source
    field: str | Sequence[str] | None = None
    severity: str = "error"
    mostly: float | None = None
    template_fields = ("to",)


@dataclass
class RowCountMatch:
    """The gate's data has as many rows as ``compare_to`` (its source), within ``tolerance`` (0.01 = 1 %)."""

    compare_to: Source
    tolerance: float = 0.0
    severity: str = "error"
    template_fields = ("compare_to",)


@dataclass
class AggregateMatch:
    """Per ``group_by`` group, ``SUM`` of each ``sum`` column equals that of ``compare_to`` within ``tolerance``."""

    compare_to: Source
    group_by: str | Sequence[str]
    sum: str | Sequence[str] = field(default_factory=list)
    tolerance: float = 0.0
    severity: str = "error"
    template_fields = ("compare_to",)


CrossTableCheck = Relationship | RowCountMatch | AggregateMatch


class CrossTableGateOperator(BaseGateOperator):
    """Checks between ``source`` and other tables, each recorded with observed vs expected and example keys.

    Computed in the database when both sides are ``SqlSource`` on one connection; otherwise keys
    are compared as 64-bit hashes and sums per group are added up chunk by chunk.

    :param source: the data this gate guards (templated), e.g. the table just loaded.
    :param checks: ``Relationship``, ``RowCountMatch`` and ``AggregateMatch`` objects (their sources are templated).
    """

    gate_kind = GateKind.CROSS_TABLE
    template_fields: Sequence[str] = (*BaseGateOperator.template_fields, "source", "checks")

    def __init__(self, *, source: Source, checks: Sequence[CrossTableCheck], **kwargs: Any):
        super().__init__(**kwargs)
        if not checks:
            raise ValueError(f"{self.task_id}: give at least one check (Relationship, RowCountMatch, AggregateMatch)")
        for check in checks:
            if not isinstance(check, (Relationship, RowCountMatch, AggregateMatch)):
                raise TypeError(f"{self.task_id}: unknown cross-table check {check!r} (use Relationship, RowCountMatch, AggregateMatch)")
            if check.severity not in ("error", "warn"):
                raise ValueError(f"{self.task_id}: severity must be 'error' or 'warn', not {check.severity!r}")
        self.source = source
        self.checks = list(checks)

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        # Render copies of the checks and their sources: the task object may be reused.
        self.checks = [copy.copy(c) for c in self.checks]
        for check in self.checks:
            for name in check.template_fields:
                setattr(check, name, copy.copy(getattr(check, name)))
        super().render_template_fields(context, jinja_env)

    def default_dataset(self) -> str | None:
        return self.source.default_dataset()

    def lineage_sources(self) -> Sequence[Any]:
        return (self.source,)

    def run_checks(self, context: Any, store: Any, dataset: str, partition: str) -> GateOutcome:
        results = [self._run(check) for check in self.checks]
        rows = next((r.details.get("target_rows") for r in results if r.details.get("check") == "row_count_match"), None)
        return GateOutcome(rows, results)

    def _run(self, check: CrossTableCheck) -> CheckResult:
        from sqlalchemy.exc import SQLAlchemyError

        from quality_gates.checks import cross_table

        severity = Severity(check.severity)
        try:
            if isinstance(check, Relationship):
                keys = _names(check.column)
                other_keys = _names(check.field) if check.field is not None else keys
                return cross_table.relationship(
                    _side(self.source, keys), keys, _side(check.to, other_keys), other_keys, severity=severity, mostly=check.mostly
                )
            if isinstance(check, RowCountMatch):
                return cross_table.row_count_match(
                    _side(check.compare_to), _side(self.source), tolerance=check.tolerance, severity=severity
                )
            groups, sums = _names(check.group_by), _names(check.sum)
            return cross_table.aggregate_match(
                _side(check.compare_to, [*groups, *sums]),
                _side(self.source, [*groups, *sums]),
                group_by=groups,
                columns=sums,
                tolerance=check.tolerance,
                severity=severity,
            )
        except (SourceError, SourceConfigurationError, SQLAlchemyError, KeyError, ValueError) as exc:
            return self._not_evaluated(check, severity, exc)

    def _not_evaluated(self, check: CrossTableCheck, severity: Severity, exc: Exception) -> CheckResult:
        """A check that could not run is recorded as an error; the gate's other checks still count."""
        name = {Relationship: "relationships", RowCountMatch: "row_count_match", AggregateMatch: "aggregate_match"}[type(check)]
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        if isinstance(exc, KeyError):
            message = f"no column {exc} in the data"
        other = check.to if isinstance(check, Relationship) else check.compare_to
        column = ",".join(_names(check.column)) if isinstance(check, Relationship) else None
        self.log.error("%s against %s could not be evaluated: %s", name, other.describe(), message)
        return CheckResult(
            name,
            column,
            Status.ERROR,
            severity,
            "not evaluated",
            f"compared with {other.describe()}",
            {"kind": CheckKind.CROSS_TABLE.value, "check": name, "other": other.describe(), "message": message},
        )


def _side(source: Source, columns: Sequence[str] | None = None):
    """Where a source's rows are: SQL rows in their database, or frames read in chunks."""
    from quality_gates.checks.cross_table import FrameSide, SqlSide

    if isinstance(source, SqlSource):
        from sqlalchemy import column, text

        engine = source.engine()
        if source.table is not None:
            statement = source.statement(engine)  # raises when the table does not exist
            if columns:
                statement = statement.with_only_columns(*(column(c) for c in columns))
            return SqlSide(source.table, engine, statement.subquery())
        query = text(source.sql).bindparams(**source.parameters) if source.parameters else text(source.sql)
        return SqlSide(source.describe(), engine, query.columns(*(column(c) for c in columns or ())).subquery())

    def chunks(wanted: Sequence[str]):
        for frame in source.read_chunks():
            missing = [c for c in wanted if c not in frame.columns]
            if missing:
                raise SourceConfigurationError(f"{source.describe()} has no column {', '.join(map(repr, missing))}")
            yield frame[list(wanted)] if wanted else frame

    return FrameSide(source.describe(), chunks)
