"""Judge metric estimates against a baseline with their confidence intervals.

The rule (the same for every metric, slice and gate):

* the bar is a fixed threshold, or the production model's value moved by the tolerance in the
  worse direction (``tolerance`` is relative: 0.02 lets a metric be 2% worse);
* **failed** when the whole interval lies on the wrong side of the bar: a regression beyond the
  tolerance that chance does not explain;
* **passed** when the whole interval lies on the right side;
* **warned** ("inconclusive") when the interval straddles the bar: the evaluation set is too
  small to tell, so it neither blocks nor passes by chance; also for slices with fewer than
  ``min_rows`` rows (an interval from a handful of rows is not trustworthy) and for metrics that
  are undefined on the rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from quality_gates.checks.details import ModelMetricDetails
from quality_gates.checks.model_metrics.evaluate import MetricEstimate
from quality_gates.checks.model_metrics.sums import OVERALL
from quality_gates.checks.results import CheckKind, CheckResult, Severity, Status
from quality_gates.checks.values import finite_or_none, format_number

KIND: Final = CheckKind.MODEL_METRIC
THRESHOLD, PRODUCTION = "threshold", "production"


@dataclass(frozen=True)
class Baseline:
    value: float
    source: str  # THRESHOLD or PRODUCTION
    label: str  # how messages name it: "threshold", "production model v12"


def baseline_for(estimate: MetricEstimate, thresholds: Mapping, production) -> Baseline | None:
    """A fixed threshold (per metric and slice, or per metric) wins over the production model's
    value for the same metric and slice (a ``ProductionBaseline`` from the store, or None)."""
    for key in ((estimate.metric, estimate.slice), estimate.metric):
        if key in thresholds:
            return Baseline(float(thresholds[key]), THRESHOLD, "threshold")
    stored = production.get(estimate.metric, estimate.slice) if production is not None else None
    if stored is None:
        return None
    return Baseline(stored.value, PRODUCTION, f"production model {production.version}")


def tolerance_for(tolerance: float | Mapping[str, float], metric: str) -> float:
    return float(tolerance.get(metric, 0.0)) if isinstance(tolerance, Mapping) else float(tolerance)


def bar_for(estimate: MetricEstimate, baseline: Baseline, tolerance: float) -> float:
    if baseline.source == THRESHOLD:
        return baseline.value
    slack = tolerance * abs(baseline.value)
    return baseline.value - slack if estimate.higher_is_better else baseline.value + slack


def where(slice_key: str) -> str:
    return "overall" if slice_key == OVERALL else f"on slice {slice_key}"


def judge_estimate(
    estimate: MetricEstimate,
    baseline: Baseline | None,
    *,
    tolerance: float,
    min_rows: int,
    confidence: float,
    cold_start: Status = Status.WARNED,
) -> CheckResult:
    interval = (
        f"{int(round(confidence * 100))}% CI {format_number(estimate.ci_low)}–{format_number(estimate.ci_high)}, {estimate.rows:,} rows"
    )
    name = f"{estimate.metric} {where(estimate.slice)}"
    observed = f"{format_number(estimate.value)} [{format_number(estimate.ci_low)}, {format_number(estimate.ci_high)}]"
    sign = "≥" if estimate.higher_is_better else "≤"
    bar = bar_for(estimate, baseline, tolerance) if baseline is not None else None
    expected = (
        f"{sign} {format_number(bar)} ({_baseline_words(baseline, tolerance)})" if baseline is not None else "a baseline to compare with"
    )

    if estimate.rows < min_rows:
        status, verdict = Status.WARNED, "not judged"
        explanation = (
            f"{name}: not judged, only {estimate.rows:,} rows (fewer than min_slice_rows={min_rows}); "
            f"an interval from so few rows can neither clear nor block the model. Observed {format_number(estimate.value)}."
        )
    elif not math.isfinite(estimate.value):
        status, verdict = Status.WARNED, "undefined"
        explanation = f"{name}: cannot be computed ({estimate.note or 'undefined on these rows'})."
    elif baseline is None:
        status, verdict = cold_start, "no baseline"
        explanation = (
            f"{name} is {format_number(estimate.value)} ({interval}); no baseline yet (no threshold and no production model recorded)."
        )
    elif not (math.isfinite(estimate.ci_low) and math.isfinite(estimate.ci_high)):
        status, verdict = Status.WARNED, "inconclusive"
        explanation = (
            f"{name} is {format_number(estimate.value)} but has no confidence interval on these rows; "
            f"the bar {sign} {format_number(bar)} is not judged."
        )
    else:
        worse_side = estimate.ci_high < bar if estimate.higher_is_better else estimate.ci_low > bar
        better_side = estimate.ci_low >= bar if estimate.higher_is_better else estimate.ci_high <= bar
        against = f"the bar {sign} {format_number(bar)} ({_baseline_words(baseline, tolerance)})"
        if worse_side:
            status, verdict = Status.FAILED, "regressed"
            explanation = (
                f"{name} regressed: {format_number(estimate.value)} ({interval}) misses {against}; "
                f"the whole interval is on the wrong side, so this is not chance."
            )
        elif better_side:
            status, verdict = Status.PASSED, "passed"
            explanation = f"{name} is {format_number(estimate.value)} ({interval}) and clears {against} with its whole interval."
        else:
            status, verdict = Status.WARNED, "inconclusive"
            explanation = (
                f"{name} is {format_number(estimate.value)} ({interval}); the interval straddles {against}: "
                f"too few rows to tell a regression from chance, so it neither blocks nor passes."
            )
    details: ModelMetricDetails = {
        "kind": KIND,
        "metric": estimate.metric,
        "slice": estimate.slice,
        "value": finite_or_none(estimate.value),
        "ci_low": finite_or_none(estimate.ci_low),
        "ci_high": finite_or_none(estimate.ci_high),
        "confidence": confidence,
        "n": estimate.rows,
        "interval_method": estimate.method,
        "direction": "higher is better" if estimate.higher_is_better else "lower is better",
        "verdict": verdict,
        "baseline": None if baseline is None else finite_or_none(baseline.value),
        "baseline_source": None if baseline is None else baseline.source,
        "bar": None if bar is None else finite_or_none(bar),
        "tolerance": tolerance if baseline is not None and baseline.source == PRODUCTION else None,
        "explanation": explanation,
        "message": explanation,
    }
    column = None if estimate.slice == OVERALL else estimate.slice
    return CheckResult(estimate.metric, column, status, Severity.ERROR, observed, expected, details)


def _baseline_words(baseline: Baseline, tolerance: float) -> str:
    if baseline.source == THRESHOLD:
        return "threshold"
    return f"{baseline.label} {format_number(baseline.value)} with {tolerance:.0%} tolerance"
