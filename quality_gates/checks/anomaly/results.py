"""An anomaly verdict as check results: one for the partition, one per explained metric."""

from __future__ import annotations

import math

from quality_gates.checks.anomaly.detector import ANOMALOUS, IDENTICAL, INSUFFICIENT_HISTORY, AnomalyVerdict, Explanation
from quality_gates.checks.profiles.model import TABLE
from quality_gates.checks.results import CheckResult, Severity, Status

PARTITION_CHECK = "partition_anomaly"


def verdict_check_results(verdict: AnomalyVerdict, *, cold_start: Status = Status.WARNED) -> tuple[CheckResult, ...]:
    if verdict.status == INSUFFICIENT_HISTORY:
        overall = CheckResult(
            PARTITION_CHECK, None, cold_start, Severity.WARN, "insufficient history",
            "at least the minimum number of earlier partitions",
            {"history_size": verdict.history_size, "message": "; ".join(verdict.notes)},
        )
        return (overall,)
    status = Status.FAILED if verdict.status == ANOMALOUS else Status.PASSED
    overall = CheckResult(
        PARTITION_CHECK, None, status, Severity.ERROR, f"score {verdict.score:.2f}", "score below 1.00",
        {
            "score": _num(verdict.score), "culprits": list(verdict.culprits), "history_size": verdict.history_size,
            "message": _message(verdict),
        },
    )
    return (overall, *(_explanation_result(e, status) for e in verdict.explanations))


def _message(verdict: AnomalyVerdict) -> str:
    if verdict.status == ANOMALOUS:
        head = f"unusual compared with {verdict.history_size} earlier partitions; culprits: {', '.join(verdict.culprits) or 'the partition as a whole'}"
    else:
        head = f"like the {verdict.history_size} earlier partitions"
    return "; ".join([head, *verdict.notes])


def _explanation_result(explanation: Explanation, status: Status) -> CheckResult:
    flagged = explanation.severity >= 1.0
    column = None if explanation.column == TABLE else explanation.column
    if explanation.metric in ("column_added", "column_missing", "type_changed"):
        observed, expected = explanation.metric.replace("_", " "), "same columns and types as the latest partition"
    elif explanation.metric == IDENTICAL:
        observed, expected = f"same data as {explanation.detail}", "data that differs from earlier partitions"
    else:
        observed = _fmt(explanation.observed)
        expected = f"{_fmt(explanation.expected_low)} … {_fmt(explanation.expected_high)}"
    return CheckResult(
        explanation.metric, column, status if flagged else Status.PASSED, Severity.ERROR, observed, expected,
        {
            "kind": "anomaly_explanation", "z": _num(explanation.z), "severity": _num(explanation.severity),
            "median": _num(explanation.median), "message": explanation.describe(),
        },
    )


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.6g}"
