"""Freshness gate: block (or warn) when the newest row is too old or the data did not advance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from quality_gates.checks.results import GateKind, GateOutcome
from quality_gates.operators.base import BaseGateOperator
from quality_gates.sources.base import Source, SourceConfigurationError, SourceError
from quality_gates.sources.sql import SqlSource

WAITED_KEY = "quality_gates_freshness_wait"  # how the deferred wait ended, for the record


class FreshnessGateOperator(BaseGateOperator):
    """The age of ``MAX(timestamp_column)`` against ``warn_after`` / ``error_after``.

    :param source: where the data is (templated). For a ``SqlSource`` the newest timestamp is
        one query in the database; other sources are read chunk by chunk.
    :param timestamp_column: a date or timestamp column (anything else is a configuration error).
    :param warn_after: an age beyond which the gate warns, e.g. ``timedelta(hours=2)``.
    :param error_after: an age beyond which the gate fails.
    :param relative_to: ``"now"`` (the time of the check) or ``"data_interval_end"`` (the end of
        the run's data interval: a backfill of last week judges last week's data).
    :param require_advance: also fail when the newest timestamp did not move past the newest
        timestamp recorded for the previous partition of this dataset (read back from the store).
    :param naive_timezone: how timestamps without a timezone are read (default UTC).
    :param wait: when the data is not fresh yet, defer (no worker slot held) and poll the
        database every ``poll_interval`` until it is, for at most ``wait_timeout`` (default
        ``error_after``); then judge the data as it is. SQL sources only.
    """

    gate_kind = GateKind.FRESHNESS
    template_fields: Sequence[str] = (*BaseGateOperator.template_fields, "source")

    def __init__(
        self,
        *,
        source: Source,
        timestamp_column: str,
        warn_after: dt.timedelta | None = None,
        error_after: dt.timedelta | None = None,
        relative_to: str = "now",
        require_advance: bool = False,
        naive_timezone: str = "UTC",
        wait: bool = False,
        poll_interval: dt.timedelta = dt.timedelta(minutes=5),
        wait_timeout: dt.timedelta | None = None,
        **kwargs: Any,
    ):
        from quality_gates.checks.freshness import (
            FreshnessConfigurationError,
            FreshnessRule,
        )

        super().__init__(**kwargs)
        try:
            self.rule = FreshnessRule(timestamp_column, warn_after, error_after, relative_to, require_advance, naive_timezone)
        except FreshnessConfigurationError as exc:
            raise ValueError(f"{self.task_id}: {exc}") from None
        if wait and not isinstance(source, SqlSource):
            raise ValueError(f"{self.task_id}: wait=True polls a database: give a SqlSource, not {type(source).__name__}")
        if wait and wait_timeout is None and error_after is None:
            raise ValueError(f"{self.task_id}: wait=True needs error_after or wait_timeout (how long to wait)")
        self.source = source
        self.wait = wait
        self.poll_interval = poll_interval
        self.wait_timeout = wait_timeout or error_after

    def default_dataset(self) -> str | None:
        return self.source.default_dataset()

    def lineage_sources(self) -> Sequence[Any]:
        return (self.source,)

    # -- the measurement --
    def _reference_time(self, context: Any) -> dt.datetime:
        return reference_time(self.rule, context)

    def _previous(self, store: Any, dataset: str, partition: str):
        from quality_gates.checks.freshness import ADVANCED_CHECK
        from quality_gates.store.check_history import latest_check_before

        if not self.rule.require_advance:
            return None, None
        earlier = latest_check_before(
            store.engine,
            dataset=dataset,
            gate=self.gate_kind,
            check_name=ADVANCED_CHECK,
            before_partition=partition,
            column=self.rule.column,
        )
        newest = earlier.details.get("newest_timestamp") if earlier else None
        return (dt.datetime.fromisoformat(newest) if newest else None), (earlier.partition_key if earlier else None)

    def newest(self) -> tuple[Any, int | None]:
        from quality_gates.checks.freshness import newest_in_frames

        if isinstance(self.source, SqlSource):
            return newest_in_sql(self.source, self.rule.column), None
        return newest_in_frames(self.source.read_chunks(), self.rule.column, self.source.describe())

    def run_checks(self, context: Any, store: Any, dataset: str, partition: str) -> GateOutcome:
        from quality_gates.checks.freshness import freshness_gate

        reference_time = self._reference_time(context)
        previous, previous_partition = self._previous(store, dataset, partition)
        newest, rows = self.newest()
        return freshness_gate(
            self.rule,
            newest,
            reference_time,
            rows=rows,
            previous_newest=previous,
            previous_partition=previous_partition,
            waited=context.get(WAITED_KEY),
        )

    # -- waiting without a worker slot --
    def execute(self, context: Any) -> dict[str, Any]:
        if self.wait:
            self._defer_unless_fresh(context)
        return super().execute(context)

    def _defer_unless_fresh(self, context: Any) -> None:
        from quality_gates.checks.freshness import is_fresh
        from quality_gates.triggers.freshness import FreshnessTrigger

        ti = context["ti"]
        dataset = self.dataset or self.default_dataset() or f"{ti.dag_id}.{ti.task_id}"
        partition = str(self.partition or context.get("ds") or ti.run_id)
        reference_time = self._reference_time(context)
        previous, _ = self._previous(self._open_store(), dataset, partition)
        newest, _ = self.newest()
        if is_fresh(self.rule, newest, reference_time, previous):
            return
        deadline = dt.datetime.now(dt.UTC) + self.wait_timeout
        self.log.info("Data not fresh yet (newest %s); waiting until %s, polling every %s", newest, deadline, self.poll_interval)
        self.defer(
            trigger=FreshnessTrigger(
                source=self.source,
                rule=self.rule,
                deadline=deadline,
                poll_interval=self.poll_interval,
                reference_time=None if self.rule.relative_to == "now" else reference_time,
                previous_newest=previous,
            ),
            method_name="execute_complete",
        )

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> dict[str, Any]:
        self.log.info("Freshness wait ended: %s", event)
        # In the context, not on self: the task object may be reused (dag.test(), mapped tasks).
        context[WAITED_KEY] = dict(event or {})
        return super().execute(context)


def reference_time(rule: Any, context: Any) -> dt.datetime:
    """What the age is measured against: now, or the end of the run's data interval."""
    if rule.relative_to == "now":
        return dt.datetime.now(dt.UTC)
    end = context.get("data_interval_end")
    if end is None:
        raise SourceConfigurationError(
            "freshness relative_to='data_interval_end': this run has no data interval (asset-triggered or manual); use relative_to='now'"
        )
    return dt.datetime.fromisoformat(end.isoformat())


def newest_in_sql(source: SqlSource, column_name: str) -> Any:
    """The newest value of ``column_name`` in a SQL source, computed in its database."""
    from sqlalchemy import column, text
    from sqlalchemy.exc import SQLAlchemyError

    from quality_gates.checks.freshness import newest_in_database, timestamp_column_type

    engine = source.engine()
    try:
        if source.table is not None:
            rows = source.statement(engine).subquery()  # raises when the table does not exist
            column_type = timestamp_column_type(engine, source.table, column_name)
        else:
            column_type = None
            query = text(source.sql).bindparams(**source.parameters) if source.parameters else text(source.sql)
            rows = query.columns(column(column_name)).subquery()
        return newest_in_database(engine, rows, column_name, column_type, where=source.describe())
    except SQLAlchemyError as exc:
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise SourceError(f"cannot read the newest {column_name} of {source.describe()}: {message}") from exc
