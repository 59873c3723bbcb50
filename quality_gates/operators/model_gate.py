"""Block a model before deployment when it is worse than production (or a threshold) on any slice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from quality_gates.checks.results import COLD_START_STATUS, GateKind, GateOutcome
from quality_gates.operators.base import SUMMARY_XCOM_KEY, BaseGateOperator
from quality_gates.sources.base import Source


class ModelMetricGateOperator(BaseGateOperator):
    """Model gate: metrics of a candidate on evaluation data, with confidence intervals, overall
    and per slice, against a fixed threshold or the metrics of the model in production.

    :param source: evaluation rows with a label and the candidate's prediction (templated);
        e.g. ``FileSource(...)``, ``SqlSource(...)`` or ``CallableSource(fn)``.
    :param model: the model's name; baselines and history are kept per model (the gate's dataset).
    :param task: ``classification`` or ``regression``.
    :param label_column: the column of true labels (or values, for regression).
    :param prediction_column: the column of predicted classes (or values).
    :param score_column: the positive-class probability of a binary classifier (for ROC AUC and log loss).
    :param slice_columns: each column's values are judged as slices (``zone=Airport``) next to the
        overall metrics.
    :param metrics: which metrics (default: all that fit the task and columns).
    :param thresholds: fixed bars, ``{"roc_auc": 0.8}`` or per slice ``{("mae", "zone=Airport"): 9}``.
    :param compare_with_production: compare with the metrics recorded when the production model
        was promoted (see ``promote_model_baseline``); thresholds win where both exist.
    :param tolerance: how much worse than production a metric may be, relative (0.02 = 2%);
        a mapping per metric is accepted.
    :param min_slice_rows: slices with fewer rows are reported, not judged.
    :param confidence: the confidence level of the metrics' intervals.
    :param resamples: bootstrap resamples per interval.
    :param seed: seeds the bootstrap: the same data gives the same interval.
    :param cold_start: the verdict while there is neither threshold nor production baseline:
        ``warn`` (default), ``pass`` or ``fail``.
    :param promote_on_pass: record this candidate as the production baseline when the gate
        passes; only for pipelines where passing the gate means deploying. Otherwise call
        ``promote_model_baseline`` from the deployment task.
    :param model_version: the version name for promotion (templated; default: the run id).

    Rule: a metric fails when its whole interval is beyond the bar (production value moved by the
    tolerance, or the threshold), passes when its whole interval clears it, and is inconclusive
    (warned) otherwise; see ``quality_gates.checks.model_metrics.judge``.
    """

    gate_kind = GateKind.MODEL_METRIC
    template_fields: Sequence[str] = (*BaseGateOperator.template_fields, "source", "model_version")

    def __init__(
        self,
        *,
        source: Source,
        model: str,
        task: str,
        label_column: str,
        prediction_column: str | None = None,
        score_column: str | None = None,
        slice_columns: Sequence[str] = (),
        metrics: Sequence[str] | None = None,
        thresholds: Mapping[Any, float] | None = None,
        compare_with_production: bool = True,
        tolerance: float | Mapping[str, float] = 0.02,
        min_slice_rows: int = 30,
        confidence: float = 0.95,
        resamples: int = 1000,
        seed: int = 0,
        positive_label: Any = 1,
        decision_threshold: float = 0.5,
        id_column: str | None = None,
        cold_start: str = "warn",
        promote_on_pass: bool = False,
        model_version: str | None = None,
        **kwargs: Any,
    ):
        from quality_gates.checks.model_metrics.catalogue import resolve_metrics
        from quality_gates.checks.model_metrics.rule import JudgingRule
        from quality_gates.checks.model_metrics.spec import EvaluationSpec

        kwargs.setdefault("dataset", model)
        super().__init__(**kwargs)
        if cold_start not in COLD_START_STATUS:
            raise ValueError(f"{self.task_id}: cold_start must be one of {', '.join(COLD_START_STATUS)}, not {cold_start!r}")
        self.source = source
        self.model = model
        self.spec = EvaluationSpec(
            task=task,
            label_column=label_column,
            prediction_column=prediction_column,
            score_column=score_column,
            slice_columns=tuple(slice_columns),
            metrics=tuple(metrics) if metrics else None,
            positive_label=positive_label,
            decision_threshold=decision_threshold,
            id_column=id_column,
            confidence=confidence,
            resamples=resamples,
            seed=seed,
        )
        if metrics:  # a metric that cannot fit the task or columns is a DAG error, found at parse time
            resolve_metrics(task, tuple(metrics), has_score=score_column is not None)
        self.thresholds = dict(thresholds or {})
        self.compare_with_production = compare_with_production
        self.tolerance = tolerance
        self.min_slice_rows = min_slice_rows
        self.cold_start = cold_start
        self.rule = JudgingRule(self.thresholds, tolerance, min_slice_rows, confidence, COLD_START_STATUS[cold_start])
        self.promote_on_pass = promote_on_pass
        self.model_version = model_version

    def lineage_sources(self) -> Sequence[Source]:
        return (self.source,)

    def run_checks(self, context: Any, store: Any, dataset: str, partition: str) -> GateOutcome:
        from quality_gates.checks.artifacts import ModelPromotionArtifact
        from quality_gates.checks.gates import model_gate

        computation = self.source.compute()  # summed where the rows are: only sums reach the worker
        production = store.model_baselines.current(dataset) if self.compare_with_production else None
        self.log.info(
            "Evaluating model %s on %s (%s engine); production baseline: %s",
            dataset,
            self.source.describe(),
            computation.capability,
            f"version {production.version}" if production else "none",
        )
        promotion = ModelPromotionArtifact(self.model_version or partition, self.task_id) if self.promote_on_pass else None
        return model_gate(computation, self.spec, self.rule, production, data_name=self.source.describe(), promotion=promotion)


def promote_model_baseline(
    gate_task_id: str, *, version: str | None = None, store_conn_id: str | None = None, context: Any = None
) -> dict[str, Any]:
    """Call from the task that deploys the model: the metrics the gate ``gate_task_id`` recorded in
    this DAG run become the production baseline of its model. Refuses a run the gate blocked.

    Returns ``{"model", "version", "metrics", "gate_run_id"}``.
    """
    from airflow.sdk import get_current_context

    from quality_gates.hooks.store import QualityStoreHook

    context = context or get_current_context()
    summary = context["ti"].xcom_pull(task_ids=gate_task_id, key=SUMMARY_XCOM_KEY)
    if not summary or "gate_run_id" not in summary:
        raise ValueError(f"no result of gate task {gate_task_id!r} in this DAG run: promote after the model gate ran")
    store = QualityStoreHook(store_conn_id).get_store()
    stored = store.get(summary["gate_run_id"])
    if stored is None:
        raise LookupError(f"gate run {summary['gate_run_id']} is not in {store.location}")
    version = version or context["ti"].run_id
    count = store.model_baselines.promote_gate_run(stored, version=version, by=f"{context['ti'].dag_id}.{context['ti'].task_id}")
    return {"model": stored.result.dataset, "version": version, "metrics": count, "gate_run_id": stored.id}
