"""pandera schemas measured by Spark: the Spark counterpart of ``schema_pushdown``/``schema_sql``.

The same semantics as the SQL translation (pandera's pandas backend): value checks ignore
missing values (NULL, and NaN in float columns) unless ``ignore_na=False``; ``str_matches`` is
anchored, ``str_contains`` searches (Java regular expressions). Values are Spark literals, never
SQL text. What has no Spark form is the residual, run by pandera on chunks of its columns.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

from quality_gates.checks.errors import PushdownError
from quality_gates.checks.json_safe import json_safe
from quality_gates.checks.profiles.model import CATEGORICAL, NUMERIC
from quality_gates.checks.schema_validation import ChunkedSchemaValidator, SchemaValidation
from quality_gates.engines.computation import SparkFrame
from quality_gates.engines.schema_sql import BUILTIN_MODULE, Residual, _bindable
from quality_gates.engines.spark import frame_chunks, is_nested, kind_of, present, ref, wide_aggregation


def measure(
    computation: SparkFrame, schema: Any, *, allow_empty: bool, max_failure_cases: int, pushdown: str, chunk_size: int
) -> SchemaValidation:
    from pyspark.sql import functions as F

    frame = computation.frame
    fields = {field.name: field for field in frame.schema.fields}
    keys = [name for name in computation.key_columns if name in fields]
    validator = ChunkedSchemaValidator(schema, allow_empty=allow_empty, max_failure_cases=max_failure_cases, data=computation.name)
    residual = Residual()
    row_checks: list[tuple[tuple, str | None, Any]] = []  # (tally key, column, failing condition)
    unique: list[tuple[tuple, tuple[str, ...]]] = []
    dtype_mismatches: dict[str, str] = {}
    missing = []
    for name, declared in schema.columns.items():
        label = str(name)
        field = fields.get(label)
        if field is None:
            if declared.required:
                missing.append(label)
            continue
        value = present(field)
        if declared.dtype is not None:
            matches = None if (declared.coerce or schema.coerce) else dtype_matches(declared.dtype, field.dataType)
            if matches is None:
                residual.dtypes.append(label)
            elif not matches:
                dtype_mismatches[label] = field.dataType.simpleString()
        if not declared.nullable:
            row_checks.append((("nullable", label), label, value.isNull()))
        if declared.unique:
            unique.append((("unique", label), (label,)))
        for number, check in enumerate(declared.checks):
            condition = check_condition(check, value) if not is_nested(field.dataType) else None
            if condition is None:
                residual.column_checks.setdefault(label, []).append(number)
                continue
            failing = value.isNotNull() & ~condition if check.ignore_na else value.isNull() | ~condition
            row_checks.append((("check", label, number), label, failing))
    residual.frame_checks.extend(range(len(schema.checks)))
    if schema.unique:
        columns = [schema.unique] if isinstance(schema.unique, str) else list(schema.unique)
        if all(name in fields for name in columns):
            unique.append((("unique", tuple(columns)), tuple(columns)))
    if residual and pushdown == "require":
        raise PushdownError(
            f"{computation.name}: pushdown='require', but {'; '.join(residual.names(schema))} cannot run "
            "in Spark; use pushdown='auto' to run it on chunks of its columns"
        )

    # One aggregation: the row count and a filtered count per row check.
    with wide_aggregation(frame):
        counts = frame.agg(F.count(F.lit(1)), *(F.count_if(failing) for _key, _column, failing in row_checks)).collect()[0]
    rows = int(counts[0])
    validator.counted(rows)
    failed = [(key, column, failing, int(count)) for (key, column, failing), count in zip(row_checks, counts[1:]) if count]
    samples = _failing_samples(frame, fields, keys, failed, max_failure_cases)
    for key, column, _failing in row_checks:
        count = next((n for k, _c, _f, n in failed if k == key), 0)
        cases = samples.get(key, [])
        if key[0] == "nullable" and kind_of(fields[column].dataType) in (NUMERIC, CATEGORICAL):
            cases = [{**case, "value": json_safe(math.nan)} for case in cases]  # as pandas holds NULL there
        validator.measured(key, count, cases)
    for key, columns in unique:
        validator.measured(key, *_duplicates(frame, fields, columns, keys, max_failure_cases))
    for name in missing:
        validator.measured(("present", name), failed=True, observed=[name])
    for name, type_name in dtype_mismatches.items():
        validator.measured(("dtype", name), rows, observed=[type_name], failed=True)
    if schema.strict is True:
        extra = [name for name in fields if name not in {str(n) for n in schema.columns}]
        validator.measured(("extra",), observed=extra, failed=bool(extra))
    if residual:
        _run_residual(frame, schema, residual, validator, chunk_size, max_failure_cases)
    return validator.finish()


def _failing_samples(frame: Any, fields: dict, keys: list[str], failed: list[tuple], limit: int) -> dict[tuple, list[dict]]:
    """At most ``limit`` failing rows per failing check. One query first: the first ``limit`` rows
    failing any check, with a flag per check; only a check that this leaves short of
    ``min(limit, its failing rows)`` gets a query of its own (rare checks among frequent ones)."""
    from functools import reduce

    from pyspark.sql import functions as F

    if not failed or not limit:
        return {}
    columns = list(dict.fromkeys(column for _key, column, _failing, _count in failed if column))
    selected = [ref(k) for k in keys] + [present(fields[c]).alias(f"qg_v{i}") for i, c in enumerate(columns)]
    flags = [F.coalesce(failing, F.lit(False)).alias(f"qg_f{i}") for i, (_k, _c, failing, _n) in enumerate(failed)]
    any_failing = reduce(lambda a, b: a | b, (F.coalesce(failing, F.lit(False)) for _k, _c, failing, _n in failed))
    rows = frame.where(any_failing).select(*selected, *flags).limit(limit).collect()
    width = len(keys) + len(columns)
    samples = {}
    for number, (key, column, failing, count) in enumerate(failed):
        at = len(keys) + columns.index(column) if column else None
        chosen = [(*row[: len(keys)], row[at]) if at is not None else tuple(row[: len(keys)]) for row in rows if row[width + number]]
        if len(chosen) < min(limit, count):
            own = [ref(k) for k in keys] + ([present(fields[column]).alias(column)] if column else [])
            chosen = [tuple(row) for row in frame.where(failing).select(*own).limit(limit).collect()]
        samples[key] = _cases(chosen[:limit], keys, [column])
    return samples


def _duplicates(frame: Any, fields: dict, columns: tuple[str, ...], keys: list[str], limit: int) -> tuple[int, list[dict]]:
    """Rows in duplicated groups (every occurrence counts, as in pandera; missing values are no
    duplicates), and at most ``limit`` of them."""
    from pyspark.sql import functions as F

    values = [present(fields[name]).alias(name) for name in columns]
    known = frame.select(*(ref(k) for k in keys if k not in columns), *values).dropna(subset=list(columns))
    groups = known.groupBy(*columns).agg(F.count(F.lit(1)).alias("qg_occurrences")).where(F.col("qg_occurrences") > 1)
    failing = int(groups.agg(F.sum("qg_occurrences")).collect()[0][0] or 0)
    if not failing or not limit:
        return failing, []
    duplicated = known.join(groups.select(*columns).limit(limit), on=list(columns), how="left_semi").limit(limit)
    return failing, _cases(duplicated.select(*(ref(k) for k in keys), *(ref(c) for c in columns)).collect(), keys, list(columns))


def _cases(rows: list, keys: list[str], columns: list[str | None]) -> list[dict]:
    """Failure cases as the pandas path records them: the row's key (None without one) and value."""
    cases = []
    width = len(keys)
    for row in rows:
        key = None
        if width:
            key = json_safe(row[0]) if width == 1 else {n: json_safe(v) for n, v in zip(keys, row[:width])}
        named = [c for c in columns if c is not None]
        value: Any = None
        if len(named) == 1:
            value = json_safe(row[width])
        elif named:
            value = {n: json_safe(v) for n, v in zip(named, row[width:])}
        cases.append({"row": key, "value": value})
    return cases


def _run_residual(frame: Any, schema: Any, residual: Residual, validator: ChunkedSchemaValidator, chunk_size: int, limit: int) -> None:
    from quality_gates.engines.schema_pushdown import _residual_schema

    reduced, keys = _residual_schema(schema, SimpleNamespace(residual=residual))
    names = (
        [f.name for f in frame.schema.fields] if residual.frame_checks else list(dict.fromkeys([*residual.column_checks, *residual.dtypes]))
    )
    tally = ChunkedSchemaValidator(reduced, allow_empty=True, max_failure_cases=limit)
    for chunk in frame_chunks(frame.select(*(ref(n) for n in names)), chunk_size, "residual"):
        tally.add(chunk)
    validator.merge(tally, keys)


def dtype_matches(dtype: Any, data_type: Any) -> bool | None:
    """Whether Spark's column type is of pandera's dtype family; None: checked in Python."""
    from pandera import dtypes as pandera_dtypes
    from pyspark.sql import types as T

    if pandera_dtypes.is_bool(dtype):
        return isinstance(data_type, T.BooleanType)
    if pandera_dtypes.is_int(dtype) or pandera_dtypes.is_uint(dtype):
        return isinstance(data_type, T.IntegralType)
    if pandera_dtypes.is_float(dtype):
        return isinstance(data_type, (T.FloatType, T.DoubleType, T.DecimalType))
    if pandera_dtypes.is_datetime(dtype):
        return isinstance(data_type, (T.TimestampType, T.TimestampNTZType))
    if pandera_dtypes.is_string(dtype):
        return isinstance(data_type, T.StringType)
    return None


def check_condition(check: Any, value: Any) -> Any:
    """The Spark condition a passing value meets, or None when the check has no Spark form."""
    if getattr(check._check_fn, "__module__", None) != BUILTIN_MODULE or check.groupby is not None:
        return None
    translate = _BUILTINS.get(check.name)
    if translate is None:
        return None
    return translate(value, **{name: _bindable(v) for name, v in check.statistics.items()})


def _lit(value: Any) -> Any:
    from pyspark.sql import functions as F

    return F.lit(value)


def _in_range(v, min_value, max_value, include_min=True, include_max=True):
    low = v >= _lit(min_value) if include_min else v > _lit(min_value)
    high = v <= _lit(max_value) if include_max else v < _lit(max_value)
    return low & high


def _str_length(v, min_value=None, max_value=None, exact_value=None):
    from pyspark.sql import functions as F

    length = F.char_length(v)
    if exact_value is not None:
        return length == _lit(exact_value)
    condition = F.lit(True)
    if min_value is not None:
        condition = condition & (length >= _lit(min_value))
    if max_value is not None:
        condition = condition & (length <= _lit(max_value))
    return condition


def _regex(anchored: bool):
    def condition(v, pattern):
        from pyspark.sql import functions as F

        pattern = getattr(pattern, "pattern", pattern)
        return F.regexp(v, _lit(f"^(?:{pattern})" if anchored else pattern))

    return condition


def _isin(v, values):
    return v.isin([_lit(x) for x in values])


def _starts(v, string):
    return v.startswith(_lit(string))


def _ends(v, string):
    return v.endswith(_lit(string))


_BUILTINS = {
    "equal_to": lambda v, value: v == _lit(value),
    "not_equal_to": lambda v, value: v != _lit(value),
    "greater_than": lambda v, min_value: v > _lit(min_value),
    "greater_than_or_equal_to": lambda v, min_value: v >= _lit(min_value),
    "less_than": lambda v, max_value: v < _lit(max_value),
    "less_than_or_equal_to": lambda v, max_value: v <= _lit(max_value),
    "in_range": _in_range,
    "isin": lambda v, allowed_values: _isin(v, allowed_values),
    "notin": lambda v, forbidden_values: ~_isin(v, forbidden_values),
    "str_length": _str_length,
    "str_matches": _regex(anchored=True),
    "str_contains": _regex(anchored=False),
    "str_startswith": _starts,
    "str_endswith": _ends,
}
