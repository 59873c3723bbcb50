"""Drift gate: compare current data (e.g. serving features) with a reference (the training data,
profiled once and stored) and block when the data the model sees is not what it learnt from."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from quality_gates.checks.results import GateKind, GateOutcome
from quality_gates.operators.base import BaseGateOperator
from quality_gates.sources.base import Source
from quality_gates.store.references import StoredReference


class DriftGateOperator(BaseGateOperator):
    """Per column, a drift test chosen by type and size, judged on its effect size.

    :param current: the data to check (a source; templated).
    :param reference: a ``StoredReference(dataset, version=None)`` (None: the latest version), a
        dataset name (its latest reference), or a source read and profiled on the spot.
    :param columns: columns to compare (default: every column of the reference).
    :param thresholds: default thresholds by method, e.g. ``{"psi": 0.25}`` (see README).
    :param column_thresholds: per-column overrides, e.g. ``{"fare": {"wasserstein": 0.2}}``.
    :param methods: methods that decide a column's verdict (default: by type and size).
    :param column_methods: per-column choice of deciding methods.
    :param alpha: false discovery rate of the p-value gate (Benjamini-Hochberg across columns).
    :param drift_share: the gate fails when the share of drifted columns exceeds it; 0 (default):
        any drifted column fails the gate; with e.g. 0.3 fewer drifted columns only warn.
    :param feature_importance: ``{column: weight}`` for that share (unlisted columns weigh 0).
    """

    gate_kind = GateKind.DRIFT
    template_fields: Sequence[str] = (*BaseGateOperator.template_fields, "current", "reference")

    def __init__(
        self,
        *,
        current: Source,
        reference: StoredReference | str | Source,
        columns: Sequence[str] | None = None,
        thresholds: Mapping[str, float] | None = None,
        column_thresholds: Mapping[str, Mapping[str, float]] | None = None,
        methods: Sequence[str] | None = None,
        column_methods: Mapping[str, Sequence[str]] | None = None,
        alpha: float = 0.05,
        drift_share: float = 0.0,
        feature_importance: Mapping[str, float] | None = None,
        **kwargs: Any,
    ):
        from quality_gates.checks.drift.thresholds import DriftSettings

        super().__init__(**kwargs)
        self.current = current
        self.reference = StoredReference(reference) if isinstance(reference, str) else reference
        self.columns = list(columns) if columns is not None else None
        # Built here so that a wrong threshold or method name fails when the DAG is parsed.
        self.settings = DriftSettings(
            thresholds=dict(thresholds or {}),
            column_thresholds={k: dict(v) for k, v in (column_thresholds or {}).items()},
            methods=list(methods) if methods is not None else None,
            column_methods={k: list(v) for k, v in (column_methods or {}).items()},
            alpha=alpha,
            drift_share=drift_share,
            feature_importance=dict(feature_importance) if feature_importance is not None else None,
        )

    def default_dataset(self) -> str | None:
        return self.current.default_dataset()

    def lineage_sources(self) -> Sequence[Source]:
        return (self.current, *(() if isinstance(self.reference, StoredReference) else (self.reference,)))

    def _load_reference(self, store: Any):
        from quality_gates.engines import Family, compute

        if isinstance(self.reference, StoredReference):
            return store.references.get(self.reference.dataset, self.reference.version)
        # Profiled where the reference data is; asked-for columns it lacks are findings of the comparison.
        profile = compute(Family.REFERENCE_PROFILE, self.reference.compute(), columns=self.columns, skip_missing=True)
        return profile.labelled(self.reference.describe(), "read now")

    def run_checks(self, context: Any, store: Any, dataset: str, partition: str) -> GateOutcome:
        from quality_gates.checks.gates import drift_gate
        from quality_gates.engines import Family, compute
        from quality_gates.lineage import lineage_enabled
        from quality_gates.lineage.facts import metrics_from_current

        reference = self._load_reference(store)
        # The current side is counted where the data is, on the reference's edges and categories.
        current = compute(Family.CURRENT_SKETCH, self.current.compute(), reference, columns=self.columns)
        outcome = drift_gate(reference, current, columns=self.columns, settings=self.settings, current_name=self.current.describe())
        if lineage_enabled():  # the current side's column metrics, for OpenLineage: from the same counts
            outcome = dataclasses.replace(outcome, column_metrics=metrics_from_current(current))
        return outcome
