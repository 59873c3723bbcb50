"""Poll ``MAX(timestamp)`` until the data is fresh or the wait is over, in the triggerer."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from quality_gates.checks.freshness import FreshnessRule, is_fresh
from quality_gates.sources.sql import SqlSource


class FreshnessTrigger(BaseTrigger):
    """Fires once: ``{"status": "fresh"}`` when the data is fresh, ``{"status": "timed_out"}`` at the deadline.

    Each poll is one query run in a thread, so the triggerer's event loop never blocks.
    """

    def __init__(
        self,
        source: SqlSource | dict[str, Any],
        rule: FreshnessRule | dict[str, Any],
        deadline: dt.datetime | str,
        poll_interval: dt.timedelta | float,
        reference_time: dt.datetime | str | None = None,
        previous_newest: dt.datetime | str | None = None,
    ):
        super().__init__()
        self.source = source if isinstance(source, SqlSource) else SqlSource(**source)
        self.rule = rule if isinstance(rule, FreshnessRule) else _rule_from(rule)
        self.deadline = _instant(deadline)
        self.poll_interval = poll_interval.total_seconds() if isinstance(poll_interval, dt.timedelta) else float(poll_interval)
        self.reference_time = _instant(reference_time)
        self.previous_newest = _instant(previous_newest)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        rule = self.rule
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "source": {
                    "conn_id": self.source.conn_id,
                    "sql": self.source.sql,
                    "table": self.source.table,
                    "where": self.source.where,
                    "parameters": self.source.parameters,
                },
                "rule": {
                    "column": rule.column,
                    "relative_to": rule.relative_to,
                    "require_advance": rule.require_advance,
                    "naive_timezone": rule.naive_timezone,
                    "warn_after": rule.warn_after.total_seconds() if rule.warn_after else None,
                    "error_after": rule.error_after.total_seconds() if rule.error_after else None,
                },
                "deadline": self.deadline.isoformat(),
                "poll_interval": self.poll_interval,
                "reference_time": self.reference_time.isoformat() if self.reference_time else None,
                "previous_newest": self.previous_newest.isoformat() if self.previous_newest else None,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from quality_gates.operators.freshness_gate import newest_in_sql

        polls = 0
        while True:
            polls += 1
            try:
                newest = await asyncio.to_thread(newest_in_sql, self.source, self.rule.column)
            except Exception as exc:
                self.log.warning("freshness poll %d failed: %s", polls, exc)
                newest = None
            now = dt.datetime.now(dt.UTC)
            shown = newest.isoformat() if hasattr(newest, "isoformat") else None
            if newest is not None and is_fresh(self.rule, newest, self.reference_time or now, self.previous_newest):
                yield TriggerEvent({"status": "fresh", "polls": polls, "newest_timestamp": shown, "at": now.isoformat()})
                return
            if now >= self.deadline:
                yield TriggerEvent({"status": "timed_out", "polls": polls, "newest_timestamp": shown, "at": now.isoformat()})
                return
            await asyncio.sleep(min(self.poll_interval, max(0.0, (self.deadline - now).total_seconds())))


def _instant(value: dt.datetime | str | None) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)


def _rule_from(data: dict[str, Any]) -> FreshnessRule:
    seconds = {k: dt.timedelta(seconds=data[k]) if data.get(k) is not None else None for k in ("warn_after", "error_after")}
    return FreshnessRule(
        data["column"], seconds["warn_after"], seconds["error_after"], data["relative_to"], data["require_advance"], data["naive_timezone"]
    )
