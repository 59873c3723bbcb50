"""Schema checks with pandera, chunk by chunk, combined exactly over all rows.

Every declared check becomes one ``CheckResult`` (passing ones too). Counts and fractions
are over all rows of all chunks; uniqueness is tracked across chunks; checks that return one
boolean for a whole frame (not per row) are evaluated per chunk and say so in their details.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from quality_gates.checks.errors import require_unique_column_names
from quality_gates.checks.expectations import describe_check
from quality_gates.checks.json_safe import format_value, json_safe
from quality_gates.checks.results import CheckResult, Severity, Status
from quality_gates.checks.schema_loader import tolerance_of
from quality_gates.checks.uniqueness import UniquenessTracker

DEFAULT_MAX_FAILURE_CASES = 20

Key = tuple[Any, ...]


@dataclass
class _Tally:
    """What one declared check has seen so far."""

    name: str
    column: str | None
    expected: str
    severity: Severity
    mostly: float | None
    kind: str  # values | dtype | present | extra | unique | not_empty
    failing_rows: int = 0
    failed_chunks: int = 0
    errors: list[str] = field(default_factory=list)
    observed_types: set[str] = field(default_factory=set)
    samples: list[dict] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)  # frame-wide checks: failing row ids


@dataclass(frozen=True)
class SchemaValidation:
    row_count: int
    checks: tuple[CheckResult, ...]


def validate_schema(
    chunks: Iterable[pd.DataFrame],
    schema: pa.DataFrameSchema,
    *,
    allow_empty: bool = False,
    max_failure_cases: int = DEFAULT_MAX_FAILURE_CASES,
    data: str = "the data",
    on_chunk: Callable[[pd.DataFrame, list[tuple[str, np.ndarray]]], None] | None = None,
) -> SchemaValidation:
    """``data`` names the chunks in errors (e.g. "table orders (connection 'warehouse')")."""
    validator = ChunkedSchemaValidator(schema, allow_empty=allow_empty, max_failure_cases=max_failure_cases, data=data, on_chunk=on_chunk)
    for chunk in chunks:
        validator.add(chunk)
    return validator.finish()


class ChunkedSchemaValidator:
    def __init__(
        self,
        schema: pa.DataFrameSchema,
        *,
        allow_empty: bool = False,
        max_failure_cases: int = DEFAULT_MAX_FAILURE_CASES,
        data: str = "the data",
        on_chunk: Callable[[pd.DataFrame, list[tuple[str, np.ndarray]]], None] | None = None,
    ):
        self._data = data
        # on_chunk: called with each chunk and its failing rows per check label (quarantine).
        self._on_chunk = on_chunk
        self._max_samples = max_failure_cases
        self._allow_empty = allow_empty
        self._rows = 0
        self._chunks = 0
        self._tallies: dict[Key, _Tally] = {}
        self._unique: dict[Key, UniquenessTracker] = {}
        self._plan(schema)
        self._schema = _schema_for_chunks(schema)

    # -- planning: one tally per declared check, so that passing checks are reported too --
    def _plan(self, schema: pa.DataFrameSchema) -> None:
        def add(key: Key, name: str, column: str | None, expected: str, kind: str, check: pa.Check | None = None, component=None) -> None:
            severity = Severity.WARN if check is not None and check.raise_warning else Severity.ERROR
            self._tallies[key] = _Tally(name, column, expected, severity, tolerance_of(component, schema, name), kind)

        for name, column in schema.columns.items():
            label = str(name)
            if column.required:
                add(("present", label), "column_present", label, "column present", "present", component=column)
            if column.dtype is not None:
                add(("dtype", label), "dtype", label, str(column.dtype), "dtype", component=column)
            if not column.nullable:
                add(("nullable", label), "not_nullable", label, "no nulls", "values", component=column)
            if column.unique:
                add(("unique", label), "unique", label, "no duplicate values", "unique", component=column)
                self._unique[("unique", label)] = UniquenessTracker([name], self._max_samples)
            for number, check in enumerate(column.checks):
                add(("check", label, number), check.name or "check", label, describe_check(check), "values", check, column)
        for number, check in enumerate(schema.checks):
            add(("frame", number), check.name or "check", None, describe_check(check), "values", check)
        if schema.strict is True:
            add(("extra",), "no_extra_columns", None, "only the schema's columns", "extra")
        if schema.unique:
            columns = [schema.unique] if isinstance(schema.unique, str) else list(schema.unique)
            add(("unique", tuple(columns)), "unique", ",".join(columns), f"no duplicate rows over ({', '.join(columns)})", "unique")
            self._unique[("unique", tuple(columns))] = UniquenessTracker(columns, self._max_samples)
        if not self._allow_empty:
            add(("not_empty",), "not_empty", None, "at least 1 row", "not_empty")

    # -- accumulation --
    def add(self, chunk: pd.DataFrame) -> None:
        # pandera would check one of two same-named columns, or crash: neither is a verdict.
        require_unique_column_names(chunk.columns, self._data)
        # Global row numbers in failure cases, whatever index the source produced.
        chunk = chunk.set_axis(pd.RangeIndex(self._rows, self._rows + len(chunk)), axis=0)
        self._rows += len(chunk)
        self._chunks += 1
        for tracker in self._unique.values():
            tracker.add(chunk)
        failing: list[tuple[str, np.ndarray]] = []
        try:
            self._schema.validate(chunk, lazy=True)
        except SchemaErrors as exc:
            failing = self._absorb(exc.failure_cases, chunk)
        if self._on_chunk is not None:
            self._on_chunk(chunk, failing)

    def _absorb(self, failures: pd.DataFrame, chunk: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
        """Tally the chunk's failure cases; returns (check label, failing row numbers) per check."""
        failing: list[tuple[str, np.ndarray]] = []
        grouped = failures.groupby(["schema_context", "column", "check", "check_number"], dropna=False, sort=False)
        for (context, column, check, number), group in grouped:
            key, name = self._key(context, column, check, number, group)
            tally = self._tallies.get(key)
            if tally is None:  # something pandera checks that the plan did not foresee
                tally = self._tallies[key] = _Tally(name, _label(column), name, Severity.ERROR, None, "values")
            tally.failed_chunks += 1
            rows = group["index"].dropna()
            if tally.kind == "dtype":
                tally.observed_types.add(str(chunk[column].dtype) if column in chunk else "?")
                tally.failing_rows += rows.nunique() if len(rows) else len(chunk)
            elif tally.kind in ("present", "extra"):
                tally.observed_types.update(str(v) for v in group["failure_case"])
                continue
            elif len(rows) == 0:
                case = group["failure_case"].iloc[0]
                if not isinstance(case, (bool, np.bool_)):
                    tally.errors.append(str(case))
                continue  # a single verdict for the frame: no rows to sample
            elif key[0] == "frame":
                tally.rows.append(rows.to_numpy())
            else:
                tally.failing_rows += rows.nunique()
            if len(rows):
                failing.append((check_label(tally.name, tally.column), rows.to_numpy()))
            self._sample(tally, group)
        return failing

    def _key(self, context, column, check: str, number, group) -> tuple[Key, str]:
        label = _label(column)
        if check == "column_in_dataframe":
            return ("present", str(group["failure_case"].iloc[0])), "column_present"
        if check == "column_in_schema":
            return ("extra",), "no_extra_columns"
        if check == "not_nullable":
            return ("nullable", label), "not_nullable"
        if check.startswith("dtype("):
            return ("dtype", label), "dtype"
        if not pd.isna(number):
            if context == "DataFrameSchema":
                return ("frame", int(number)), check
            return ("check", label, int(number)), check
        return ("other", label, check), check

    def _sample(self, tally: _Tally, group: pd.DataFrame) -> None:
        room = self._max_samples - len(tally.samples)
        if room <= 0:
            return
        for value, row, column in zip(group["failure_case"].iloc[:room], group["index"].iloc[:room], group["column"].iloc[:room]):
            case = {"row": json_safe(row), "value": json_safe(value)}
            if tally.column is None and not pd.isna(column):
                case["column"] = str(column)
            tally.samples.append(case)

    # -- checks measured elsewhere (pushed down to a database) --
    def measured(
        self, key: Key, failing_rows: int = 0, samples: Iterable[dict] = (), observed: Iterable[str] = (), failed: bool | None = None
    ) -> None:
        """A planned check's outcome computed by another engine, instead of from chunks."""
        tally = self._tallies[key]
        tally.failing_rows = failing_rows
        tally.failed_chunks = int(bool(failing_rows) if failed is None else failed)
        tally.samples = list(samples)[: self._max_samples]
        tally.observed_types.update(observed)
        self._unique.pop(key, None)

    def counted(self, rows: int) -> None:
        """The row count, when rows are counted by another engine."""
        self._rows, self._chunks = rows, max(self._chunks, 1)

    def merge(self, other: ChunkedSchemaValidator, keys: dict[Key, Key]) -> None:
        """Take ``other``'s tallies (``keys``: its key -> ours): checks it ran on chunks for us."""
        self._chunks = max(self._chunks, other._chunks)
        for theirs, ours in keys.items():
            source, target = other._tallies[theirs], self._tallies[ours]
            target.failing_rows, target.failed_chunks = source.failing_rows, source.failed_chunks
            target.errors, target.observed_types = source.errors, source.observed_types
            target.samples, target.rows = source.samples, source.rows

    # -- verdicts --
    def finish(self) -> SchemaValidation:
        missing = {key[1] for key, t in self._tallies.items() if t.kind == "present" and t.failed_chunks}
        results = tuple(self._verdict(key, tally, missing) for key, tally in self._tallies.items())
        return SchemaValidation(self._rows, results)

    def _verdict(self, key: Key, tally: _Tally, missing_columns: set[str]) -> CheckResult:
        rows = self._rows
        details: dict[str, Any] = {"rows_checked": rows}
        if tally.kind == "unique" and key in self._unique:
            tally.failing_rows = self._unique[key].duplicated_rows()
            tally.samples = self._unique[key].samples
        if key[0] == "frame" and tally.rows:
            tally.failing_rows = int(np.unique(np.concatenate(tally.rows)).size)
        if tally.samples:
            details["failure_cases"] = tally.samples

        def result(status: Status, observed: str, **extra: Any) -> CheckResult:
            return CheckResult(tally.name, tally.column, status, tally.severity, observed, tally.expected, {**details, **extra})

        broken = Status.WARNED if tally.severity is Severity.WARN else Status.FAILED
        if tally.kind not in ("present", "not_empty") and tally.column in missing_columns:
            return result(Status.ERROR, "not evaluated", message=f"column '{tally.column}' is missing")
        if tally.errors:
            return result(Status.ERROR, "check raised an error", message=tally.errors[0])
        if tally.kind == "present":
            return result(Status.FAILED if tally.failed_chunks else Status.PASSED, "missing" if tally.failed_chunks else "present")
        if tally.kind == "extra":
            extra = sorted(tally.observed_types)
            return result(
                broken if extra else Status.PASSED, f"unexpected columns {extra}" if extra else "no other columns", unexpected_columns=extra
            )
        if tally.kind == "not_empty":
            return result(Status.PASSED if rows else broken, f"{rows:,} rows")
        if tally.kind == "dtype" and tally.failed_chunks and not tally.failing_rows:
            return result(broken, " / ".join(sorted(tally.observed_types)))
        if tally.failed_chunks and not tally.failing_rows:  # a check that returns one boolean per frame
            note = f"returned False on {tally.failed_chunks} of {self._chunks} chunks" if self._chunks > 1 else "returned False"
            return result(broken, note, evaluated_per_chunk=self._chunks > 1)
        return self._row_verdict(tally, result, broken)

    def _row_verdict(self, tally: _Tally, result, broken: Status) -> CheckResult:
        failing, rows = tally.failing_rows, self._rows
        if not failing:
            return result(Status.PASSED, "0 failing rows", failing_rows=0, failing_fraction=0.0)
        fraction = failing / rows if rows else 1.0
        if tally.name == "not_nullable":
            # Pushed-down checks without key columns have no row to name.
            named = [str(s["row"]) for s in tally.samples[:3] if s.get("row") is not None]
            examples = "rows " + ", ".join(named) if named else ""
        else:
            distinct = dict.fromkeys(format_value(s["value"]) for s in tally.samples)
            examples = ", ".join(list(distinct)[:3])
        observed = f"{failing:,} of {rows:,} rows ({fraction:.2%}) fail" + (f", e.g. {examples}" if examples else "")
        if tally.kind == "dtype":
            observed = f"{' / '.join(sorted(tally.observed_types))}; {observed}"
        extra: dict[str, Any] = {"failing_rows": failing, "failing_fraction": fraction}
        if tally.name == "not_nullable" and failing == rows:
            extra["message"] = "all values are null"
        if tally.mostly is not None:
            extra["mostly"] = tally.mostly
            if 1 - fraction >= tally.mostly:
                return result(Status.PASSED, observed, tolerated=True, **extra)
        return result(broken, observed, **extra)


def check_label(check_name: str, column: str | None) -> str:
    """How a failed check is named on a quarantined row: ``amount.greater_than_or_equal_to``."""
    return f"{column}.{check_name}" if column else check_name


def _label(column: Any) -> str | None:
    return None if column is None or (not isinstance(column, str) and pd.isna(column)) else str(column)


def _schema_for_chunks(schema: pa.DataFrameSchema) -> pa.DataFrameSchema:
    """A copy of the schema that reports everything as failure cases, exactly once.

    Uniqueness is checked across chunks by ``UniquenessTracker``; warnings become failure
    cases (their severity is kept in the plan) and failure-case limits are lifted so that
    counts are exact.
    """
    schema = copy.deepcopy(schema)
    schema.unique = None
    checks = list(schema.checks)
    for column in schema.columns.values():
        column.unique = False
        checks.extend(column.checks)
    for check in checks:
        check.raise_warning = False
        check.n_failure_cases = None
    return schema
