"""Compare each partition's profile with the history of earlier partitions: no thresholds to set."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from quality_gates.checks.results import COLD_START_STATUS, GateKind, GateOutcome
from quality_gates.operators.base import BaseGateOperator
from quality_gates.sources.base import Source

if TYPE_CHECKING:
    from quality_gates.checks.anomaly.calendar import HolidaySpec

# How far back a holiday's earlier holidays are looked up: about three years of daily partitions.
HOLIDAY_LOOKBACK = 1100


class PartitionAnomalyGateOperator(BaseGateOperator):
    """Anomaly gate: profile the partition, compare it with earlier ones, block if it is unusual.

    :param source: a ``SqlSource`` (profiled in the database, one scan), ``FileSource`` or
        ``CallableSource`` (templated).
    :param history: how many earlier baseline partitions to compare with.
    :param sensitivity: the one knob: 1.0 by default, higher flags more, lower flags less.
    :param min_history: with fewer earlier partitions the verdict is "insufficient history".
    :param cold_start: what "insufficient history" means for the task: ``warn`` (default),
        ``pass`` or ``fail``.
    :param seasonality: ``"weekly"`` compares Mondays with Mondays (partition keys must be dates);
        ``"auto"`` judges row counts at the current weekday's level, only when the history shows a
        significant weekday effect on them.
    :param holidays: a list of dates, or a country or market of the ``holidays`` package (``"US"``;
        the ``[holidays]`` extra): holidays stay out of the ordinary baseline and are judged
        against earlier holidays (looked up to ``HOLIDAY_LOOKBACK`` partitions back) when there are 3.
    :param max_alarm_rate: calibrate thresholds on the history itself so that its own partitions
        would alarm at about this rate (e.g. ``0.01``); None (default) keeps fixed thresholds.
    :param engine: ``auto`` (SQL in the database, Parquet with DuckDB, frames with pandas), or ``pandas``
        / ``polars`` / ``duckdb`` for files and in-memory data.

    Flagged partitions stay out of the baseline until marked as false alarms.
    """

    gate_kind = GateKind.ANOMALY
    template_fields: Sequence[str] = (*BaseGateOperator.template_fields, "source")

    def __init__(
        self,
        *,
        source: Source,
        history: int = 30,
        sensitivity: float = 1.0,
        min_history: int = 7,
        cold_start: str = "warn",
        seasonality: str | None = None,
        engine: str = "auto",
        max_alarm_rate: float | None = None,
        holidays: HolidaySpec | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if cold_start not in COLD_START_STATUS:
            raise ValueError(f"{self.task_id}: cold_start must be one of {', '.join(COLD_START_STATUS)}, not {cold_start!r}")
        self.source = source
        self.history = history
        self.sensitivity = sensitivity
        self.min_history = min_history
        self.cold_start = cold_start
        self.seasonality = seasonality
        self.engine = engine
        self.max_alarm_rate = max_alarm_rate
        self.holidays = holidays
        from quality_gates.checks.anomaly.calendar import holiday_calendar

        self._is_holiday = holiday_calendar(holidays)  # a wrong calendar fails when the DAG is parsed

    def default_dataset(self) -> str | None:
        return self.source.default_dataset()

    def lineage_sources(self) -> Sequence[Source]:
        return (self.source,)

    def run_checks(self, context: Any, store: Any, dataset: str, partition: str) -> GateOutcome:
        from quality_gates.checks.anomaly import PartitionAnomalyDetector
        from quality_gates.checks.gates import anomaly_gate

        profile = profile_source(self.source, self.engine).with_key(partition)
        history = store.partitions.history(dataset, before=partition, limit=self.history)
        history = self._with_earlier_holidays(store, dataset, partition, history)
        self.log.info(
            "Profiled %s: %s rows; comparing with %d earlier partitions", self.source.describe(), f"{profile.row_count:,}", len(history)
        )
        detector = PartitionAnomalyDetector(
            sensitivity=self.sensitivity,
            min_history=self.min_history,
            seasonality=self.seasonality,
            max_alarm_rate=self.max_alarm_rate,
            holidays=self.holidays,
        )
        return anomaly_gate(profile, history, detector, cold_start=COLD_START_STATUS[self.cold_start])

    def _with_earlier_holidays(self, store: Any, dataset: str, partition: str, history: list) -> list:
        """A holiday's baseline is earlier holidays, which a 30-partition window rarely holds: add
        those from further back (the detector still compares ordinary days with the window only)."""
        from quality_gates.checks.anomaly.calendar import partition_date

        day = partition_date(partition)
        if self._is_holiday is None or day is None or not self._is_holiday(day) or not history:
            return history
        older = store.partitions.history(dataset, before=history[0].partition_key, limit=HOLIDAY_LOOKBACK)
        earlier = [p for p in older if (d := partition_date(p.partition_key)) is not None and self._is_holiday(d)]
        return [*earlier, *history]


def profile_source(source: Source, engine: str = "auto"):
    """The partition profile of ``source``, computed where its data is by the engine registered for
    it (also used by ``@task.quality_gate``)."""
    from quality_gates.checks.profiles.model import SAMPLE_ROWS
    from quality_gates.engines import Family, compute

    return compute(Family.PARTITION_PROFILE, source.compute(engine), sample_rows=SAMPLE_ROWS, engine=engine)
