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
    from quality_gates.engines import Computation
    from quality_gates.checks.drift.thresholds import DriftSettings
    from quality_gates.checks.profiles.model import PartitionProfile
    from quality_gates.checks.profiles.reference import ColumnReference, ReferenceProfile

__all__ = ["anomaly_gate", "drift_gate", "model_gate", "reference_gate", "schema_gate", "serving_gate", "skew_gate"]


def schema_gate(data: Computation | Iterable[pd.DataFrame], schema: Any, *, allow_empty: bool, max_failure_cases: int,
                pushdown: str = "auto", chunk_size: int = DEFAULT_CHUNK_SIZE, name: str = "the data") -> GateOutcome:
    """Every pandera check over all rows, one check result each (counts exact over all rows), computed
    by the engine registered for the data's capability (chunks of pandas frames: pandera). ``name``
    names plain chunks in errors; a computation carries its own name."""
    from quality_gates.engines import Computation, Family, PandasChunks, compute

    if not isinstance(data, Computation):
        chunks = iter(data)
        data = PandasChunks(lambda _size: chunks, name)
    validation = compute(Family.SCHEMA, data, schema, allow_empty=allow_empty, max_failure_cases=max_failure_cases,
                         pushdown=pushdown, chunk_size=chunk_size)
    return GateOutcome(validation.row_count, validation.checks)


def anomaly_gate(profile: PartitionProfile, history: Sequence[PartitionProfile], detector: PartitionAnomalyDetector, *,
                 cold_start: Status = Status.WARNED) -> GateOutcome:
    """The partition's profile against the history of earlier ones; the profile is kept with the
    verdict (out of the baseline when flagged)."""
    from quality_gates.checks.anomaly.results import verdict_check_results

    verdict = detector.evaluate(profile, history)
    checks = verdict_check_results(verdict, cold_start=cold_start)
    return GateOutcome(profile.row_count, checks, (PartitionProfileArtifact(profile, verdict.anomalous),))


def drift_gate(reference: ReferenceProfile, current: pd.DataFrame, *, columns: Sequence[str] | None, settings: DriftSettings,
               current_name: str) -> GateOutcome:
    """Per column, the current data's distribution against the reference's."""
    from quality_gates.checks.drift import compare_with_reference

    report = compare_with_reference(reference, current, columns=columns, settings=settings, current_name=current_name)
    return GateOutcome(len(current), report.checks)


def skew_gate(training: pd.DataFrame, serving: pd.DataFrame, key: str | Sequence[str], **options: Any) -> GateOutcome:
    """Training and serving rows joined on ``key``, every feature compared value by value
    (``options``: the keyword arguments of ``compare_keyed``)."""
    from quality_gates.checks.drift.skew import compare_keyed

    report = compare_keyed(training, serving, key, **options)
    return GateOutcome(len(serving), report.checks)


def reference_gate(frame: pd.DataFrame, *, columns: Sequence[str] | None, version: str, data_name: str) -> GateOutcome:
    """Profile ``frame`` as reference ``version``: one check per column says what was profiled."""
    from quality_gates.checks.errors import DriftInputError
    from quality_gates.checks.profiles.reference import profile_reference

    if len(frame) == 0:
        raise DriftInputError(f"{data_name} has 0 rows: a reference profile needs data")
    try:
        profile = profile_reference(frame, columns=columns)
    except KeyError as exc:
        raise DriftInputError(f"{data_name}: {exc.args[0]}") from exc
    checks = tuple(_reference_column_check(name, column) for name, column in profile.columns.items())
    return GateOutcome(profile.row_count, checks, (ReferenceProfileArtifact(profile, version),))


def _reference_column_check(name: str, column: ColumnReference) -> CheckResult:
    present = column.present
    what = "histogram of" if column.numeric is not None else "category counts of"
    if present:
        extra = (f"{len(column.numeric.edges):,} bin edges" if column.numeric is not None
                 else f"{len(column.categories.counts):,} categories" + (" + other" if column.categories.other else ""))
        text = f"{name}: {what} {present:,} values ({extra}), {column.null_fraction:.1%} null, dtype {column.dtype}"
        status = Status.PASSED
    else:
        text = f"{name}: every value is null in the reference data: drift gates can only check its null fraction"
        status = Status.WARNED
    return CheckResult("reference_profiled", name, status, Severity.WARN, f"{present:,} values", "values to profile",
                       {"kind": CheckKind.REFERENCE_COLUMN, "column_kind": column.kind, "dtype": column.dtype,
                        "null_fraction": column.null_fraction if column.count else None, "explanation": text, "message": text})
