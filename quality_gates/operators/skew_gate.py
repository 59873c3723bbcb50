"""Skew gate: join training and serving rows on an ID and compare every feature value by value;
catches a feature that serving computes differently from training."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from quality_gates.checks.results import GateKind, GateOutcome
from quality_gates.operators.base import BaseGateOperator
from quality_gates.sources.base import Source


class SkewGateOperator(BaseGateOperator):
    """Keyed training/serving skew.

    :param training: the features the model was trained on (a source; templated).
    :param serving: the features serving computed and logged, for the same IDs (a source).
    :param key: the ID column (or columns) present on both sides.
    :param columns: features to compare (default: every column both sides share, except the key).
    :param max_mismatch_share: a feature is skewed when more than this share of joined rows
        differ (default 0.01); ``column_thresholds`` overrides it per feature.
    :param rtol: numbers are equal when |training - serving| <= atol + rtol·|serving|;
        ``column_tolerances={"fare": {"atol": 0.01}}`` overrides per feature.
    :param atol: see ``rtol``.

    Repeated or null keys are left out of the join and reported (warning); serving keys absent
    from the training data are reported (warning); no key matching at all fails the gate.
    """

    gate_kind = GateKind.SKEW
    template_fields: Sequence[str] = (*BaseGateOperator.template_fields, "training", "serving")

    def __init__(
        self,
        *,
        training: Source,
        serving: Source,
        key: str | Sequence[str],
        columns: Sequence[str] | None = None,
        max_mismatch_share: float = 0.01,
        column_thresholds: Mapping[str, float] | None = None,
        rtol: float = 1e-6,
        atol: float = 1e-9,
        column_tolerances: Mapping[str, Mapping[str, float]] | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if not 0 <= max_mismatch_share < 1:
            raise ValueError(f"{self.task_id}: max_mismatch_share must be in [0, 1), not {max_mismatch_share!r}")
        self.training = training
        self.serving = serving
        self.key = key if isinstance(key, str) else list(key)
        self.columns = list(columns) if columns is not None else None
        self.max_mismatch_share = max_mismatch_share
        self.column_thresholds = dict(column_thresholds or {})
        self.rtol = rtol
        self.atol = atol
        self.column_tolerances = {k: dict(v) for k, v in (column_tolerances or {}).items()}

    def default_dataset(self) -> str | None:
        return self.serving.default_dataset()

    def lineage_sources(self) -> Sequence[Source]:
        return (self.serving, self.training)

    def run_checks(self, context: Any, store: Any, dataset: str, partition: str) -> GateOutcome:
        from quality_gates.checks.gates import skew_gate
        from quality_gates.engines import Family, compute

        # The keyed comparison joins rows and compares values row by row: it needs the values, unlike
        # drift (counts). Only the key and the compared features are read, projected by the engine.
        keys = [self.key] if isinstance(self.key, str) else list(self.key)
        wanted = None if self.columns is None else list(dict.fromkeys([*keys, *self.columns]))
        return skew_gate(
            compute(Family.COLUMN_VALUES, self.training.compute(), columns=wanted),
            compute(Family.COLUMN_VALUES, self.serving.compute(), columns=wanted),
            self.key,
            columns=self.columns,
            max_mismatch_share=self.max_mismatch_share,
            column_thresholds=self.column_thresholds,
            rtol=self.rtol,
            atol=self.atol,
            column_tolerances=self.column_tolerances,
            training_name=self.training.describe(),
            serving_name=self.serving.describe(),
        )
