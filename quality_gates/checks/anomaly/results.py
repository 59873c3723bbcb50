"""An anomaly verdict as check results: one for the partition, one per explained metric."""

from __future__ import annotations

from quality_gates.checks.anomaly.detector import ANOMALOUS, IDENTICAL, INSUFFICIENT_HISTORY, AnomalyVerdict, Explanation
from quality_gates.checks.profiles.model import TABLE
from quality_gates.checks.results import CheckKind, CheckResult, Severity, Status
from quality_gates.checks.values import finite_or_none, format_number

PARTITION_CHECK = "partition_anomaly"


def verdict_check_results(verdict: AnomalyVerdict, *, cold_start: Status = Status.WARNED) -> tuple[CheckResult, ...]:
    if verdict.status == INSUFFICIENT_HISTORY:
        overall = CheckResult(
            PARTITION_CHECK,
            None,
            cold_start,
            Severity.WARN,
            "insufficient history",
            "at least the minimum number of earlier partitions",
            {"kind": CheckKind.PARTITION_ANOMALY, "history_size": verdict.history_size, "message": "; ".join(verdict.notes)},
        )
        return (overall,)
    status = Status.FAILED if verdict.status == ANOMALOUS else Status.PASSED
    overall = CheckResult(
        PARTITION_CHECK,
        None,
        status,
        Severity.ERROR,
        f"score {verdict.score:.2f}",
        "score below 1.00",
        {
            "kind": CheckKind.PARTITION_ANOMALY,
            "score": finite_or_none(verdict.score),
            "culprits": list(verdict.culprits),
            "history_size": verdict.history_size,
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
        explanation.metric,
        column,
        status if flagged else Status.PASSED,
        Severity.ERROR,
        observed,
        expected,
        {
            "kind": CheckKind.ANOMALY_EXPLANATION,
            "z": finite_or_none(explanation.z),
            "severity": finite_or_none(explanation.severity),
            "median": finite_or_none(explanation.median),
            "message": explanation.describe(),
        },
    )


def _fmt(value: float | None) -> str:
    return format_number(value, 6)
