"""Schema checks as polars expressions: one select of filtered counts over a frame or a lazy scan.

The polars twin of ``schema_sql``/``schema_pushdown``: each pandera check with a polars form
becomes a ``failing`` boolean expression, and one ``select`` counts them all (a lazy Parquet
scan reads only the columns the checks use); each failing check then takes its first
``max_failure_cases`` failing rows, whose row number is the failure case's ``row``, as in the
pandas path. Uniqueness is one grouped query per check (every occurrence counts; nulls, and
NaN in float columns, are not values). Checks without a polars form (custom checks, frame-wide
checks, coerced dtypes) run with pandera on pandas slices of only the columns they read, unless
``pushdown="require"`` makes them a configuration error. The counts fill the same
``ChunkedSchemaValidator`` tallies as every other engine, so check rows are identical.

Semantics follow pandera's pandas backend: a value check ignores nulls unless
``ignore_na=False``; ``str_matches`` is anchored at the start, ``str_contains`` searches
(polars' regex flavour: Rust ``regex``, RE2-like). Dtypes are compared by family (int, float,
str, bool, datetime), as the SQL pushdown compares them with a table's column types.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from pandera import dtypes as pandera_dtypes

from quality_gates.checks.errors import PushdownError, require_unique_column_names
from quality_gates.checks.json_safe import json_safe
from quality_gates.checks.schema_validation import ChunkedSchemaValidator, SchemaValidation
from quality_gates.checks.uniqueness import _repeated_values, _rows_in_repeats
from quality_gates.engines.computation import DEFAULT_CHUNK_SIZE, DuckDBFiles, PolarsFrame
from quality_gates.engines.schema import check_pushdown_option
from quality_gates.engines.schema_sql import BUILTIN_MODULE, Residual

if TYPE_CHECKING:
    import pandas as pd

Key = tuple[Any, ...]
ROW = "__quality_gates_row__"  # the row number column of failure samples
ENGINE = os.environ.get("QG_POLARS_ENGINE", "streaming")


@dataclass(frozen=True)
class PolarsRowCheck:
    key: Key
    column: str | None
    failing: pl.Expr


@dataclass
class PolarsPlan:
    row_checks: list[PolarsRowCheck] = field(default_factory=list)
    unique_checks: list[tuple[Key, tuple[str, ...]]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    strict: bool = False
    dtype_mismatches: dict[str, str] = field(default_factory=dict)  # column -> the frame's dtype
    nan_columns: set[str] = field(default_factory=set)  # pandas holds a missing value of these as NaN
    present: dict[str, pl.Expr] = field(default_factory=dict)  # column -> value, null where pandas sees none
    residual: Residual = field(default_factory=Residual)
    key_columns: tuple[str, ...] = ()  # a row's name in failure cases; its number without them

    def row_name(self, values: tuple) -> Any:
        """The failure case's ``row`` from the leading values of a sample row."""
        if not self.key_columns:
            return int(values[0])
        if len(self.key_columns) == 1:
            return json_safe(values[0])
        return {name: json_safe(value) for name, value in zip(self.key_columns, values)}

    @property
    def row_columns(self) -> list[Any]:
        return list(self.key_columns) or [ROW]


def validate_polars(
    computation: PolarsFrame,
    schema: Any,
    *,
    allow_empty: bool,
    max_failure_cases: int,
    pushdown: str = "auto",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    key_columns: tuple[str, ...] = (),
) -> SchemaValidation:
    """``key_columns`` name a failing row in failure cases (its key instead of its row number)."""
    check_pushdown_option(pushdown)
    lazy = computation.lazy()
    if pushdown == "never":
        from quality_gates.checks.schema_validation import validate_schema

        return validate_schema(
            _pandas_slices(lazy, None, chunk_size),
            schema,
            allow_empty=allow_empty,
            max_failure_cases=max_failure_cases,
            data=computation.name,
        )
    frame_schema = lazy.collect_schema()
    require_unique_column_names(list(frame_schema), computation.name)
    plan = plan_polars(schema, frame_schema)
    plan.key_columns = tuple(name for name in key_columns if name in frame_schema)
    if plan.residual and pushdown == "require":
        raise PushdownError(
            f"{computation.name}: pushdown='require', but {'; '.join(plan.residual.names(schema))} "
            "has no polars form; use pushdown='auto' to run it on slices of its columns"
        )
    validator = ChunkedSchemaValidator(schema, allow_empty=allow_empty, max_failure_cases=max_failure_cases, data=computation.name)
    _measure(lazy, plan, validator, max_failure_cases, per_column=isinstance(computation.frame, pl.LazyFrame))
    if plan.residual:
        from quality_gates.engines.schema_pushdown import residual_schema

        reduced, keys = residual_schema(schema, plan.residual)
        residual = ChunkedSchemaValidator(reduced, allow_empty=True, max_failure_cases=max_failure_cases)
        columns = None if plan.residual.frame_checks else list(dict.fromkeys([*plan.residual.column_checks, *plan.residual.dtypes]))
        for chunk in _pandas_slices(lazy, columns, chunk_size):
            residual.add(chunk)
        validator.merge(residual, keys)
    return validator.finish()


def _counts(lazy: pl.LazyFrame, plan: PolarsPlan, *, per_column: bool) -> dict[str, int]:
    """The row count ("rows") and each row check's failing rows ("c<number>").

    In memory, one select. Over a file scan, one select per column, one after the other: a scan
    decodes whole row groups, so one select of every column holds every column of the row groups
    in flight (10M rows in row groups of 1M: 615 MB), one select per column only that column's
    (450 MB for the whole gate), and is no slower (each column is decoded once either way).
    """
    by_column: dict[Any, list[pl.Expr]] = {}
    for number, check in enumerate(plan.row_checks):
        by_column.setdefault(check.column if per_column else None, []).append(check.failing.sum().alias(f"c{number}"))
    selects = list(by_column.values()) or [[]]
    counts: dict[str, int] = {}
    for number, expressions in enumerate(selects):
        rows = [pl.len().alias("rows")] if number == 0 else []
        counts |= {k: int(v or 0) for k, v in lazy.select(*rows, *expressions).collect(engine=ENGINE).row(0, named=True).items()}
    return counts


def _measure(lazy: pl.LazyFrame, plan: PolarsPlan, validator: ChunkedSchemaValidator, limit: int, *, per_column: bool) -> None:
    counts = _counts(lazy, plan, per_column=per_column)
    rows = counts["rows"]
    validator.counted(rows)
    failing_checks = []
    for number, check in enumerate(plan.row_checks):
        failing = counts[f"c{number}"]
        if failing and limit:
            failing_checks.append((check, failing))
        else:
            validator.measured(check.key, failing, [])
    if failing_checks:  # every sample in one more pass
        numbered = lazy.with_row_index(ROW)
        keys = len(plan.row_columns)
        queries = [
            numbered.filter(check.failing)
            .select(*(pl.col(c).alias(f"{ROW}key{i}") for i, c in enumerate(plan.row_columns)), pl.col(check.column))
            .head(limit)
            for check, _ in failing_checks
        ]
        for (check, failing), sample in zip(failing_checks, pl.collect_all(queries, engine=ENGINE)):
            nan = check.key[0] == "nullable" and check.column in plan.nan_columns  # as pandas holds NULL there
            cases = [
                {"row": plan.row_name(row), "value": json_safe(math.nan) if nan else json_safe(row[keys])} for row in sample.iter_rows()
            ]
            validator.measured(check.key, failing, cases)
    for key, columns in plan.unique_checks:
        validator.measured(key, *_duplicates(lazy, plan, columns, limit))
    for name in plan.missing:
        validator.measured(("present", name), failed=True, observed=[name])
    for name, dtype in plan.dtype_mismatches.items():
        validator.measured(("dtype", name), rows, observed=[dtype], failed=True)
    if plan.strict:
        validator.measured(("extra",), observed=plan.extra, failed=bool(plan.extra))


def _duplicates(lazy: pl.LazyFrame, plan: PolarsPlan, columns: tuple[str, ...], limit: int) -> tuple[int, list[dict]]:
    """Rows in duplicated groups (every occurrence counts, nulls are not values), and samples."""
    # 64-bit hashes of the values, sorted: 8 bytes per row, where a hash table of 10M distinct
    # ids takes 600 MB (the pandas path's UniquenessTracker counts the same way).
    values = [plan.present[name].alias(name) for name in columns]
    hashed = _values_hash(columns).alias("hash")
    present = lazy.select(values).drop_nulls()
    hashes = _sorted(present.select(hashed).collect(engine=ENGINE).to_series())
    failing = _rows_in_repeats(hashes)
    if not failing or not limit:
        return failing, []
    repeated = pl.Series(_repeated_values(hashes)[:limit], dtype=pl.UInt64)
    del hashes
    keys = len(plan.row_columns)
    numbered = lazy.with_row_index(ROW).select(*(pl.col(c).alias(f"{ROW}key{i}") for i, c in enumerate(plan.row_columns)), *values)
    sample = numbered.drop_nulls(list(columns)).filter(hashed.is_in(repeated.implode())).head(limit).collect(engine=ENGINE)
    cases = []
    for row in sample.iter_rows():
        value: Any = json_safe(row[keys]) if len(columns) == 1 else {name: json_safe(v) for name, v in zip(columns, row[keys:])}
        cases.append({"row": plan.row_name(row), "value": value})
    return failing, cases


def _sorted(hashes: pl.Series) -> np.ndarray:
    """The hashes as a sorted numpy array, holding at most two copies at any time."""
    array = hashes.to_numpy()  # a copy when the streamed result has several chunks
    del hashes
    if not array.flags.writeable:
        array = array.copy()
    array.sort()
    return array


def _values_hash(columns: tuple[str, ...]) -> pl.Expr:
    """A 64-bit hash of each row's values (each column with its own seed, summed wrapping)."""
    hashes = [pl.col(name).hash(seed=seed) for seed, name in enumerate(columns)]
    return hashes[0] if len(hashes) == 1 else pl.sum_horizontal(hashes)


def _pandas_slices(lazy: pl.LazyFrame, columns: list[str] | None, chunk_size: int) -> Iterator[pd.DataFrame]:
    frame = (lazy if columns is None else lazy.select(columns)).collect()
    if frame.height == 0:
        yield frame.to_pandas()
    for start in range(0, frame.height, chunk_size):
        yield frame.slice(start, chunk_size).to_pandas()


# ---- planning: pandera's objects to polars expressions ------------------------------------------


def plan_polars(schema: Any, frame_schema: pl.Schema) -> PolarsPlan:
    plan = PolarsPlan()
    for name, declared in schema.columns.items():
        label = str(name)
        dtype = frame_schema.get(label)
        if dtype is None:
            if declared.required:
                plan.missing.append(label)
            continue
        present = plan.present[label] = _present(label, dtype)
        if dtype.is_numeric() or dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
            plan.nan_columns.add(label)
        if declared.dtype is not None:
            matches = None if (declared.coerce or schema.coerce) else dtype_matches(declared.dtype, dtype)
            if matches is None:
                plan.residual.dtypes.append(label)
            elif not matches:
                plan.dtype_mismatches[label] = str(dtype).lower()  # int64, float64, string: as pandas names them
        if not declared.nullable:
            plan.row_checks.append(PolarsRowCheck(("nullable", label), label, present.is_null()))
        if declared.unique:
            plan.unique_checks.append((("unique", label), (label,)))
        for number, check in enumerate(declared.checks):
            condition = check_condition(check, present, dtype)
            if condition is None:
                plan.residual.column_checks.setdefault(label, []).append(number)
                continue
            failing = present.is_not_null() & ~condition if check.ignore_na else present.is_null() | ~condition
            plan.row_checks.append(PolarsRowCheck(("check", label, number), label, failing))
    _leave_to_pandera_what_polars_cannot_evaluate(plan, frame_schema)
    plan.residual.frame_checks.extend(range(len(schema.checks)))
    if schema.strict is True:
        plan.strict = True
        plan.extra = [name for name in frame_schema if name not in {str(n) for n in schema.columns}]
    if schema.unique:
        unique = [schema.unique] if isinstance(schema.unique, str) else list(schema.unique)
        if all(name in frame_schema for name in unique):
            plan.unique_checks.append((("unique", tuple(unique)), tuple(unique)))
    return plan


def _leave_to_pandera_what_polars_cannot_evaluate(plan: PolarsPlan, frame_schema: pl.Schema) -> None:
    """Checks whose statistics polars cannot compare with the column (a naive timestamp against
    a zoned column, a number against text) run with pandera, which reports them as pandas does.
    Tried on an empty frame of the same schema: once for all checks, one by one if that fails."""
    empty = pl.DataFrame(schema=frame_schema).lazy()

    def evaluates(checks: list[PolarsRowCheck]) -> bool:
        try:
            empty.select(check.failing.sum().alias(f"c{n}") for n, check in enumerate(checks)).collect()
        except pl.exceptions.PolarsError:
            return False
        return True

    if evaluates(plan.row_checks):
        return
    for check in [check for check in plan.row_checks if not evaluates([check])]:
        plan.row_checks.remove(check)
        if check.key[0] == "check":
            plan.residual.column_checks.setdefault(check.key[1], []).append(check.key[2])


def _present(name: str, dtype: pl.DataType) -> pl.Expr:
    """The value, null where pandas sees a missing value (null, and NaN in float columns);
    categoricals as text, so that ``isin`` compares strings."""
    column = pl.col(name)
    if dtype.is_float():
        return column.fill_nan(None)
    if isinstance(dtype, (pl.Categorical, pl.Enum)):
        return column.cast(pl.String)
    return column


def dtype_matches(declared: Any, dtype: pl.DataType) -> bool | None:
    """Whether the frame's dtype is of pandera's dtype family; None when that has no polars
    counterpart here (category, object, timedelta...): then the dtype is checked in Python."""
    if pandera_dtypes.is_bool(declared):
        return dtype == pl.Boolean
    if pandera_dtypes.is_int(declared) or pandera_dtypes.is_uint(declared):
        return dtype.is_integer()
    if pandera_dtypes.is_float(declared):
        return dtype.is_float() or isinstance(dtype, pl.Decimal)
    if pandera_dtypes.is_datetime(declared):
        return isinstance(dtype, pl.Datetime)
    if pandera_dtypes.is_string(declared):
        return dtype == pl.String
    return None


def check_condition(check: Any, value: pl.Expr, dtype: pl.DataType) -> pl.Expr | None:
    """The condition a passing value meets, or None when the check has no polars form."""
    if getattr(check._check_fn, "__module__", None) != BUILTIN_MODULE or check.groupby is not None:
        return None
    translate = _BUILTINS.get(check.name)
    if translate is None or (check.name.startswith("str_") and dtype not in (pl.String, pl.Categorical) and not isinstance(dtype, pl.Enum)):
        return None
    statistics = {name: _literal(v) for name, v in check.statistics.items()}
    try:
        return translate(value, **statistics)
    except (TypeError, ValueError):
        return None  # e.g. statistics of a shape polars cannot compare: pandera decides


def _literal(value: Any) -> Any:
    """numpy and pandas scalars as Python values."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_literal(v) for v in value]
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes, dt.date)):
        return value.item()
    return value


def _in_range(v: pl.Expr, min_value, max_value, include_min=True, include_max=True) -> pl.Expr:
    low = v >= min_value if include_min else v > min_value
    high = v <= max_value if include_max else v < max_value
    return low & high


def _str_length(v: pl.Expr, min_value=None, max_value=None, exact_value=None) -> pl.Expr:
    length = v.str.len_chars()  # characters, as Python's len()
    if exact_value is not None:
        return length == exact_value
    condition = pl.lit(True)
    if min_value is not None:
        condition = condition & (length >= min_value)
    if max_value is not None:
        condition = condition & (length <= max_value)
    return condition


def _regex(anchored: bool) -> Callable[..., pl.Expr]:
    def condition(v: pl.Expr, pattern) -> pl.Expr:
        pattern = getattr(pattern, "pattern", pattern)  # a compiled re.Pattern
        return v.str.contains(f"^(?:{pattern})" if anchored else pattern)

    return condition


def _values(values) -> pl.Series:
    return pl.Series(list(values))


_BUILTINS: dict[str, Callable[..., pl.Expr]] = {
    "equal_to": lambda v, value: v == value,
    "not_equal_to": lambda v, value: v != value,
    "greater_than": lambda v, min_value: v > min_value,
    "greater_than_or_equal_to": lambda v, min_value: v >= min_value,
    "less_than": lambda v, max_value: v < max_value,
    "less_than_or_equal_to": lambda v, max_value: v <= max_value,
    "in_range": _in_range,
    "isin": lambda v, allowed_values: v.is_in(_values(allowed_values).implode()),
    "notin": lambda v, forbidden_values: ~v.is_in(_values(forbidden_values).implode()),
    "str_length": _str_length,
    "str_matches": _regex(anchored=True),
    "str_contains": _regex(anchored=False),
    "str_startswith": lambda v, string: v.str.starts_with(string),
    "str_endswith": lambda v, string: v.str.ends_with(string),
}


def validate_files(computation: DuckDBFiles, schema: Any, **options: Any) -> SchemaValidation:
    """Parquet files run as one polars select over a lazy scan (the same files, the same checks):
    faster than DuckDB's SQL on them (make bench). CSV stays with DuckDB, whose type inference
    the source chose, and ``pushdown="never"`` streams rows as before."""
    if computation.file_format == "parquet" and options.get("pushdown", "auto") != "never":
        scan = PolarsFrame(pl.scan_parquet(list(computation.paths)), computation.name)
        return validate_polars(scan, schema, key_columns=computation.key_columns, **options)
    from quality_gates.engines.schema_pushdown import validate_sql

    return validate_sql(computation, schema, **options)
