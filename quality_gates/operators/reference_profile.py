"""Profile training data once, when the model is trained, and store it as the reference that
drift gates compare serving data with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from quality_gates.checks.results import GateKind, GateOutcome
from quality_gates.operators.base import BaseGateOperator
from quality_gates.sources.base import Source


class ReferenceProfileOperator(BaseGateOperator):
    """Store a reference profile of ``source`` under ``dataset`` and ``version``.

    :param source: the training data (or features), read once.
    :param dataset: the reference's name, the one drift gates ask for.
    :param version: e.g. the training run's id (templated); default: this DAG run's id. A version
        profiled again replaces the stored one; drift gates use the latest by default.
    :param columns: columns to profile (default: all).

    Recorded like a gate (one check per column: what was profiled), so the reference's
    making shows in the results store; a column that is entirely null warns.
    """

    gate_kind = GateKind.REFERENCE
    template_fields: Sequence[str] = (*BaseGateOperator.template_fields, "source", "version")

    def __init__(self, *, source: Source, dataset: str, version: str | None = None, columns: Sequence[str] | None = None, **kwargs: Any):
        kwargs.setdefault("partition", version)
        super().__init__(dataset=dataset, **kwargs)
        self.source = source
        self.version = version
        self.columns = list(columns) if columns is not None else None

    def lineage_sources(self) -> Sequence[Source]:
        return (self.source,)

    def run_checks(self, context: Any, store: Any, dataset: str, partition: str) -> GateOutcome:
        from quality_gates.checks.gates import reference_gate

        # Profiled where the data is (engines/binned_counts.py): only counts reach the worker.
        return reference_gate(
            self.source.compute(), columns=self.columns, version=self.version or context["ti"].run_id, data_name=self.source.describe()
        )
