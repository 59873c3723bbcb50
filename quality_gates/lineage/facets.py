"""OpenLineage facets of a gate run, the way common-sql's check operators attach theirs.

The checked dataset (the first input) carries ``dataQualityAssertions`` (one assertion per check)
and the input facet ``dataQualityMetrics`` (row count and what the gate measured per column); the
run carries ``qualityGate``: the gate run's id in the results store, its verdict and the link to
its report in Airflow's UI. Imported only by the OpenLineage provider's calls into a gate.
"""

from __future__ import annotations

from typing import Any

import attr
from airflow.providers.openlineage.extractors import OperatorLineage
from openlineage.client.event_v2 import InputDataset
from openlineage.client.facet_v2 import RunFacet, data_quality_assertions_dataset, data_quality_metrics_input_dataset

from quality_gates.lineage.facts import GateLineageFacts

RUN_FACET = "qualityGate"
SCHEMA_FILE = "QualityGateRunFacet.json"  # shipped beside this module; published with the documentation


def schema_url() -> str:
    from quality_gates.provider_info import get_provider_info

    docs = get_provider_info()["integrations"][0]["external-doc-url"].rstrip("/")
    return f"{docs}/spec/{SCHEMA_FILE}#/$defs/QualityGateRunFacet"


@attr.define
class QualityGateRunFacet(RunFacet):
    """The gate run behind this task run: where its full results are and what it concluded."""

    gate: str
    status: str
    mode: str
    dataset: str
    partition: str
    gateRunId: int | None  # OpenLineage facets use camelCase
    reportUrl: str
    rowCount: int | None = None
    checks: int = 0
    failedChecks: list[dict[str, Any]] = attr.field(factory=list)
    error: str | None = None

    @staticmethod
    def _get_schema() -> str:
        return schema_url()


def operator_lineage(facts: GateLineageFacts) -> OperatorLineage:
    inputs = [InputDataset(namespace=name.namespace, name=name.name) for name in facts.inputs]
    if inputs and not facts.error:
        checked = inputs[0]
        checked.facets = {"dataQualityAssertions": assertions_facet(facts)}
        checked.inputFacets = {"dataQualityMetrics": metrics_facet(facts)}
    return OperatorLineage(inputs=inputs, run_facets={RUN_FACET: run_facet(facts)})


def assertions_facet(facts: GateLineageFacts) -> data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet:
    return data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
        assertions=[data_quality_assertions_dataset.Assertion(**fields, contentType=None) for fields in facts.assertions]
    )


def metrics_facet(facts: GateLineageFacts) -> data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet:
    columns: dict[str, Any] = {
        # quantiles default to {}: None leaves them out for columns that have none (text)
        name: data_quality_metrics_input_dataset.ColumnMetrics(**{"quantiles": None, **metrics})
        for name, metrics in facts.column_metrics.items()
    }
    return data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet(columnMetrics=columns, rowCount=facts.row_count)


def run_facet(facts: GateLineageFacts) -> QualityGateRunFacet:
    return QualityGateRunFacet(
        gate=facts.gate,
        status=facts.status,
        mode=facts.mode,
        dataset=facts.dataset,
        partition=facts.partition,
        gateRunId=facts.gate_run_id,
        reportUrl=facts.report_url,
        rowCount=facts.row_count,
        checks=len(facts.assertions),
        failedChecks=facts.failed_checks,
        error=facts.error,
    )
