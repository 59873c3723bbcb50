"""A model evaluation from the small tables of sums an engine returns (SQL, DuckDB, Spark).

An engine never sends rows to the worker: it counts the rows' problems and groups the usable rows
by (slice values, bootstrap bucket, label, predicted class) with counts and log-loss sums
(classification), or by (slice values, bucket) with error sums (regression), plus counts per
rounded score for ROC AUC. This module turns those into the same ``Evaluation`` as
``evaluate_frame`` gives for the same rows in the same order: same classes, findings, sums per
bucket (the bucket is a hash of the row's position, computed alike everywhere) and intervals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from quality_gates.checks.errors import EvaluationDataError, MetricDefinitionError
from quality_gates.checks.model_metrics.catalogue import REGRESSION, resolve_metrics
from quality_gates.checks.model_metrics.definitions import classification_width
from quality_gates.checks.model_metrics.evaluate import Evaluation, evaluation_of, positive_class
from quality_gates.checks.model_metrics.spec import EvaluationSpec
from quality_gates.checks.model_metrics.sums import OVERALL, ScoreGroups, SliceSums, slice_name

MISSING = "<missing>"


@dataclass(frozen=True)
class EngineSums:
    """What an engine computed. ``groups`` rows are, for classification, (slice values..., bucket,
    label, predicted, count, Σ -ln p, Σ -ln(1 - p)) with p the clipped score (the two sums None
    without a score); for regression (slice values..., bucket, count, Σy, Σy², Σ|error|, Σerror²).
    ``score_groups`` rows are (slice values..., round(score × 10^4), label, count). Predicted
    classes of a score-only classifier are 1 (score ≥ threshold) and 0."""

    rows: int
    labelled: int
    usable: int  # labelled rows with a prediction
    missing_prediction_examples: tuple[str, ...]
    duplicate_ids: int
    duplicate_id_examples: tuple[str, ...]
    groups: Sequence[tuple]
    score_groups: Sequence[tuple] = ()


def require_columns(names: Sequence[str], spec: EvaluationSpec) -> None:
    """The message ``evaluate_frame`` gives for a missing column, for engines that see names only."""
    missing = [c for c in spec.columns if c not in names]
    if missing:
        raise EvaluationDataError(
            f"column(s) {', '.join(map(repr, missing))} not in the evaluation data (columns: {', '.join(map(str, names))})"
        )
    if spec.weight_column:
        raise MetricDefinitionError("weight_column is evaluated in memory only (pandas); the engines count rows")


def evaluation_from_sums(sums: EngineSums, spec: EvaluationSpec) -> Evaluation:
    """The evaluation of the rows an engine summed. Raises ``EvaluationDataError`` when nothing can be judged."""
    if sums.rows == 0:
        raise EvaluationDataError("the evaluation data has no rows: there is nothing to judge the model on")
    if sums.usable == 0:
        why = "no row has a label" if sums.labelled == 0 else "no labelled row has a prediction"
        raise EvaluationDataError(
            f"the evaluation data has {sums.rows} rows but {why} ('{spec.label_column}', '{spec.prediction_column or spec.score_column}')"
        )
    findings: dict[str, Any] = dict(
        rows=sums.rows,
        evaluated_rows=sums.usable,
        unlabelled_rows=sums.rows - sums.labelled,
        missing_predictions=sums.labelled - sums.usable,
        missing_prediction_examples=sums.missing_prediction_examples,
        duplicate_ids=sums.duplicate_ids,
        duplicate_id_examples=sums.duplicate_id_examples,
    )
    width = len(spec.slice_columns)
    if spec.task == REGRESSION:
        parts = _parts(sums.groups, spec, 5, lambda row: (np.array([float(v or 0.0) for v in row[width + 1 :]]), None))
        metrics = resolve_metrics(spec.task, spec.metrics, has_score=False)
        classes, n_classes, positive = (), 0, None
    else:
        classes, positive, to_class = _classes(sums.groups, spec, width)
        n_classes = len(classes)
        index = {c: i for i, c in enumerate(classes)}
        has_score = spec.score_column is not None and positive is not None
        metrics = resolve_metrics(spec.task, spec.metrics, has_score=has_score, classes=n_classes)

        def cells(row: tuple) -> tuple[np.ndarray, tuple]:
            label, predicted = row[width + 1], to_class(row[width + 2])
            count, loss_positive, loss_negative = row[width + 3 :]
            out = np.zeros(classification_width(n_classes))
            out[index[label] * n_classes + index[predicted]] = float(count)
            out[-1] = (float(loss_positive) if label == classes[positive] else float(loss_negative)) if has_score else np.nan
            return out, (label, predicted, int(count))

        parts = _parts(sums.groups, spec, classification_width(n_classes), cells)
        labelled_counts: dict = defaultdict(int)
        predicted_counts: dict = defaultdict(int)
        for row in sums.groups:
            labelled_counts[row[width + 1]] += int(row[width + 3])
            predicted_counts[to_class(row[width + 2])] += int(row[width + 3])
        findings["classes"] = tuple(map(str, classes))
        findings["unpredicted_classes"] = {str(c): labelled_counts[c] for c in classes if labelled_counts[c] and not predicted_counts[c]}
        if has_score:
            parts = _with_score_groups(parts, sums.score_groups, spec, classes[positive])
    return evaluation_of(parts, spec, metrics, n_classes, positive, findings)


def _slice_keys(row: tuple, spec: EvaluationSpec) -> list[tuple[str, object]]:
    """The slices a group belongs to: overall, and one per slice column; with the value sorted by."""
    keys: list[tuple[str, object]] = [(OVERALL, "")]
    for column, value in zip(spec.slice_columns, row):
        keys.append((slice_name(column, MISSING if value is None else value), value))
    return keys


def _parts(groups: Sequence[tuple], spec: EvaluationSpec, k: int, sums_of) -> list[SliceSums]:
    """Dense (buckets, k) sums per slice, overall first, then each column's values sorted as text."""
    width = len(spec.slice_columns)
    buckets: dict[str, np.ndarray] = {OVERALL: np.zeros((spec.max_buckets, k))}
    rows: dict[str, int] = defaultdict(int)
    order: dict[str, tuple[int, str]] = {OVERALL: (-1, "")}
    for row in groups:
        values, _ = sums_of(row)
        bucket = int(row[width])
        count = int(row[width + 1]) if spec.task == REGRESSION else int(row[width + 3])
        for position, (name, value) in enumerate(_slice_keys(row, spec)):
            if name not in buckets:
                buckets[name] = np.zeros((spec.max_buckets, k))
                order[name] = (position, str(value))
            buckets[name][bucket] += values
            rows[name] += count
    names = sorted(buckets, key=lambda name: order[name])
    return [SliceSums(name, rows[name], buckets[name]) for name in names]


def _classes(groups: Sequence[tuple], spec: EvaluationSpec, width: int):
    """Classes sorted as text, the positive class's index when binary, and how a group's
    predicted value maps to a class (score-only classifiers predict 1 or 0), as ``evaluate_frame``."""
    labels = list(dict.fromkeys(row[width + 1] for row in groups))
    if spec.prediction_column is not None:
        predicted = list(dict.fromkeys(row[width + 2] for row in groups))

        def to_class(value):
            return value
    else:
        others = [c for c in labels if c != spec.positive_label]
        if len(others) > 1:
            raise MetricDefinitionError(
                f"score_column '{spec.score_column}' scores one class but '{spec.label_column}' has {len(others) + 1} classes; "
                f"give a prediction_column for multiclass models"
            )
        negative = others[0] if others else f"not {spec.positive_label}"

        def to_class(value):
            return spec.positive_label if int(value) == 1 else negative

        predicted = list(dict.fromkeys(to_class(row[width + 2]) for row in groups))
    distinct = list(dict.fromkeys([*labels, *predicted]))
    if spec.prediction_column is None and spec.positive_label not in distinct:
        distinct.append(spec.positive_label)
    classes = tuple(sorted(distinct, key=str))
    classes, positive = positive_class(classes, spec)
    return classes, positive, to_class


def _with_score_groups(parts: list[SliceSums], score_rows: Sequence[tuple], spec: EvaluationSpec, positive_class) -> list[SliceSums]:
    width = len(spec.slice_columns)
    collected: dict[str, list[tuple]] = defaultdict(list)
    for row in score_rows:
        for name, _ in _slice_keys(row, spec):
            collected[name].append(row)
    out = []
    for part in parts:
        rows = collected.get(part.slice, [])
        key = np.array([float(r[width]) for r in rows])
        is_positive = np.array([r[width + 1] == positive_class for r in rows], dtype=bool)
        count = np.array([float(r[width + 2]) for r in rows])
        scores, inverse = np.unique(key, return_inverse=True)
        positive = np.bincount(inverse, weights=np.where(is_positive, count, 0.0), minlength=len(scores))
        negative = np.bincount(inverse, weights=np.where(is_positive, 0.0, count), minlength=len(scores))
        groups = ScoreGroups(scores, positive, negative, float(positive.sum()), float(negative.sum()))
        out.append(SliceSums(part.slice, part.rows, part.buckets, groups))
    return out
