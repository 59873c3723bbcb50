"""The model gate and the serving gate: evaluation, findings and judging in one outcome each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from quality_gates.checks.artifacts import ModelPromotionArtifact
from quality_gates.checks.errors import EvaluationDataError, MetricDefinitionError
from quality_gates.checks.model_metrics.findings import KIND as EVALUATION_DATA
from quality_gates.checks.model_metrics.rule import JudgingRule
from quality_gates.checks.model_metrics.spec import EvaluationSpec
from quality_gates.checks.results import CheckResult, GateOutcome, Severity, Status, worst_status

if TYPE_CHECKING:
    import pandas as pd

    from quality_gates.checks.model_metrics.serving_sql import DelayedLabelTables, JoinedAggregates, Window
    from quality_gates.engines.computation import Computation


def model_gate(
    data: pd.DataFrame | Computation,
    spec: EvaluationSpec,
    rule: JudgingRule,
    production,
    *,
    data_name: str,
    promotion: ModelPromotionArtifact | None = None,
) -> GateOutcome:
    """Evaluate a candidate on ``data`` (a frame, or a computation: its engine sums the rows where
    they are) and judge it against ``production`` (a ``ProductionBaseline`` or None).
    ``promotion`` is kept only when the gate passes (``promote_on_pass``)."""
    from quality_gates.checks.model_metrics.findings import findings_check_results
    from quality_gates.engines.computation import Computation, PandasChunks
    from quality_gates.engines.registry import Family, compute

    computation = data if isinstance(data, Computation) else PandasChunks.of(data, data_name)
    try:
        evaluation = compute(Family.MODEL_EVALUATION, computation, spec)
    except (EvaluationDataError, MetricDefinitionError) as exc:  # e.g. roc_auc asked of a 3-class model
        message = f"{data_name}: {exc}"
        check = CheckResult(
            "evaluation_data",
            None,
            Status.ERROR,
            Severity.ERROR,
            message,
            "rows with labels and predictions",
            {"kind": EVALUATION_DATA, "explanation": message, "message": message},
        )
        return GateOutcome(0 if isinstance(data, Computation) else len(data), (check,))
    checks = findings_check_results(evaluation.findings, spec) + rule.judge(evaluation.estimates, production)
    passed = worst_status([c.status for c in checks]) is Status.PASSED
    return GateOutcome(evaluation.findings.rows, tuple(checks), (promotion,) if passed and promotion is not None else ())


def serving_gate(
    aggregates: JoinedAggregates,
    tables: DelayedLabelTables,
    window: Window,
    rule: JudgingRule,
    production,
    *,
    task: str,
    metrics: Sequence[str] | None,
    positive_label: Any,
    half_life_seconds: float | None,
    resamples: int,
    seed: int,
    min_coverage: float,
) -> GateOutcome:
    """The label report of a serving window, and its metrics judged when enough labels arrived."""
    from quality_gates.checks.model_metrics.serving import evaluate_aggregates, report_check_results

    try:
        evaluation = evaluate_aggregates(
            aggregates,
            tables,
            window,
            task=task,
            metrics=metrics,
            positive_label=positive_label,
            half_life_seconds=half_life_seconds,
            confidence=rule.confidence,
            resamples=resamples,
            seed=seed,
        )
    except MetricDefinitionError as exc:  # e.g. roc_auc asked of labels with three classes
        raise MetricDefinitionError(f"{tables.labels_table}: {exc}") from exc
    checks, judgeable = report_check_results(aggregates, evaluation, tables, window, min_coverage=min_coverage)
    if judgeable:
        checks += rule.judge(evaluation.estimates, production)
    return GateOutcome(aggregates.predictions, tuple(checks))
