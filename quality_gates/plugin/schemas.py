"""What the JSON API returns (and the pages render): the stored results, as they are stored."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL characters


class CheckOut(BaseModel):
    """One check of a gate run: a ``check_results`` row."""

    check_name: str
    column: str | None
    status: str
    severity: str
    observed: str | None
    expected: str | None
    failing_fraction: float | None = None
    details: dict[str, Any] = Field(
        default_factory=dict, description="the check's details as recorded (failure_cases, message, explanation, culprits...)"
    )


class GateRunOut(BaseModel):
    """One gate run: a ``gate_runs`` row with its summary."""

    id: int
    dag_id: str
    task_id: str
    run_id: str
    map_index: int
    try_number: int
    dataset: str
    partition_key: str
    gate: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime
    row_count: int | None
    checks: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    problems: list[dict[str, Any]] = Field(default_factory=list, description="failing, warning and error checks (from the summary)")
    error: str | None = None
    mode: str | None = Field(None, description="the gate's mode: fail, skip or warn (null on runs recorded before migration 0008)")
    action: str | None = Field(None, description="what the gate did to the pipeline: blocked, skipped or allowed")
    action_label: str | None = Field(None, description='the action in words, e.g. "allowed in warn mode"')
    url: str = Field(description="this gate run's page")


class GateRunPageOut(BaseModel):
    runs: list[GateRunOut]
    counts: dict[str, int] = Field(
        description="gate runs per status matching the filters (all pages), each counted up to 10,000: 10001 means more than 10,000"
    )
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class TryOut(BaseModel):
    try_number: int
    status: str


class PartitionOut(BaseModel):
    """A profiled partition and its place in the anomaly baseline."""

    dataset: str
    partition_key: str
    baseline_status: Literal["included", "excluded", "confirmed_bad", "false_alarm"]
    row_count: int
    profiled_at: dt.datetime
    gate_run_id: int | None
    dag_id: str | None
    task_id: str | None
    run_id: str | None
    status_changed_by: str | None
    status_changed_at: dt.datetime | None
    status_note: str | None
    action: str | None = Field(None, description="what the gate run that profiled it did to the pipeline")
    action_label: str | None = None
    can_edit: bool = Field(False, description="whether the caller may mark it (edit permission on its DAG)")
    url: str | None = Field(None, description="the page of the gate run that profiled it")


class AlertStateOut(BaseModel):
    last_status: str
    alerted_at: dt.datetime | None
    suppressed_count: int = Field(description="alerts held back since the last one sent (state unchanged)")


class CulpritOut(BaseModel):
    column: str
    reason: str | None = Field(None, description="the measurement that blames it, e.g. 'psi 0.41 > threshold 0.2'")


class MetricOut(BaseModel):
    """One metric on one slice, as a model or serving gate judged it; ``*_at`` place the numbers on
    a 0–100 scale shared by all slices of the metric (for the drawing)."""

    metric: str
    slice: str
    status: str
    verdict: str = Field(description="passed, regressed, inconclusive, not judged, undefined or no baseline")
    value: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: str | None
    bar: float | None
    direction: str | None
    baseline: float | None
    baseline_source: str | None
    rows: int | None
    explanation: str | None
    value_at: float | None = None
    ci_low_at: float | None = None
    ci_high_at: float | None = None
    bar_at: float | None = None


class LabelReportOut(BaseModel):
    """What a serving gate found about its delayed labels."""

    insufficient: bool = Field(description="too few labels (or no predictions): no metric was judged")
    reason: str | None
    predictions: int | None
    labelled: int | None
    coverage: float | None
    min_coverage: str | None
    delay_mean: str | None
    delay_max: str | None
    delay_histogram: dict[str, Any] = Field(default_factory=dict)
    classes: list[dict[str, Any]] = Field(default_factory=list, description="share of each class: labels, predicted, predicted_labelled")
    unjudged_metrics: dict[str, float | None] = Field(default_factory=dict)


class GateRunDetailOut(BaseModel):
    run: GateRunOut
    checks: list[CheckOut]
    tries: list[TryOut]
    culprits: list[str] = Field(default_factory=list, description="columns an anomaly/drift/skew gate blames")
    culprit_reasons: list[CulpritOut] = Field(default_factory=list, description="the culprit columns with the measurement that blames each")
    metrics: list[MetricOut] = Field(default_factory=list, description="model and serving gates: each metric × slice against its bar")
    labels: LabelReportOut | None = None
    partition: PartitionOut | None = None
    alert: AlertStateOut | None = None
    dataset_url: str


class GridCellOut(BaseModel):
    run_id: str
    status: str
    gate_run_id: int
    try_number: int
    map_indexes: int
    problems: int
    partition_key: str
    action: str | None = None
    action_label: str | None = None
    url: str


class GridRowOut(BaseModel):
    task_id: str
    gate: str
    dataset: str
    cells: list[GridCellOut | None] = Field(description="one per run of `runs`, null where the gate did not run")
    suppressed_alerts: int = Field(0, description="repeat alerts held back since the gate's last alert (alert_states)")


class GridRunOut(BaseModel):
    run_id: str
    started_at: dt.datetime


class DagGridOut(BaseModel):
    dag_id: str
    runs: list[GridRunOut] = Field(description="oldest first")
    gates: list[GridRowOut]
    older_cursor: str | None = Field(description="pass as `before` for older runs")


class MetricSeriesOut(BaseModel):
    """Values and band rounded to 6 significant digits (exact values: the gate run's page, the tables)."""

    metric: str
    values: list[float | None]
    band_low: list[float | None]
    band_high: list[float | None]


class DatasetOut(BaseModel):
    dataset: str
    columns: list[str]
    partitions: list[PartitionOut]


class SeriesOut(BaseModel):
    dataset: str
    column: str
    partition_keys: list[str]
    baseline_status: list[str]
    gate_run_ids: list[int | None] = Field(description="the gate run that profiled each partition (null: a backtest)")
    gate_run_url: str = Field(description="page of a gate run: replace {id}")
    metrics: list[MetricSeriesOut]
    band: str = Field(description="how the baseline band is computed")


class BaselineStatusIn(BaseModel):
    dataset: str = Field(min_length=1, max_length=500, pattern=NO_NUL)
    partition_key: str = Field(min_length=1, max_length=2000, pattern=NO_NUL)
    status: Literal["false_alarm", "confirmed_bad"]
    note: str | None = Field(None, max_length=2000, pattern=NO_NUL)
