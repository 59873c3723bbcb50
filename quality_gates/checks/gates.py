"""Each gate's core: data in, one ``GateOutcome`` out (row count, check results, artifacts).

Operators read the data (sources) and the history (store), call one of these, and record the
outcome; everything that turns measurements into check results happens here or in the modules
these call, once per concept. Heavy imports happen inside, so DAG files that import operators
stay light.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from quality_gates.checks.artifacts import PartitionProfileArtifact, ReferenceProfileArtifact
from quality_gates.checks.model_metrics.gate import model_gate, serving_gate
from quality_gates.checks.results import CheckKind, CheckResult, GateOutcome, Severity, Status
from quality_gates.engines.computation import DEFAULT_CHUNK_SIZE

if TYPE_CHECKING:
    import pandas as pd

    from quality_gates.checks.anomaly.detector import PartitionAnomalyDetector
    from quality_gates.checks.drift.thresholds import DriftSettings
    from quality_gates.checks.profiles.binned import CurrentProfile
    from quality_gates.checks.profiles.model import PartitionProfile
    from quality_gates.checks.profiles.reference import ColumnReference, ReferenceProfile
    from quality_gates.engines import Computation

__all__ = ["anomaly_gate", "drift_gate", "model_gate", "reference_gate", "schema_gate", "serving_gate", "skew_gate"]


def schema_gate(
    rows: Computation | Iterable[pd.DataFrame],
    schema: Any,
    *,
    allow_empty: bool,
    max_failure_cases: int,
    data: str = "the data",
    on_chunk: Any = None,
    pushdown: str = "auto",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> GateOutcome:
    """Every pandera check over all rows, one check result each (counts exact over all rows), computed
    by the engine registered for the rows' capability (plain chunks of pandas frames: pandera).
    ``data`` names plain chunks in errors (a computation carries its own name); ``on_chunk(chunk,
    failing)`` sees each chunk with its failing rows (quarantine), so it needs rows in pandas."""
    from quality_gates.engines import Computation, Family, PandasChunks, compute

    if not isinstance(rows, Computation):
        chunks = iter(rows)
        rows = PandasChunks(lambda _size: chunks, data)
    if on_chunk is not None:
        from quality_gates.checks.schema_validation import validate_schema

        if not isinstance(rows, PandasChunks):
            raise TypeError("on_chunk needs rows in pandas chunks (PandasChunks or an iterable of frames)")
        validation = validate_schema(
            rows.chunks(chunk_size), schema, allow_empty=allow_empty, max_failure_cases=max_failure_cases, data=rows.name, on_chunk=on_chunk
        )
        return GateOutcome(validation.row_count, validation.checks)
    validation = compute(
        Family.SCHEMA, rows, schema, allow_empty=allow_empty, max_failure_cases=max_failure_cases, pushdown=pushdown, chunk_size=chunk_size
    )
    return GateOutcome(validation.row_count, validation.checks)


def anomaly_gate(
    profile: PartitionProfile,
    history: Sequence[PartitionProfile],
    detector: PartitionAnomalyDetector,
    *,
    cold_start: Status = Status.WARNED,
) -> GateOutcome:
    """The partition's profile against the history of earlier ones; the profile is kept with the
    verdict (out of the baseline when flagged)."""
    from quality_gates.checks.anomaly.results import verdict_check_results

    verdict = detector.evaluate(profile, history)
    checks = verdict_check_results(verdict, cold_start=cold_start)
    return GateOutcome(profile.row_count, checks, (PartitionProfileArtifact(profile, verdict.anomalous),))


def drift_gate(
    reference: ReferenceProfile,
    current: pd.DataFrame | CurrentProfile,
    *,
    columns: Sequence[str] | None,
    settings: DriftSettings,
    current_name: str,
) -> GateOutcome:
    """Per column, the current data's distribution against the reference's (``current``: its
    counts on the reference's edges, computed by the engine, or a frame)."""
    from quality_gates.checks.drift import compare_with_reference

    report = compare_with_reference(reference, current, columns=columns, settings=settings, current_name=current_name)
    return GateOutcome(report.row_count, report.checks)


def skew_gate(training: pd.DataFrame, serving: pd.DataFrame, key: str | Sequence[str], **options: Any) -> GateOutcome:
    """Training and serving rows joined on ``key``, every feature compared value by value
    (``options``: the keyword arguments of ``compare_keyed``)."""
    from quality_gates.checks.drift.skew import compare_keyed

    report = compare_keyed(training, serving, key, **options)
    return GateOutcome(len(serving), report.checks)


def reference_gate(data: Computation | pd.DataFrame, *, columns: Sequence[str] | None, version: str, data_name: str) -> GateOutcome:
    """Profile ``data`` as reference ``version`` (a computation: where the data is, by the engine
    registered for it; a frame: here): one check per column says what was profiled."""
    from quality_gates.checks.errors import DriftInputError
    from quality_gates.checks.profiles.reference import profile_reference
    from quality_gates.engines import Computation, Family, compute

    try:
        if isinstance(data, Computation):
            profile = compute(Family.REFERENCE_PROFILE, data, columns=columns)
        else:
            profile = profile_reference(data, columns=columns)
    except KeyError as exc:
        raise DriftInputError(f"{data_name}: {exc.args[0]}") from exc
    if profile.row_count == 0:
        raise DriftInputError(f"{data_name} has 0 rows: a reference profile needs data")
    checks = tuple(_reference_column_check(name, column) for name, column in profile.columns.items())
    return GateOutcome(profile.row_count, checks, (ReferenceProfileArtifact(profile, version),))


def _reference_column_check(name: str, column: ColumnReference) -> CheckResult:
    present = column.present
    what = "histogram of" if column.numeric is not None else "category counts of"
    if present:
        numeric, categories = column.numeric, column.categories
        if numeric is not None:
            extra = f"{len(numeric.edges):,} bin edges"
        else:
            extra = f"{len(categories.counts):,} categories" + (" + other" if categories.other else "") if categories else "no values"
        text = f"{name}: {what} {present:,} values ({extra}), {column.null_fraction:.1%} null, dtype {column.dtype}"
        status = Status.PASSED
    else:
        text = f"{name}: every value is null in the reference data: drift gates can only check its null fraction"
        status = Status.WARNED
    return CheckResult(
        "reference_profiled",
        name,
        status,
        Severity.WARN,
        f"{present:,} values",
        "values to profile",
        {
            "kind": CheckKind.REFERENCE_COLUMN,
            "column_kind": column.kind,
            "dtype": column.dtype,
            "null_fraction": column.null_fraction if column.count else None,
            "explanation": text,
            "message": text,
        },
    )
