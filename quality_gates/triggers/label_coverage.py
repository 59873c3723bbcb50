"""Wait in the triggerer until enough of a window's predictions have labels, or until a deadline.

The coverage query is a blocking SQLAlchemy call (PostgreSQL or SQLite through an Airflow
connection): it runs in a thread, so the triggerer's event loop keeps serving other triggers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from quality_gates.checks.errors import ConfigurationError

READY, TIMEOUT, ERROR, MISCONFIGURED = "ready", "timeout", "error", "misconfigured"


class LabelCoverageTrigger(BaseTrigger):
    """Poll label coverage every ``poll_interval`` seconds until it reaches ``min_coverage``
    (event ``ready``) or ``deadline`` passes (event ``timeout``). A failing query is retried
    ``attempts`` times with doubling pauses (capped by the poll interval); then the event is
    ``error`` with the database's message. A connection that does not exist or is not a
    PostgreSQL/SQLite database ends the wait at once (``misconfigured``): retrying cannot help.
    Every event carries the last coverage measured."""

    def __init__(
        self,
        *,
        conn_id: str,
        tables: dict[str, Any],
        window_start: str,
        window_end: str,
        min_coverage: float,
        deadline: str,
        poll_interval: float,
        attempts: int = 3,
        waiting_since: str | None = None,
    ):
        super().__init__()
        self.conn_id = conn_id
        self.tables = tables
        self.window_start, self.window_end = window_start, window_end
        self.min_coverage = min_coverage
        self.deadline = deadline
        self.poll_interval = poll_interval
        self.attempts = attempts
        self.waiting_since = waiting_since or dt.datetime.now(dt.UTC).isoformat()
        self._engine: Any = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{type(self).__module__}.{type(self).__qualname__}", {
            "conn_id": self.conn_id,
            "tables": self.tables,
            "window_start": self.window_start,
            "window_end": self.window_end,
            "min_coverage": self.min_coverage,
            "deadline": self.deadline,
            "poll_interval": self.poll_interval,
            "attempts": self.attempts,
            "waiting_since": self.waiting_since,
        }

    def _measure(self, now: dt.datetime):
        """Runs in a worker thread: connect (once) and count labelled predictions as of now."""
        from quality_gates.checks.model_metrics.coverage_sql import label_coverage
        from quality_gates.checks.model_metrics.serving_sql import DelayedLabelTables, Window
        from quality_gates.sources.sql import SqlSource

        tables = DelayedLabelTables(**{**self.tables, "slice_columns": tuple(self.tables.get("slice_columns", ()))})
        if self._engine is None:
            self._engine = SqlSource(self.conn_id, table=tables.predictions_table).engine()
        window = Window(dt.datetime.fromisoformat(self.window_start), dt.datetime.fromisoformat(self.window_end), now)
        with self._engine.connect() as connection:
            return label_coverage(connection, tables, window)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        deadline = dt.datetime.fromisoformat(self.deadline)
        failures, coverage = 0, None
        try:
            while True:
                now = dt.datetime.now(dt.UTC)
                try:
                    measured = await asyncio.to_thread(self._measure, now)
                    coverage, failures = measured, 0
                except ConfigurationError as exc:  # no such connection, not a SQL database, an unsupported dialect
                    yield TriggerEvent(self._event(MISCONFIGURED, coverage, message=str(exc)))
                    return
                except Exception as exc:  # unreachable database, a table dropped meanwhile: worth another try
                    failures += 1
                    message = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
                    if failures >= self.attempts:
                        yield TriggerEvent(
                            self._event(
                                ERROR,
                                coverage,
                                message=(
                                    f"the label coverage query failed {failures} times in a row (connection '{self.conn_id}'): {message}"
                                ),
                            )
                        )
                        return
                    pause = min(2.0 ** (failures - 1), self.poll_interval)
                    self.log.warning(
                        "Label coverage query failed (%d of %d attempts), retrying in %.0f s: %s", failures, self.attempts, pause, message
                    )
                    await asyncio.sleep(pause)
                    continue
                if measured.reaches(self.min_coverage):
                    yield TriggerEvent(self._event(READY, measured))
                    return
                if now >= deadline:
                    yield TriggerEvent(self._event(TIMEOUT, measured))
                    return
                self.log.info(
                    "%d of %d predictions labelled (%.1f%%, need %.0f%%); next look in %.0f s",
                    measured.labelled,
                    measured.predictions,
                    100 * measured.share,
                    100 * self.min_coverage,
                    min(self.poll_interval, (deadline - now).total_seconds()),
                )
                await asyncio.sleep(max(0.0, min(self.poll_interval, (deadline - now).total_seconds())))
        finally:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    def _event(self, status: str, coverage: Any, **extra: Any) -> dict[str, Any]:
        measured = dataclasses.asdict(coverage) if coverage is not None else {}
        return {"status": status, **measured, "waiting_since": self.waiting_since, "at": dt.datetime.now(dt.UTC).isoformat(), **extra}
