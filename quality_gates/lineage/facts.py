"""What a gate run tells lineage consumers, as plain JSON-safe data built from the one result model.

No Airflow and no OpenLineage imports here: the operators build these facts while the task runs
(only when lineage is enabled), and ``quality_gates.lineage.facets`` turns them into OpenLineage
facets when the provider asks. Column metrics come from what a gate measured anyway (the anomaly
gate's partition profile, the reference gate's profile) or, for the drift gate's current side,
from the frame it already holds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from quality_gates.checks.results import CheckResult, GateOutcome, GateResult, Status

if TYPE_CHECKING:
    import pandas as pd

    from quality_gates.checks.profiles.binned import CurrentProfile
    from quality_gates.checks.profiles.model import PartitionProfile
    from quality_gates.checks.profiles.reference import ReferenceProfile

# OpenLineage quantile keys are the quantile as text ("0.5"), as in its spec's examples.
PROFILE_QUANTILES = {"p05": "0.05", "p25": "0.25", "p50": "0.5", "p75": "0.75", "p95": "0.95"}
FRAME_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MAX_TEXT = 1_000  # an assertion's description is a summary, not a dump of failure cases

ColumnMetrics = dict[str, Any]  # nullCount, distinctCount, sum, count, min, max, quantiles (OpenLineage names)


@dataclass(frozen=True)
class DatasetName:
    """An OpenLineage dataset identity: ``namespace`` (where) and ``name`` (what)."""

    namespace: str
    name: str


@dataclass(frozen=True)
class GateLineageFacts:
    """Everything the OpenLineage facets of one gate run are built from."""

    gate: str
    status: str
    mode: str
    dataset: str
    partition: str
    gate_run_id: int | None
    report_url: str
    row_count: int | None
    assertions: tuple[dict[str, Any], ...]
    column_metrics: Mapping[str, ColumnMetrics] = field(default_factory=dict)
    inputs: tuple[DatasetName, ...] = ()  # the checked dataset first: it carries the quality facets
    error: str | None = None

    @property
    def failed_checks(self) -> list[dict[str, Any]]:
        return [{"check": a["name"], "column": a["column"], "status": a["params"]["status"]} for a in self.assertions if not a["success"]]


def gate_facts(
    result: GateResult,
    *,
    gate_run_id: int | None,
    mode: str,
    report_url: str,
    column_metrics: Mapping[str, ColumnMetrics] | None = None,
    inputs: Iterable[DatasetName] = (),
) -> GateLineageFacts:
    return GateLineageFacts(
        gate=result.gate,
        status=result.status.value,
        mode=mode,
        dataset=result.dataset,
        partition=result.partition_key,
        gate_run_id=gate_run_id,
        report_url=report_url,
        row_count=result.row_count,
        assertions=tuple(assertion(check) for check in result.checks),
        column_metrics=dict(column_metrics or {}),
        inputs=tuple(inputs),
        error=result.error,
    )


def assertion(check: CheckResult) -> dict[str, Any]:
    """One check as an OpenLineage assertion: it succeeded only if it passed (a warning found an issue)."""
    message = check.details.get("message") or check.details.get("explanation")
    return {
        "assertion": check.check_name,
        "name": check.check_name,
        "column": check.column,
        "success": check.status is Status.PASSED,
        "severity": check.severity.value,
        "expected": _text(check.expected),
        "actual": _text(check.observed),
        "description": _text(message),
        "params": {
            "status": check.status.value,
            **({"failing_fraction": check.failing_fraction} if check.failing_fraction is not None else {}),
        },
    }


def metrics_from_outcome(outcome: GateOutcome) -> dict[str, ColumnMetrics]:
    """What a gate's outcome says about the checked data's columns: metrics it measured for
    lineage, else those of the profile it keeps (anomaly, reference)."""
    from quality_gates.checks.artifacts import PartitionProfileArtifact, ReferenceProfileArtifact

    if outcome.column_metrics:
        return {name: dict(metrics) for name, metrics in outcome.column_metrics.items()}
    for artifact in outcome.artifacts:
        if isinstance(artifact, PartitionProfileArtifact):
            return metrics_from_profile(artifact.profile)
        if isinstance(artifact, ReferenceProfileArtifact):
            return metrics_from_reference(artifact.profile)
    return {}


def metrics_from_profile(profile: PartitionProfile) -> dict[str, ColumnMetrics]:
    """Column metrics of an anomaly gate's partition profile. Quantiles come from the profile's
    sample (at most 100,000 rows); distinct counts only when every row was sampled (exact)."""
    rows = profile.row_count
    exact_sample = profile.sample_rows >= rows
    metrics: dict[str, ColumnMetrics] = {}
    for name, column in profile.columns.items():
        nulls = _count(column.value("null_fraction") * rows)
        present = rows - nulls if nulls is not None else None
        entry: ColumnMetrics = {"nullCount": nulls, "count": present}
        if exact_sample and present is not None:
            entry["distinctCount"] = _count(column.value("distinct_ratio") * present) if present else 0
        if column.kind == "numeric":
            entry["min"], entry["max"] = _number(column.value("min")), _number(column.value("max"))
            mean = _number(column.value("mean"))
            entry["sum"] = mean * present if mean is not None and present is not None else None
            entry["quantiles"] = {
                key: value for metric, key in PROFILE_QUANTILES.items() if (value := _number(column.value(metric))) is not None
            }
        metrics[name] = _pruned(entry)
    return metrics


def metrics_from_reference(profile: ReferenceProfile) -> dict[str, ColumnMetrics]:
    """Column metrics of a reference profile (the training data the reference gate profiled)."""
    metrics: dict[str, ColumnMetrics] = {}
    for name, column in profile.columns.items():
        entry: ColumnMetrics = {"nullCount": column.null_count, "count": column.count - (column.null_count or 0)}
        if column.numeric is not None:
            sketch = column.numeric
            # The histogram's outer edges are the smallest and largest finite values.
            entry.update(min=_number(sketch.edges[0]), max=_number(sketch.edges[-1]), sum=_number(sketch.mean * sketch.total))
        if column.categories is not None:
            entry["distinctCount"] = column.categories.distinct
        metrics[name] = _pruned(entry)
    return metrics


def metrics_from_frame(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> dict[str, ColumnMetrics]:
    """Column metrics of an in-memory frame (the drift gate's current side), defined as the
    profiles define them: counts, min, max and sum exact over all rows; quantiles over the same
    uniform sample of at most 100,000 rows; distinct counts only when that sample is every row
    (hashing a million floats would cost as much as the drift tests themselves)."""
    import numpy as np
    import pandas as pd

    from quality_gates.checks.profiles.pandas_engine import sample_positions

    positions = sample_positions(len(frame))
    metrics: dict[str, ColumnMetrics] = {}
    for name in columns if columns is not None else frame.columns:
        if name not in frame.columns:
            continue
        series = frame[name]
        nulls = int(series.isna().sum())
        entry: ColumnMetrics = {"nullCount": nulls, "count": len(series) - nulls}
        if positions is None:
            entry["distinctCount"] = int(series.nunique())
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series) and entry["count"]:
            values = series.to_numpy(dtype="float64", na_value=np.nan)
            finite = values[np.isfinite(values)]
            sample = values if positions is None else values[positions]
            sample = sample[np.isfinite(sample)]
            if len(finite):
                entry.update(min=_number(finite.min()), max=_number(finite.max()), sum=_number(finite.sum()))
            if len(sample):
                entry["quantiles"] = dict(zip(PROFILE_QUANTILES.values(), map(float, np.quantile(sample, FRAME_QUANTILES))))
        metrics[str(name)] = _pruned(entry)
    return metrics


def metrics_from_current(current: CurrentProfile) -> dict[str, ColumnMetrics]:
    """Column metrics of the drift gate's current side, from its counts on the reference's edges:
    counts, min, max and sum exact; quantiles interpolated within the reference's bins (off by at
    most one bin, 0.1% of the values); distinct counts of categorical columns (the reference's
    categories seen, plus the never-seen ones)."""
    import numpy as np

    metrics: dict[str, ColumnMetrics] = {}
    for name, column in current.columns.items():
        entry: ColumnMetrics = {"nullCount": column.null_count, "count": column.rows - column.null_count}
        binned = column.numeric
        if binned is not None and binned.total:
            entry.update(min=_number(binned.minimum), max=_number(binned.maximum), sum=_number(binned.mean * binned.total))
            # The share below each edge, and 0 and 1 at the current minimum and maximum.
            points = np.concatenate(([binned.minimum], binned.edges, [binned.maximum]))
            shares = np.concatenate(([0.0], np.cumsum(binned.bin_counts)[:-1] / binned.total, [1.0]))
            inside = (points >= binned.minimum) & (points <= binned.maximum)
            values = np.interp(FRAME_QUANTILES, shares[inside], points[inside])
            entry["quantiles"] = dict(zip(PROFILE_QUANTILES.values(), map(float, values)))
        if column.categories is not None:
            entry["distinctCount"] = sum(1 for n in column.categories.known.values() if n) + column.categories.unseen_distinct
        metrics[name] = _pruned(entry)
    return metrics


def _count(value: float) -> int | None:
    return round(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _pruned(entry: ColumnMetrics) -> ColumnMetrics:
    return {key: value for key, value in entry.items() if value is not None and value != {}}
