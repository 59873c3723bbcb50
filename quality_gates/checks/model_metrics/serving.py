"""Serving-side evaluation under delayed labels: coverage first, metrics only when it is enough.

With labels arriving late, the predictions labelled so far are a biased subset (quick labels
are often a particular kind of case). Below ``min_coverage`` the verdict is "insufficient
labels" (warned) and no metric is judged. Coverage, label delay, class balance and volume are
reported next to the metrics so a reader can see what the numbers rest on.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from quality_gates.checks.model_metrics.catalogue import CLASSIFICATION, database_metrics, resolve_metrics
from quality_gates.checks.model_metrics.definitions import classification_width
from quality_gates.checks.model_metrics.evaluate import MetricEstimate, estimates_for
from quality_gates.checks.model_metrics.serving_sql import (
    BLOCKS,
    RECENCY_BANDS,
    SCORE_DECIMALS,
    DelayedLabelTables,
    JoinedAggregates,
    Window,
)
from quality_gates.checks.model_metrics.sums import OVERALL, ScoreGroups, SliceSums, slice_name
from quality_gates.checks.results import CheckKind, CheckResult, Severity, Status
from quality_gates.checks.values import finite_or_none

KIND = CheckKind.SERVING_EVALUATION


@dataclass(frozen=True)
class ServingEvaluation:
    report: dict
    estimates: tuple[MetricEstimate, ...]
    metrics: tuple[str, ...]


def recency_weights(parts: int, window: Window, half_life_seconds: float | None) -> np.ndarray:
    """Weight of each time block: halves every ``half_life_seconds`` back from the window's end."""
    if not half_life_seconds:
        return np.ones(parts)
    age = (parts - (np.arange(parts) + 0.5)) / parts * window.seconds
    return 0.5 ** (age / half_life_seconds)


def _class_order(values) -> list:
    return sorted(set(values), key=str)


def evaluate_aggregates(
    aggregates: JoinedAggregates,
    tables: DelayedLabelTables,
    window: Window,
    *,
    task: str,
    metrics: Sequence[str] | None,
    positive_label=1,
    half_life_seconds: float | None = None,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
) -> ServingEvaluation:
    width = len(tables.slice_columns)
    weights = recency_weights(BLOCKS, window, half_life_seconds)
    keyed = defaultdict(list)  # slice name → rows
    for row in aggregates.groups:
        keyed[OVERALL].append(row)
        for column, value in zip(tables.slice_columns, row[:width]):
            keyed[slice_name(column, "<missing>" if value is None else value)].append(row)
    # Overall first, then slices by name: the same order whatever order the database grouped in.
    keyed = defaultdict(list, sorted(keyed.items(), key=lambda item: (item[0] != OVERALL, item[0])))
    report = {"predictions": aggregates.predictions}
    if task == CLASSIFICATION:
        parts, n_classes, positive, report_extra = _classification_parts(keyed, tables, width, weights, positive_label)
        has_score = tables.score_column is not None and positive is not None
        chosen = database_metrics(task, metrics, has_score=has_score, classes=n_classes)
        if has_score:
            parts = _with_scores(parts, aggregates.score_groups, tables, width, window, half_life_seconds, positive_label)
    else:
        parts, report_extra = _regression_parts(keyed, width, weights)
        n_classes, positive = 0, None
        chosen = resolve_metrics(task, metrics, has_score=False)
    report.update(report_extra)
    report["coverage"] = report["labelled"] / aggregates.predictions if aggregates.predictions else 0.0
    report.update(
        label_delay=aggregates.delays,
        label_delay_mean_seconds=aggregates.delay_mean_seconds,
        label_delay_max_seconds=aggregates.delay_max_seconds,
    )
    estimates = (
        estimates_for(
            parts, task=task, metrics=chosen, n_classes=n_classes, positive=positive, confidence=confidence, resamples=resamples, seed=seed
        )
        if report["labelled"]
        else []
    )
    return ServingEvaluation(report, tuple(estimates), chosen)


def _classification_parts(keyed, tables: DelayedLabelTables, width: int, weights: np.ndarray, positive_label):
    rows = keyed.get(OVERALL, [])
    labels = [r[width + 1] for r in rows if r[width + 1] is not None]
    to_class = None
    if tables.prediction_column is None:  # predicted from the score: 1 = positive class
        others = [c for c in _class_order(labels) if c != positive_label]
        to_class = {1: positive_label, 0: others[0] if others else f"not {positive_label}"}

    def rows_class(value):
        return value if to_class is None or value is None else to_class[int(value)]

    classes = _class_order([*labels, *(rows_class(r[width + 2]) for r in rows if r[width + 2] is not None)])
    if tables.prediction_column is None and positive_label not in classes:
        classes = _class_order([*classes, positive_label])
    if len(classes) == 1:
        classes.append(f"not {classes[0]}")
    index = {c: i for i, c in enumerate(classes)}
    n_classes = len(classes)
    positive = index.get(positive_label) if n_classes <= 2 else None
    width_k = classification_width(n_classes)
    parts = []
    labelled = missing = 0
    label_counts = defaultdict(int)
    predicted_all = defaultdict(int)
    predicted_labelled = defaultdict(int)
    for name, group in keyed.items():
        blocks: dict[int, np.ndarray] = {}
        rows_in = 0
        for row in group:
            block = min(int(row[width]), BLOCKS - 1)
            label, predicted, count = row[width + 1], rows_class(row[width + 2]), int(row[width + 3])
            if name == OVERALL:
                if predicted is not None:
                    predicted_all[str(predicted)] += count
                if label is not None:
                    labelled += count
                    label_counts[str(label)] += count
                    if predicted is None:
                        missing += count
                    else:
                        predicted_labelled[str(predicted)] += count
            if label is None or predicted is None:
                continue
            sums = blocks.setdefault(block, np.zeros(width_k))
            sums[index[label] * n_classes + index[predicted]] += count * weights[block]
            sums[-1] = np.nan  # no log loss in the database
            rows_in += count
        parts.append(SliceSums(name, rows_in, np.array([blocks[b] for b in sorted(blocks)]) if blocks else np.zeros((0, width_k))))
    report = {
        "labelled": labelled,
        "missing_predictions": missing,
        "classes": [str(c) for c in classes],
        "label_balance": _shares(label_counts),
        "predicted_balance": _shares(predicted_all),
        "predicted_balance_labelled": _shares(predicted_labelled),
    }
    return parts, n_classes, positive, report


def _with_scores(parts, score_rows, tables, width, window, half_life_seconds, positive_label) -> list[SliceSums]:
    band_weights = recency_weights(RECENCY_BANDS, window, half_life_seconds)
    collected = defaultdict(list)
    for row in score_rows:
        collected[OVERALL].append(row)
        for column, value in zip(tables.slice_columns, row[:width]):
            collected[slice_name(column, "<missing>" if value is None else value)].append(row)
    out = []
    for part in parts:
        rows = collected.get(part.slice, [])
        if not rows:
            out.append(part)
            continue
        band = np.minimum(np.array([int(r[width]) for r in rows]), RECENCY_BANDS - 1)
        score = np.array([float(r[width + 1]) for r in rows]) / 10.0**SCORE_DECIMALS
        is_positive = np.array([r[width + 2] == positive_label for r in rows])
        count = np.array([float(r[width + 3]) for r in rows])
        weight = band_weights[band]
        scores, inverse = np.unique(score, return_inverse=True)
        positive = np.bincount(inverse, weights=np.where(is_positive, count * weight, 0.0), minlength=len(scores))
        negative = np.bincount(inverse, weights=np.where(is_positive, 0.0, count * weight), minlength=len(scores))
        groups = ScoreGroups(
            scores,
            positive,
            negative,
            float(np.sum(np.where(is_positive, count * weight**2, 0.0))),
            float(np.sum(np.where(is_positive, 0.0, count * weight**2))),
        )
        out.append(SliceSums(part.slice, part.rows, part.buckets, groups))
    return out


def _regression_parts(keyed, width: int, weights: np.ndarray):
    parts = []
    labelled = missing = 0
    for name, group in keyed.items():
        blocks: dict[int, np.ndarray] = {}
        rows_in = 0
        for row in group:
            block = min(int(row[width]), BLOCKS - 1)
            has_label, has_prediction, count = int(row[width + 1]), int(row[width + 2]), int(row[width + 3])
            if name == OVERALL and has_label:
                labelled += count
                missing += 0 if has_prediction else count
            if not (has_label and has_prediction):
                continue
            w = weights[block]
            sums = blocks.setdefault(block, np.zeros(5))
            sums += w * np.array([count, *(float(v) for v in row[width + 4 : width + 8])])
            rows_in += count
        parts.append(SliceSums(name, rows_in, np.array([blocks[b] for b in sorted(blocks)]) if blocks else np.zeros((0, 5))))
    return parts, {"labelled": labelled, "missing_predictions": missing}


def _shares(counts: dict) -> dict[str, float]:
    total = sum(counts.values())
    return {k: round(v / total, 4) for k, v in sorted(counts.items())} if total else {}


def _hours(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "n/a"
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


def _check(name, column, status, observed, expected, explanation, **details) -> CheckResult:
    return CheckResult(
        name,
        column,
        status,
        Severity.ERROR if status in (Status.FAILED, Status.ERROR) else Severity.WARN,
        observed,
        expected,
        {"kind": KIND, **details, "explanation": explanation, "message": explanation},
    )


def report_check_results(
    aggregates: JoinedAggregates,
    evaluation: ServingEvaluation,
    tables: DelayedLabelTables,
    window: Window,
    *,
    min_coverage: float,
) -> tuple[list[CheckResult], bool]:
    """Checks describing the join (volume, coverage, delay, balance, problems), and whether the
    metrics may be judged."""
    report = evaluation.report
    span = f"[{window.start.isoformat()}, {window.end.isoformat()})"
    checks = []
    predictions = report["predictions"]
    if predictions == 0:
        text = f"no predictions were logged in {tables.predictions_table} in the window {span}: nothing to evaluate"
        checks.append(_check("prediction_volume", None, Status.WARNED, "0 predictions", "predictions in the window", text, predictions=0))
        return checks, False
    checks.append(
        _check(
            "prediction_volume",
            None,
            Status.PASSED,
            f"{predictions:,} predictions",
            "predictions in the window",
            f"{predictions:,} predictions logged in {span}.",
            predictions=predictions,
        )
    )
    judgeable = True
    for name, count, examples, table in (
        (
            "duplicate_prediction_ids",
            aggregates.duplicate_prediction_ids,
            aggregates.duplicate_prediction_examples,
            tables.predictions_table,
        ),
        ("duplicate_label_ids", aggregates.duplicate_label_ids, aggregates.duplicate_label_examples, tables.labels_table),
    ):
        if count:
            judgeable = False
            text = (
                f"{count:,} prediction ids appear more than once in {table}.{tables.id_column} (e.g. {', '.join(examples)}): "
                f"the join would count them twice, so no metric is judged."
            )
            checks.append(
                _check(name, tables.id_column, Status.ERROR, f"{count:,} ids", "unique ids", text, ids=count, examples=list(examples))
            )
    if aggregates.orphan_labels:
        text = (
            f"{aggregates.orphan_labels:,} labels in {tables.labels_table} arrived since {window.start.isoformat()} for prediction ids "
            f"that were never logged in {tables.predictions_table} (e.g. {', '.join(aggregates.orphan_label_examples)}): "
            f"a logging gap or mismatched ids; they are left out."
        )
        checks.append(
            _check(
                "labels_without_predictions",
                tables.id_column,
                Status.WARNED,
                f"{aggregates.orphan_labels:,} labels",
                "every label matches a logged prediction",
                text,
                labels=aggregates.orphan_labels,
                examples=list(aggregates.orphan_label_examples),
            )
        )
    if report.get("missing_predictions"):
        column = tables.prediction_column or tables.score_column
        text = f"{report['missing_predictions']:,} labelled predictions have no value in {tables.predictions_table}.{column}; they are left out of the metrics."
        checks.append(
            _check(
                "missing_predictions",
                column,
                Status.WARNED,
                f"{report['missing_predictions']:,} rows",
                "0 rows",
                text,
                rows=report["missing_predictions"],
            )
        )
    coverage = report["coverage"]
    labelled = report["labelled"]
    unjudged = {f"{e.metric}@{e.slice}": finite_or_none(e.value) for e in evaluation.estimates}
    if coverage < min_coverage:
        judgeable = False
        head = "no labels at all" if labelled == 0 else f"only {coverage:.1%} labelled"
        text = (
            f"insufficient labels: {head} ({labelled:,} of {predictions:,} predictions in {span} have a label as of "
            f"{window.as_of.isoformat()}; minimum {min_coverage:.0%}). Labels that arrive first are a biased subset, "
            f"so no metric is judged until more arrive."
        )
        checks.append(
            _check(
                "label_coverage",
                None,
                Status.WARNED,
                f"{coverage:.1%}",
                f"≥ {min_coverage:.0%}",
                text,
                verdict="insufficient labels",
                coverage=coverage,
                labelled=labelled,
                predictions=predictions,
                unjudged_metrics=unjudged,
            )
        )
    else:
        text = f"{coverage:.1%} of {predictions:,} predictions in {span} have a label as of {window.as_of.isoformat()} (minimum {min_coverage:.0%})."
        checks.append(
            _check(
                "label_coverage",
                None,
                Status.PASSED,
                f"{coverage:.1%}",
                f"≥ {min_coverage:.0%}",
                text,
                verdict="enough labels",
                coverage=coverage,
                labelled=labelled,
                predictions=predictions,
            )
        )
    if labelled:
        delays = report["label_delay"]
        text = (
            f"labels arrived {_hours(report['label_delay_mean_seconds'])} after the prediction on average, at most "
            f"{_hours(report['label_delay_max_seconds'])}; " + ", ".join(f"{k}: {v:,}" for k, v in delays.items() if v)
        )
        checks.append(
            _check(
                "label_delay",
                None,
                Status.PASSED,
                f"mean {_hours(report['label_delay_mean_seconds'])}",
                "reported",
                text,
                histogram=delays,
                mean_seconds=finite_or_none(report["label_delay_mean_seconds"]),
                max_seconds=finite_or_none(report["label_delay_max_seconds"]),
            )
        )
    if "label_balance" in report and labelled:
        text = (
            f"labels: {_balance(report['label_balance'])}; predicted, all predictions: {_balance(report['predicted_balance'])}; "
            f"predicted, labelled ones: {_balance(report['predicted_balance_labelled'])}"
        )
        checks.append(
            _check(
                "class_balance",
                tables.label_column,
                Status.PASSED,
                _balance(report["label_balance"]),
                "reported",
                text,
                labels=report["label_balance"],
                predicted=report["predicted_balance"],
                predicted_labelled=report["predicted_balance_labelled"],
            )
        )
    return checks, judgeable


def _balance(shares: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.0%}" for k, v in shares.items()) or "none"
