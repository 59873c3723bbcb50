"""The metrics there are, and which fit a task: no numpy, so that DAG files can check them cheaply.

See ``definitions`` for the formulas.

Averaging (documented, and what scikit-learn does): binary classification scores the
``positive_label`` class; multiclass precision, recall and F1 are macro averages over the
classes seen in labels or predictions, a class never predicted counting 0 precision
(scikit-learn's ``zero_division=0``).
"""

from __future__ import annotations

from dataclasses import dataclass

from quality_gates.checks.errors import MetricDefinitionError

CLASSIFICATION, REGRESSION = "classification", "regression"
TASKS = (CLASSIFICATION, REGRESSION)

# Regression statistics, in this order: sum of weights, of w*y, w*y², w*|error|, w*error².
REGRESSION_STATS = ("weight", "y", "y2", "abs_error", "sq_error")


@dataclass(frozen=True)
class Metric:
    name: str
    task: str
    higher_is_better: bool
    needs_score: bool = False
    binary_only: bool = False
    description: str = ""

    @property
    def direction(self) -> str:
        return "higher is better" if self.higher_is_better else "lower is better"


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("accuracy", CLASSIFICATION, True, description="share of rows whose predicted class is the label"),
        Metric("precision", CLASSIFICATION, True, description="of the rows predicted in a class, the share that are"),
        Metric("recall", CLASSIFICATION, True, description="of the rows in a class, the share predicted so"),
        Metric("f1", CLASSIFICATION, True, description="harmonic mean of precision and recall"),
        Metric(
            "roc_auc",
            CLASSIFICATION,
            True,
            needs_score=True,
            binary_only=True,
            description="chance that a positive row scores above a negative one (ties count half)",
        ),
        Metric(
            "log_loss",
            CLASSIFICATION,
            False,
            needs_score=True,
            binary_only=True,
            description="mean negative log-likelihood of the label under the predicted probability",
        ),
        Metric("mae", REGRESSION, False, description="mean absolute error"),
        Metric("rmse", REGRESSION, False, description="root mean squared error"),
        Metric("r2", REGRESSION, True, description="share of the label's variance the model explains"),
    )
}

DEFAULT_METRICS = {
    CLASSIFICATION: ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"),
    REGRESSION: ("mae", "rmse", "r2"),
}


def resolve_metrics(
    task: str, metrics: tuple[str, ...] | list[str] | None, *, has_score: bool, classes: int | None = None
) -> tuple[str, ...]:
    """The metrics to compute: checked against the task; score-based ones only with a score."""
    if task not in TASKS:
        raise MetricDefinitionError(f"task must be one of {', '.join(TASKS)}, not {task!r}")
    if metrics is None:
        chosen = [m for m in DEFAULT_METRICS[task] if has_score or not METRICS[m].needs_score]
        return tuple(m for m in chosen if not (METRICS[m].binary_only and classes is not None and classes > 2))
    for name in metrics:
        metric = METRICS.get(name)
        if metric is None:
            raise MetricDefinitionError(f"unknown metric {name!r}; known: {', '.join(METRICS)}")
        if metric.task != task:
            raise MetricDefinitionError(f"metric {name!r} is for {metric.task}, not {task}")
        if metric.needs_score and not has_score:
            raise MetricDefinitionError(f"metric {name!r} needs a score (probability) column")
        if metric.binary_only and classes is not None and classes > 2:
            raise MetricDefinitionError(
                f"metric {name!r} is defined here for binary classification only, and the data has {classes} classes"
            )
    return tuple(metrics)


def database_metrics(task: str, metrics, *, has_score: bool, classes: int | None) -> tuple[str, ...]:
    """The metrics the serving gate computes from database sums: log loss needs each row's
    probability, and the join keeps scores only rounded and grouped."""
    if metrics is None:
        return tuple(m for m in resolve_metrics(task, None, has_score=has_score, classes=classes) if m != "log_loss")
    if "log_loss" in metrics:
        raise MetricDefinitionError(
            "log_loss is not available in the serving gate: it needs row-level probabilities, and the join is reduced in the database"
        )
    return resolve_metrics(task, metrics, has_score=has_score, classes=classes)
