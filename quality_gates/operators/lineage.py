"""OpenLineage for every gate: ``get_openlineage_facets_on_complete`` / ``_on_failure``.

While the task runs, a gate hands its facts (built from its ``GateResult``) to a process-local
registry keyed by the task instance; the OpenLineage provider's listener then asks for the facets,
after the task ended, in the same process. Nothing is built or imported when the provider is not
installed or OpenLineage is disabled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from quality_gates.checks.results import GateOutcome, GateResult
from quality_gates.lineage import lineage_enabled, registry
from quality_gates.lineage.facts import gate_facts
from quality_gates.ui_links import task_instance_report_url


class OpenLineageGateMixin:
    """Mixed into ``BaseGateOperator``; gates say what they read (what they measured is in their outcome)."""

    def lineage_sources(self) -> Sequence[Any]:
        """The sources the gate reads, the checked one first (it carries the quality facets)."""
        return ()

    def keep_lineage_facts(self, ti: Any, result: GateResult, gate_run_id: int | None, outcome: GateOutcome | None = None) -> None:
        """Hand this gate run's facts to the listener (``outcome``: None when the gate failed to judge)."""
        if not lineage_enabled():
            return
        try:
            from quality_gates.lineage.datasets import all_datasets
            from quality_gates.lineage.facts import metrics_from_outcome

            facts = gate_facts(
                result,
                gate_run_id=gate_run_id,
                mode=self.mode,
                report_url=task_instance_report_url(ti),
                column_metrics=metrics_from_outcome(outcome) if outcome is not None else None,
                inputs=all_datasets(self.lineage_sources(), checked_name=result.dataset),
            )
            registry.keep(ti.id, facts)
        except Exception as exc:  # lineage must never change a gate's outcome
            self.log.warning("OpenLineage facts of this gate run could not be built: %s", exc, exc_info=True)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        return _facets_of(task_instance)

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> Any:
        # A blocked gate is exactly when lineage consumers need the facts.
        return _facets_of(task_instance)


def _facets_of(task_instance: Any) -> Any:
    from quality_gates.lineage.facets import operator_lineage

    facts = registry.lookup(task_instance.id)
    return operator_lineage(facts) if facts is not None else None
