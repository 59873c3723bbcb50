"""History-aware partition anomaly detection, after GATE ("Moving Fast with Broken Data",
Shankar et al., CIKM 2023), changed where GATE is weak:

* Robust normalisation over history only (median and MAD), so that the partition under test
  cannot mask itself (GATE's z-scores include it, which caps them at (n−1)/√n).
* Each metric is judged on its own against a threshold learnt from how far that metric strayed
  in history: a 5% corruption of one column is not diluted by dozens of quiet columns, and a
  metric that always wobbles does not alarm when it wobbles again.
* Noise floors: a metric that never moved (a share of negatives that was always 0) gets the
  scale of its sampling noise (binomial for shares at the history's level, the quantile's
  standard error, σ/√n for means, Poisson for row counts, half the value grid for statistics of
  discrete data), so a change of a few rows stays quiet while a change of a few percent does
  not; a share that stayed exactly 0 over all of history's rows makes even a few rows news.
* Extremes and quantiles need more evidence than means and shares; a short history widens
  every threshold by the uncertainty of its median and MAD.
* Schema changes (a column added, missing or of another type) are findings, not crashes;
  too little history gives the verdict "insufficient history" instead of a guess.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from quality_gates.checks.anomaly.calendar import (
    MIN_HOLIDAYS,
    HolidaySpec,
    holiday_calendar,
    partition_date,
    weekday_effect,
    weekday_scaled,
)
from quality_gates.checks.anomaly.calibration import partition_level
from quality_gates.checks.anomaly.features import DERIVED, SHARE_SHIFT, VALUE_FEATURES, feature_matrix
from quality_gates.checks.anomaly.robust import column_medians, grid_steps, sorted_columns
from quality_gates.checks.anomaly.segments import SEGMENT_SHIFT
from quality_gates.checks.profiles.model import FRACTION_METRICS, QUANTILES, TABLE, PartitionProfile
from quality_gates.checks.profiles.sampled import SAMPLED_ABOVE_SAMPLE_ROWS, SAMPLED_METRICS
from quality_gates.checks.values import MAD_TO_SIGMA
from quality_gates.checks.values import format_number as _fmt

OK, ANOMALOUS, INSUFFICIENT_HISTORY = "ok", "anomalous", "insufficient_history"
IDENTICAL = "identical_partition"

# At sensitivity 1 a metric must be this many robust standard deviations from its median...
BASE_THRESHOLD = 5.0
# ...and further out than anything history showed, by this factor.
HISTORY_MARGIN = 1.5
# With max_alarm_rate, every threshold is scaled so that the history's own partitions would
# alarm at that rate, but never below this share of the default thresholds.
LEVEL_FLOOR = 0.8
# Shares must also move by at least this much (absolute) to count: 0.2 percentage points. With
# noise floors at the history's level (a share that was 0 over 60,000 rows), two stray rows in
# 2,000 are statistically odd; they are still not what a gate should block a pipeline for.
MIN_SHARE_CHANGE = 0.002
# Extremes (min, max, longest string...) hinge on single rows, and quantiles of real data jump
# between the modes of multimodal columns: they must move further than means and shares.
EXTREME_FACTOR = 2.0
QUANTILE_FACTOR = 1.5
_EXTREMES = {"min", "max", "length_min", "length_max", "span_seconds"}
_THRESHOLD_FACTORS = {
    **{m: EXTREME_FACTOR for m in _EXTREMES},
    **{m: QUANTILE_FACTOR for m in (*QUANTILES, *(f"time_of_day_{q}" for q in QUANTILES))},
}
# Statistics that take the data's own values: on discrete data (hours, ratings on a 0.1 grid,
# hourly timestamps) they move in whole steps, and one step is not news.
_ORDER_STATISTICS = {*QUANTILES, "min", "max", "length_min", "length_max", "span_seconds", *(f"time_of_day_{q}" for q in QUANTILES)}
# Polars and SQL profiles take SAMPLED_ABOVE_SAMPLE_ROWS from their sample too: their noise is a sample's.
_SAMPLE_BASED = SAMPLED_METRICS | SAMPLED_ABOVE_SAMPLE_ROWS | set(VALUE_FEATURES)
_SHARES = FRACTION_METRICS | set(DERIVED)


@dataclass(frozen=True)
class Explanation:
    column: str  # "*" for the whole partition
    metric: str
    observed: float | None
    expected_low: float | None
    expected_high: float | None
    median: float | None
    z: float  # robust standard deviations from the historical median (signed)
    severity: float  # |z| / threshold: at least 1 when this metric alone flags the partition
    detail: str | None = None  # for findings that are not a metric out of range

    def describe(self) -> str:
        if self.metric in ("column_added", "column_missing", "type_changed"):
            return f"{self.column}: {self.metric.replace('_', ' ')}"
        if self.metric == IDENTICAL:
            return f"partition is identical to the earlier partition {self.detail} (a stale copy?)"
        where = "partition" if self.column == TABLE else f"column '{self.column}'"
        if self.metric == SEGMENT_SHIFT and self.detail:
            return f"{where}: {self.detail}; segment_shift = {_fmt(self.observed)}, allowed up to {_fmt(self.expected_high)}"
        return (
            f"{where} {self.metric} = {_fmt(self.observed)}, expected {_fmt(self.expected_low)} … "
            f"{_fmt(self.expected_high)} (median {_fmt(self.median)}, {abs(self.z):.1f} robust σ away)"
        )


@dataclass(frozen=True)
class AnomalyVerdict:
    status: str  # ok | anomalous | insufficient_history
    score: float  # the largest severity: at least 1.0 means anomalous
    culprits: tuple[str, ...] = ()
    explanations: tuple[Explanation, ...] = ()
    history_size: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def anomalous(self) -> bool:
        return self.status == ANOMALOUS


class PartitionAnomalyDetector:
    """Compare a partition's profile with the profiles of earlier partitions.

    :param sensitivity: the one knob. 1.0 is the default; 2.0 halves every threshold (more
        alerts), 0.5 doubles them (fewer alerts).
    :param min_history: fewer earlier partitions than this gives "insufficient history".
    :param seasonality: ``"weekly"`` compares a partition only with partitions of the same
        weekday (partition keys must start with an ISO date) when there are enough of them.
        ``"auto"``, when the history has at least four weeks of dated partitions and their row
        counts differ significantly by weekday (Kruskal–Wallis, p < 0.01), scales each earlier
        row count to the current weekday's level and judges against the whole history (four
        Saturdays are too few to learn every metric's threshold from). The verdict's notes say
        which was chosen and why.
    :param holidays: a list of dates (ISO strings or dates), or a country or market of the
        ``holidays`` package (``"US"``, ``"germany"``, ``"NYSE"``; the ``[holidays]`` extra).
        Holidays stay out of the baseline of ordinary days; a holiday is judged against earlier
        holidays when the history has at least three, else against ordinary days (noted).
    :param max_explanations: how many flagged metrics to explain.
    :param max_alarm_rate: calibrate on the history itself: every threshold is scaled so that
        the history's own partitions, each judged against the others, would alarm at about this
        rate per partition (an exponential tail fitted to their scores), never below
        ``LEVEL_FLOOR`` times the defaults. Fewer false alarms on noisy datasets, some recall
        lost there (see benchmarks/results/lodo.md). None (default): fixed thresholds.
    """

    def __init__(
        self,
        sensitivity: float = 1.0,
        min_history: int = 7,
        seasonality: str | None = None,
        max_explanations: int = 10,
        max_alarm_rate: float | None = None,
        holidays: HolidaySpec | None = None,
    ):
        if sensitivity <= 0:
            raise ValueError("sensitivity must be positive")
        if max_alarm_rate is not None and not 0 < max_alarm_rate < 1:
            raise ValueError(f"max_alarm_rate must be between 0 and 1, not {max_alarm_rate!r}")
        self.max_alarm_rate = max_alarm_rate
        if seasonality not in (None, "weekly", "auto"):
            raise ValueError(f"seasonality must be None, 'weekly' or 'auto', not {seasonality!r}")
        self.is_holiday = holiday_calendar(holidays)
        self.sensitivity = sensitivity
        self.min_history = max(3, min_history)
        self.seasonality = seasonality
        self.max_explanations = max_explanations

    def evaluate(self, current: PartitionProfile, history: Sequence[PartitionProfile]) -> AnomalyVerdict:
        history, notes, needed = self._baseline(current, list(history))
        if len(history) < needed:
            note = f"{len(history)} earlier partition(s); at least {needed} are needed to judge"
            return AnomalyVerdict(INSUFFICIENT_HISTORY, 0.0, history_size=len(history), notes=(*notes, note))
        explanations = schema_changes(current, history) + stale_copies(current, history)
        outliers, level = self._metric_outliers(current, history, needed)
        explanations += outliers
        if level != 1.0:
            notes.append(f"thresholds × {level:.2f}: calibrated so that the history's own partitions alarm at {self.max_alarm_rate:.1%}")
        explanations.sort(key=_explanation_order)
        flagged = [e for e in explanations if e.severity >= 1.0]
        score = explanations[0].severity if explanations else 0.0
        culprits = tuple(dict.fromkeys(e.column for e in flagged if e.column != TABLE))
        return AnomalyVerdict(
            ANOMALOUS if flagged else OK,
            score,
            culprits,
            tuple(flagged[: self.max_explanations]) if flagged else tuple(explanations[:3]),
            len(history),
            tuple(notes),
        )

    def _baseline(self, current: PartitionProfile, history: list[PartitionProfile]) -> tuple[list[PartitionProfile], list[str], int]:
        """The partitions to compare with, notes saying how they were chosen, and how many are needed."""
        notes: list[str] = []
        if self.is_holiday is not None:
            day = partition_date(current.partition_key)
            holidays = [p for p in history if self._holiday(p)]
            ordinary = [p for p in history if not self._holiday(p)]
            if day is not None and self.is_holiday(day):
                if len(holidays) >= MIN_HOLIDAYS:
                    # Holidays fall on any weekday: no weekly comparison among them.
                    return holidays, [f"holiday: compared with {len(holidays)} earlier holidays"], min(self.min_history, MIN_HOLIDAYS)
                notes.append(f"holiday, but only {len(holidays)} earlier holiday(s) ({MIN_HOLIDAYS} needed): compared with ordinary days")
            elif holidays:
                notes.append(f"{len(holidays)} holiday(s) kept out of the baseline")
            history = ordinary
        return self._seasonal(current, history, notes)

    def _holiday(self, profile: PartitionProfile) -> bool:
        day = partition_date(profile.partition_key)
        return day is not None and self.is_holiday is not None and self.is_holiday(day)

    def _seasonal(
        self, current: PartitionProfile, history: list[PartitionProfile], notes: list[str]
    ) -> tuple[list[PartitionProfile], list[str], int]:
        if self.seasonality is None:
            return history, notes, self.min_history
        day = partition_date(current.partition_key)
        if day is None:
            return history, [*notes, f"weekly seasonality ignored: partition key {current.partition_key!r} is not a date"], self.min_history
        if self.seasonality == "auto":
            weekly, why = weekday_effect(history)
            scaled = weekday_scaled(current, history) if weekly else None
            if scaled is None:
                return history, [*notes, f"compared with all days: {why}"], self.min_history
            return scaled[0], [*notes, f"weekly seasonality: {why}; {scaled[1]}"], self.min_history
        needed = self.min_history
        same_day = [p for p in history if (d := partition_date(p.partition_key)) is not None and d.weekday() == day.weekday()]
        if len(same_day) >= needed:
            return same_day, [*notes, f"compared with {len(same_day)} earlier partitions on the same weekday"], needed
        return history, [*notes, f"only {len(same_day)} earlier partitions on the same weekday: compared with all"], self.min_history

    def _metric_outliers(self, current: PartitionProfile, history: list[PartitionProfile], needed: int) -> tuple[list[Explanation], float]:
        """Every metric's explanation, and the factor the thresholds were calibrated by (1: none)."""
        features, matrix, vector, details = feature_matrix(current, history)
        if not features:
            return [], 1.0
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN features: skipped below
            ordered, counts = sorted_columns(matrix)
            center = column_medians(ordered, counts)
            spread = MAD_TO_SIGMA * column_medians(*sorted_columns(np.abs(matrix - center)))
            grids: dict[str, float] = {}  # the value grid of each column's frequent values
            pooled = _pooled_rows(history)
            floor = np.array([_noise_floor(f, c, current, grids, pooled) for f, c in zip(features, center)])
            order_statistic = np.array([f[1] in _ORDER_STATISTICS for f in features])
            steps = np.where(order_statistic, grid_steps(ordered, counts), 0.0)
            scale = np.fmax(np.fmax(np.nan_to_num(spread, nan=0.0), floor), steps / 2)
            history_z = np.abs(matrix - center) / scale
            widest = np.max(np.where(np.isnan(history_z), -np.inf, history_z), axis=0, initial=-np.inf)
            base = np.array([BASE_THRESHOLD * _THRESHOLD_FACTORS.get(f[1], 1.0) for f in features]) * _short_history_factor(len(history))
            threshold = np.maximum(base, HISTORY_MARGIN * widest) / self.sensitivity
            z = (vector - center) / scale
        enough = counts >= needed
        level = 1.0
        if self.max_alarm_rate is not None:
            level = partition_level(history_z, base, HISTORY_MARGIN, enough, self.max_alarm_rate, LEVEL_FLOOR)
            threshold = threshold * level
        with np.errstate(all="ignore"):
            severity = np.abs(z) / threshold
        out = []
        for i, (column, metric) in enumerate(features):
            if not enough[i] or not np.isfinite(severity[i]):
                continue
            sev = float(severity[i])
            if metric in _SHARES and abs(vector[i] - center[i]) < MIN_SHARE_CHANGE / self.sensitivity:
                sev = min(sev, 0.99)  # statistically odd but too small to matter
            low, high = center[i] - threshold[i] * scale[i], center[i] + threshold[i] * scale[i]
            if metric in _SHARES:
                low, high = max(low, 0.0), min(high, 1.0)
            detail = details.get((column, metric))
            out.append(Explanation(column, metric, float(vector[i]), float(low), float(high), float(center[i]), float(z[i]), sev, detail))
        return out, level


def schema_changes(current: PartitionProfile, history: Sequence[PartitionProfile]) -> list[Explanation]:
    """Columns that appeared, disappeared or changed type compared with the latest partition."""
    latest = history[-1]
    changes = []
    for column in latest.columns.keys() - current.columns.keys():
        changes.append(Explanation(column, "column_missing", None, None, None, None, math.inf, math.inf))
    for column in current.columns.keys() - latest.columns.keys():
        if not any(column in p.columns for p in history):
            changes.append(Explanation(column, "column_added", None, None, None, None, math.inf, math.inf))
    for column in current.columns.keys() & latest.columns.keys():
        if current.columns[column].kind != latest.columns[column].kind:
            changes.append(Explanation(column, "type_changed", None, None, None, None, math.inf, math.inf))
    return changes


def stale_copies(current: PartitionProfile, history: Sequence[PartitionProfile]) -> list[Explanation]:
    """An earlier partition republished under a new key: every exact statistic is equal.

    Only for datasets whose partitions normally differ (the last two of history do), so that a
    table that is legitimately the same every day is not flagged.
    """
    if current.row_count < 2 or len(history) < 2 or _same_data(history[-1], history[-2]):
        return []
    for earlier in reversed(history):
        if _same_data(current, earlier):
            return [Explanation(TABLE, IDENTICAL, None, None, None, None, math.inf, math.inf, detail=earlier.partition_key)]
    return []


def _same_data(a: PartitionProfile, b: PartitionProfile) -> bool:
    """Equal row counts, columns and every exact (not sample-based) statistic."""
    if a.row_count != b.row_count or a.columns.keys() != b.columns.keys():
        return False
    for name, column in a.columns.items():
        other = b.columns[name]
        for metric, value in column.metrics.items():
            if metric in SAMPLED_METRICS:
                continue
            theirs = other.metrics.get(metric, math.nan)
            if not (value == theirs or (math.isnan(value) and math.isnan(theirs)) or math.isclose(value, theirs, rel_tol=1e-12)):
                return False
    return True


# Among metrics that are all clearly off, explain with the most telling one first: a share of
# rows ("5% negative") says more than an extreme ("min = -120").
_SATURATED = 5.0
_PRIORITY = {"column_missing": 0, "column_added": 0, "type_changed": 0, IDENTICAL: 0, "row_count": 1}


def _explanation_order(e: Explanation) -> tuple[float, int, float]:
    if e.metric in _PRIORITY:
        rank = _PRIORITY[e.metric]
    elif e.metric in _SHARES:
        rank = 2
    elif e.metric in _EXTREMES:
        rank = 4
    else:
        rank = 3
    return (-min(e.severity, _SATURATED), rank, -e.severity)


def _noise_floor(
    feature: tuple[str, str], center: float, current: PartitionProfile, grids: dict[str, float], pooled: tuple[int, int]
) -> float:
    """The smallest scale a metric can have: its sampling noise in a partition of this size."""
    column, metric = feature
    rows = max(current.row_count, 1)
    n = min(rows, current.sample_rows or rows) if metric in _SAMPLE_BASED else rows
    center = 0.0 if not math.isfinite(center) else center
    if metric == SEGMENT_SHIFT:
        # The largest of several standardised moves: its spread is about a third of its typical size.
        return max(0.35 * center, 0.5)
    if metric == SHARE_SHIFT:
        # The distance between a sample's shares and the typical ones is mostly sampling noise,
        # whose spread is about a third of its mean (a sum of half-normal deviations).
        return max(0.35 * center, 0.5 / n)
    if metric in _SHARES:
        # Binomial noise at the history's level: a share that was 0 (or 1) in every earlier
        # partition is taken as half a row off it over all of history's rows, not over this
        # partition's, so that 30 days without a null make one null's worth of nulls news.
        edge = 0.5 / max(n, pooled[1] if metric in _SAMPLE_BASED else pooled[0])
        p = min(max(center, edge), 1 - edge)
        return math.sqrt(p * (1 - p) / n)
    if metric == "row_count":
        return math.sqrt(max(center, 1.0))
    col = current.columns.get(column)
    tiny = 1e-9 * max(1.0, abs(center))
    if col is None:
        return tiny
    if metric in ("length_min", "length_max"):
        return 0.5  # whole characters: one character is one step
    if metric == "span_seconds":
        return 3600.0
    if metric in _ORDER_STATISTICS:
        if column not in grids:
            grids[column] = _value_grid(col.top_values)
        tiny = max(tiny, grids[column] / 2)
    quantile_error = _quantile_standard_error(col, metric, n)
    if quantile_error is not None:
        return max(tiny, quantile_error)
    spread = col.value("std") if not math.isnan(col.value("std")) else col.value("length_std")
    if metric.startswith("time_of_day"):
        spread = 86_400 / math.sqrt(12)  # a uniform day
    if math.isnan(spread) or spread == 0:
        return tiny
    return max(tiny, spread / math.sqrt(n))


_NEIGHBOURS = {"p05": ("p05", "p25"), "p25": ("p05", "p50"), "p50": ("p25", "p75"), "p75": ("p50", "p95"), "p95": ("p75", "p95")}


def _quantile_standard_error(col, metric: str, n: int) -> float | None:
    """Sampling error of a quantile: √(p(1−p)/n) / density, the density read off the spacing of
    the neighbouring quantiles (one-sided in the tails, where it is thinner: × 1.5)."""
    prefix = "time_of_day_" if metric.startswith("time_of_day_") else ""
    name = metric.removeprefix(prefix)
    if name not in _NEIGHBOURS:
        return None
    low, high = _NEIGHBOURS[name]
    spread = col.value(prefix + high) - col.value(prefix + low)
    if not math.isfinite(spread) or spread <= 0:
        return None
    p = QUANTILES[name]
    slope = spread / (QUANTILES[high] - QUANTILES[low])
    tail = 1.5 if name in ("p05", "p95") else 1.0
    return tail * slope * math.sqrt(p * (1 - p) / n)


def _short_history_factor(partitions: int) -> float:
    """A median and MAD of a few partitions are uncertain (relative error ≈ 1.2/√n): widen the
    threshold accordingly, relative to the 30 partitions the defaults were tuned on."""
    return max(1.0, (1 + 1.2 / math.sqrt(partitions)) / (1 + 1.2 / math.sqrt(30)))


def _value_grid(top_values) -> float:
    """The smallest gap between a numeric column's frequent values: 1 for counts, 0.1 for ratings."""
    try:
        values = np.unique([float(value) for value, _ in top_values])
    except ValueError:
        return 0.0
    return float(np.diff(values).min()) if len(values) > 1 else 0.0


def _pooled_rows(history: Sequence[PartitionProfile]) -> tuple[int, int]:
    """Rows and sampled rows over the whole history."""
    rows = sum(p.row_count for p in history)
    return rows, sum(min(p.row_count, p.sample_rows or p.row_count) for p in history)
