"""Metrics of a model on evaluation rows (a DataFrame), overall and per slice, with intervals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from quality_gates.checks.errors import EvaluationDataError, MetricDefinitionError
from quality_gates.checks.model_metrics.catalogue import METRICS, REGRESSION, resolve_metrics
from quality_gates.checks.model_metrics.definitions import metric_function
from quality_gates.checks.model_metrics.intervals import bootstrap_interval, replicate_weights, roc_auc_interval
from quality_gates.checks.model_metrics.spec import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, EvaluationSpec
from quality_gates.checks.model_metrics.sums import OVERALL, SliceSums, buckets_of_rows, slice_name, sums_for_rows

if TYPE_CHECKING:
    import pandas as pd

MAX_EXAMPLES = 5


@dataclass(frozen=True)
class MetricEstimate:
    metric: str
    slice: str
    value: float
    ci_low: float
    ci_high: float
    rows: int
    method: str
    note: str | None = None

    @property
    def higher_is_better(self) -> bool:
        return METRICS[self.metric].higher_is_better


@dataclass(frozen=True)
class DataFindings:
    """What is wrong or notable in the evaluation rows themselves."""

    rows: int
    evaluated_rows: int
    unlabelled_rows: int = 0
    missing_predictions: int = 0
    missing_prediction_examples: tuple[str, ...] = ()
    duplicate_ids: int = 0
    duplicate_id_examples: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    unpredicted_classes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Evaluation:
    spec: EvaluationSpec
    metrics: tuple[str, ...]
    estimates: tuple[MetricEstimate, ...]
    findings: DataFindings


def estimates_for(
    slices: Sequence[SliceSums],
    *,
    task: str,
    metrics: Sequence[str],
    n_classes: int = 0,
    positive: int | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> list[MetricEstimate]:
    """Every metric of every slice, with its interval; shared by the in-memory and SQL engines."""
    estimates = []
    for part in slices:
        replicates = replicate_weights(len(part.buckets), resamples, seed, part.slice) @ np.nan_to_num(part.buckets) if part.rows else None
        totals = part.buckets.sum(axis=0)
        for name in metrics:
            if name == "roc_auc":
                estimates.append(_auc_estimate(part, confidence))
                continue
            fn = metric_function(name, task, n_classes, positive)
            value = float(fn(totals)) if part.rows else float("nan")
            low, high = bootstrap_interval(replicates, fn, confidence) if replicates is not None else (float("nan"), float("nan"))
            note = None if np.isfinite(value) else _undefined_reason(name, part)
            estimates.append(MetricEstimate(name, part.slice, value, low, high, part.rows, "bootstrap", note))
    return estimates


def _auc_estimate(part: SliceSums, confidence: float) -> MetricEstimate:
    groups = part.scores
    if groups is None or part.rows == 0:
        return MetricEstimate("roc_auc", part.slice, float("nan"), float("nan"), float("nan"), part.rows, "delong", "no scores")
    value, low, high = roc_auc_interval(groups, confidence)
    note = None
    if not np.isfinite(value):
        note = "only one class among the labels: ROC AUC needs positive and negative rows"
    return MetricEstimate("roc_auc", part.slice, value, low, high, part.rows, "delong", note)


def _undefined_reason(name: str, part: SliceSums) -> str:
    if part.rows == 0:
        return "no rows"
    if name == "r2":
        return "the label is constant: there is no variance to explain"
    if name in ("precision", "recall", "f1"):
        return "the class is neither predicted nor labelled here"
    return "undefined on these rows"


def evaluate_frame(frame: pd.DataFrame, spec: EvaluationSpec) -> Evaluation:
    """Evaluate a frame of predictions and labels. Raises ``EvaluationDataError`` when nothing can be judged."""
    import pandas as pd

    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        raise EvaluationDataError(
            f"column(s) {', '.join(map(repr, missing))} not in the evaluation data (columns: {', '.join(map(str, frame.columns))})"
        )
    if len(frame) == 0:
        raise EvaluationDataError("the evaluation data has no rows: there is nothing to judge the model on")
    labelled = frame[spec.label_column].notna().to_numpy()
    predicted = np.ones(len(frame), dtype=bool)
    for column in (spec.prediction_column, spec.score_column):
        if column is not None:
            predicted &= _present(frame[column])
    usable = labelled & predicted
    ids = frame[spec.id_column] if spec.id_column else pd.Series(frame.index, index=frame.index)
    no_prediction = labelled & ~predicted
    duplicated = frame[spec.id_column].duplicated(keep=False) if spec.id_column else pd.Series(False, index=frame.index)
    findings = dict(
        rows=len(frame),
        evaluated_rows=int(usable.sum()),
        unlabelled_rows=int((~labelled).sum()),
        missing_predictions=int(no_prediction.sum()),
        missing_prediction_examples=_examples(ids[no_prediction]),
        duplicate_ids=int(frame.loc[duplicated, spec.id_column].nunique()) if spec.id_column else 0,
        duplicate_id_examples=_examples(ids[duplicated].drop_duplicates()),
    )
    rows = frame.loc[usable]
    if len(rows) == 0:
        why = "no row has a label" if not labelled.any() else "no labelled row has a prediction"
        raise EvaluationDataError(
            f"the evaluation data has {len(frame)} rows but {why} ('{spec.label_column}', '{spec.prediction_column or spec.score_column}')"
        )
    weight = rows[spec.weight_column].to_numpy(float) if spec.weight_column else np.ones(len(rows))
    if spec.task == REGRESSION:
        label = rows[spec.label_column].to_numpy(float)
        prediction = rows[spec.prediction_column].to_numpy(float)
        classes, n_classes, positive, score = (), 0, None, None
        metrics = resolve_metrics(spec.task, spec.metrics, has_score=False)
    else:
        label, prediction, classes, positive = _encode_classes(rows, spec)
        n_classes = len(classes)
        score = rows[spec.score_column].to_numpy(float) if spec.score_column and positive is not None else None
        metrics = resolve_metrics(spec.task, spec.metrics, has_score=score is not None, classes=n_classes)
        labelled_counts = np.bincount(label, minlength=n_classes)
        predicted_counts = np.bincount(prediction, minlength=n_classes)
        findings["classes"] = tuple(map(str, classes))
        findings["unpredicted_classes"] = {
            str(classes[i]): int(labelled_counts[i]) for i in range(n_classes) if labelled_counts[i] and not predicted_counts[i]
        }

    bucket = buckets_of_rows(len(frame), spec.max_buckets, spec.seed)[usable]  # by position in the data, as every engine

    def sums(name: str, positions: np.ndarray | slice) -> SliceSums:
        return sums_for_rows(
            spec.task,
            name=name,
            label=label[positions],
            predicted=prediction[positions],
            weight=weight[positions],
            score=None if score is None else score[positions],
            n_classes=n_classes,
            positive=positive,
            bucket=bucket[positions],
            max_buckets=spec.max_buckets,
        )

    parts = [sums(OVERALL, slice(None))]
    for column in spec.slice_columns:
        codes, values = pd.factorize(rows[column], use_na_sentinel=False)
        order = np.argsort(codes, kind="stable")
        boundaries = np.cumsum(np.bincount(codes, minlength=len(values)))[:-1]
        groups = list(zip(values, np.split(order, boundaries)))
        for value, positions in sorted(groups, key=lambda pair: str(pair[0])):
            parts.append(sums(slice_name(column, "<missing>" if pd.isna(value) else value), positions))
    return evaluation_of(parts, spec, metrics, n_classes, positive, findings)


def _present(values: pd.Series) -> np.ndarray:
    present = values.notna().to_numpy()
    if values.dtype.kind == "f":
        return present & np.isfinite(values.to_numpy(float, na_value=np.nan))
    return present


def _examples(values: pd.Series) -> tuple[str, ...]:
    return tuple(str(v) for v in values.iloc[:MAX_EXAMPLES])


def _encode_classes(rows: pd.DataFrame, spec: EvaluationSpec) -> tuple[np.ndarray, np.ndarray, tuple, int | None]:
    """Class indexes of labels and predictions; the positive class's index when binary."""
    import pandas as pd

    labels = rows[spec.label_column]
    if spec.prediction_column is not None:
        predictions = rows[spec.prediction_column]
    else:
        others = [c for c in pd.unique(labels) if c != spec.positive_label]
        if len(others) > 1:
            raise MetricDefinitionError(
                f"score_column '{spec.score_column}' scores one class but '{spec.label_column}' has {len(others) + 1} classes; "
                f"give a prediction_column for multiclass models"
            )
        negative = others[0] if others else f"not {spec.positive_label}"
        scores = rows[spec.score_column].to_numpy(float)
        predictions = pd.Series(np.where(scores >= spec.decision_threshold, spec.positive_label, negative), index=rows.index, dtype=object)
    codes, uniques = pd.factorize(pd.concat([labels, predictions], ignore_index=True), sort=False)
    if spec.prediction_column is None and spec.positive_label not in list(uniques):
        uniques = pd.Index([*uniques, spec.positive_label])
    order = sorted(range(len(uniques)), key=lambda i: str(uniques[i]))
    remap = np.empty(len(uniques), dtype=np.int64)
    remap[order] = np.arange(len(uniques))
    classes = tuple(uniques[i] for i in order)
    codes = remap[codes]
    label, prediction = codes[: len(rows)], codes[len(rows) :]
    classes, positive = positive_class(classes, spec)
    return label, prediction, classes, positive


def positive_class(classes: tuple, spec: EvaluationSpec) -> tuple[tuple, int | None]:
    """The classes (sorted) and the index of the positive one for a binary model (None for
    multiclass); a binary model's only class gets an empty partner so its metrics stay defined."""
    positive = None
    if len(classes) <= 2:
        matches = [i for i, c in enumerate(classes) if c == spec.positive_label]
        if not matches:
            raise MetricDefinitionError(
                f"positive_label {spec.positive_label!r} is not one of the classes ({', '.join(map(repr, classes))}) of "
                f"'{spec.label_column}'; set positive_label"
            )
        positive = matches[0]
        if len(classes) == 1:  # every row in one class: a second, empty class keeps the metrics defined
            classes = (*classes, f"not {spec.positive_label}")
    elif spec.score_column is not None and spec.prediction_column is not None:
        raise MetricDefinitionError(
            f"score_column '{spec.score_column}' is for binary models; '{spec.label_column}' has {len(classes)} classes"
        )
    return classes, positive


def evaluation_of(parts: list, spec: EvaluationSpec, metrics, n_classes: int, positive: int | None, findings: dict) -> Evaluation:
    """The Evaluation of per-slice sums, however they were computed (in memory or by an engine)."""
    estimates = estimates_for(
        parts,
        task=spec.task,
        metrics=metrics,
        n_classes=n_classes,
        positive=positive,
        confidence=spec.confidence,
        resamples=spec.resamples,
        seed=spec.seed,
    )
    return Evaluation(spec, metrics, tuple(estimates), DataFindings(**findings))
