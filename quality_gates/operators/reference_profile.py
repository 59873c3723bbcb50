"""Profile training data once, when the model is trained, and store it as the reference that
drift gates compare serving data with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from quality_gates.checks.results import CheckResult, GateResult, Severity, Status
from quality_gates.operators.base import BaseGateOperator
from quality_gates.sources.base import Source, read_frame


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

    gate_kind = "reference"
    template_fields: Sequence[str] = (*BaseGateOperator.template_fields, "source", "version")

    def __init__(self, *, source: Source, dataset: str, version: str | None = None, columns: Sequence[str] | None = None, **kwargs: Any):
        kwargs.setdefault("partition", version)
        super().__init__(dataset=dataset, **kwargs)
        self.source = source
        self.version = version
        self.columns = list(columns) if columns is not None else None
        self._profile = None
        self._run: tuple[str, str] = ("", "")

    def lineage_sources(self) -> Sequence[Source]:
        return (self.source,)

    def lineage_column_metrics(self):
        from quality_gates.lineage.facts import metrics_from_reference

        return metrics_from_reference(self._profile) if self._profile is not None else None

    def run_checks(self, context: Any, store: Any, dataset: str, partition: str) -> tuple[int | None, Sequence[CheckResult]]:
        from quality_gates.checks.drift.errors import DriftInputError
        from quality_gates.checks.profiles.reference import profile_reference

        ti = context["ti"]
        self._run = (ti.dag_id, ti.run_id)
        self._profile = None
        frame = read_frame(self.source)
        if len(frame) == 0:
            raise DriftInputError(f"{self.source.describe()} has 0 rows: a reference profile needs data")
        try:
            profile = profile_reference(frame, columns=self.columns)
        except KeyError as exc:
            raise DriftInputError(f"{self.source.describe()}: {exc.args[0]}") from exc
        self._profile = profile
        return profile.row_count, [_column_check(name, column) for name, column in profile.columns.items()]

    def after_record(self, store: Any, gate_run_id: int, result: GateResult) -> None:
        if self._profile is None:
            return
        dag_id, run_id = self._run
        version = self.version or run_id
        store.references.save(result.dataset, version, self._profile, dag_id=dag_id, run_id=run_id)
        self.log.info("Stored reference '%s' version '%s': %s rows, %d columns", result.dataset, version,
                      f"{self._profile.row_count:,}", len(self._profile.columns))


def _column_check(name: str, column) -> CheckResult:
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
                       {"kind": column.kind, "dtype": column.dtype, "null_fraction": column.null_fraction if column.count else None,
                        "explanation": text, "message": text})
