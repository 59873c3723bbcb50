"""How a model gate and a serving gate judge their metric estimates: one rule, declared by the
operator (at DAG parse time, so it imports nothing heavy) and applied in the core."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from quality_gates.checks.results import CheckResult, Status

if TYPE_CHECKING:
    from quality_gates.checks.model_metrics.evaluate import MetricEstimate


@dataclass(frozen=True)
class JudgingRule:
    """``thresholds``: fixed bars per metric or per (metric, slice); ``tolerance``: how much worse
    than production a metric may be (relative, or per metric); ``min_slice_rows``: smaller slices
    are reported, not judged; ``cold_start``: the verdict while there is no bar at all."""

    thresholds: Mapping
    tolerance: float | Mapping[str, float]
    min_slice_rows: int
    confidence: float
    cold_start: Status = Status.WARNED

    def judge(self, estimates: Sequence[MetricEstimate], production) -> list[CheckResult]:
        """One check per estimate against its threshold, else ``production`` (a ``ProductionBaseline`` or None)."""
        from quality_gates.checks.model_metrics.judge import baseline_for, judge_estimate, tolerance_for

        return [
            judge_estimate(
                e,
                baseline_for(e, self.thresholds, production),
                tolerance=tolerance_for(self.tolerance, e.metric),
                min_rows=self.min_slice_rows,
                confidence=self.confidence,
                cold_start=self.cold_start,
            )
            for e in estimates
        ]
