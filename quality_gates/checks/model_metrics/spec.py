"""What a model evaluation is asked to do; no numpy, so that DAG files build it cheaply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quality_gates.checks.errors import MetricDefinitionError
from quality_gates.checks.model_metrics.catalogue import CLASSIFICATION, REGRESSION

DEFAULT_RESAMPLES = 1000
DEFAULT_CONFIDENCE = 0.95
DEFAULT_MAX_BUCKETS = 1000


@dataclass(frozen=True)
class EvaluationSpec:
    """What to evaluate and how. ``slice_columns`` are judged one column at a time."""

    task: str
    label_column: str
    prediction_column: str | None = None
    score_column: str | None = None
    slice_columns: tuple[str, ...] = ()
    metrics: tuple[str, ...] | None = None
    positive_label: Any = 1
    decision_threshold: float = 0.5
    id_column: str | None = None
    weight_column: str | None = None
    confidence: float = DEFAULT_CONFIDENCE
    resamples: int = DEFAULT_RESAMPLES
    seed: int = 0
    max_buckets: int = DEFAULT_MAX_BUCKETS

    def __post_init__(self):
        if self.task == REGRESSION and self.prediction_column is None:
            raise MetricDefinitionError("regression needs prediction_column")
        if self.task == CLASSIFICATION and self.prediction_column is None and self.score_column is None:
            raise MetricDefinitionError("classification needs prediction_column, score_column or both")
        if not 0.5 <= self.confidence < 1:
            raise MetricDefinitionError(f"confidence must be in [0.5, 1), not {self.confidence}")

    @property
    def columns(self) -> list[str]:
        named = [self.label_column, self.prediction_column, self.score_column, self.id_column, self.weight_column, *self.slice_columns]
        return [c for c in dict.fromkeys(named) if c is not None]
