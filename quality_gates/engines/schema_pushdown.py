"""Schema checks run in the database (or DuckDB over files), recorded exactly as the pandas path
records them.

1. one aggregate query: the row count and a filtered count per check with a SQL form;
2. per failing check, at most ``max_failure_cases`` failing rows (their key columns and value);
3. per uniqueness check, one grouped query (and its sample when it fails);
4. checks without a SQL form on streamed chunks of only the columns they read, unless
   ``pushdown="require"``, which makes them a configuration error.

The counts fill the same ``ChunkedSchemaValidator`` tallies the pandas path fills, so check
names, expectations, statuses, ``mostly`` and severities come from one place.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import pandas as pd
import sqlalchemy as sa

from quality_gates.checks.errors import PushdownError, require_unique_column_names
from quality_gates.checks.json_safe import json_safe
from quality_gates.checks.profiles.sql_columns import discover
from quality_gates.checks.schema_validation import ChunkedSchemaValidator, SchemaValidation, validate_schema
from quality_gates.engines.computation import DEFAULT_CHUNK_SIZE, SqlQuery
from quality_gates.engines.schema import check_pushdown_option
from quality_gates.engines.schema_sql import Residual, SchemaPlan, plan_schema
from quality_gates.engines.sql_session import connect, read_error


def validate_sql(
    computation: SqlQuery,
    schema: Any,
    *,
    allow_empty: bool,
    max_failure_cases: int,
    pushdown: str = "auto",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> SchemaValidation:
    check_pushdown_option(pushdown)
    with connect(computation) as connection:
        try:
            if pushdown == "never":
                return validate_schema(
                    _chunks(connection, computation.selectable, chunk_size),
                    schema,
                    allow_empty=allow_empty,
                    max_failure_cases=max_failure_cases,
                    data=computation.name,
                )
            columns, relation = discover(connection, computation.selectable)
            require_unique_column_names((column.name for column in columns), computation.name)
            plan = plan_schema(schema, columns, relation, connection.dialect.name, computation.key_columns)
            if plan.residual and pushdown == "require":
                raise PushdownError(
                    f"{computation.name}: pushdown='require', but {'; '.join(plan.residual.names(schema))} "
                    "cannot run as SQL; use pushdown='auto' to run it on streamed chunks of its columns"
                )
            validator = ChunkedSchemaValidator(schema, allow_empty=allow_empty, max_failure_cases=max_failure_cases, data=computation.name)
            _measure(connection, plan, validator, max_failure_cases)
            if plan.residual:
                _run_residual(connection, plan, schema, validator, chunk_size, max_failure_cases)
            return validator.finish()
        except sa.exc.DBAPIError as exc:
            raise read_error(computation, exc) from exc


def _measure(connection: sa.Connection, plan: SchemaPlan, validator: ChunkedSchemaValidator, limit: int) -> None:
    counts = connection.execute(plan.aggregate_query()).one()
    rows = int(counts[0])
    validator.counted(rows)
    checks = len(plan.row_checks)
    for check, failing in zip(plan.row_checks, counts[1 : 1 + checks]):
        failing = int(failing or 0)
        samples = _samples(connection.execute(plan.sample_query(check, limit)).all(), plan, 1) if failing and limit else []
        if check.key[0] == "nullable" and check.column in plan.nan_columns:
            samples = [{**case, "value": json_safe(math.nan)} for case in samples]  # as pandas holds NULL there
        validator.measured(check.key, failing, samples)
    distinct = counts[1 + checks :]
    no_duplicates = {check.key for n, check in enumerate(plan.distinct_checks) if distinct[2 * n] == distinct[2 * n + 1]}
    for check in plan.unique_checks:
        if check.key in no_duplicates:  # as many distinct values as values: a grouped scan would find nothing
            validator.measured(check.key, 0, [])
            continue
        failing = int(connection.execute(plan.unique_query(check)).scalar_one() or 0)
        samples = []
        if failing and limit:
            samples = _samples(connection.execute(plan.unique_sample_query(check, limit)).all(), plan, len(check.columns), check.columns)
        validator.measured(check.key, failing, samples)
    for name in plan.missing:
        validator.measured(("present", name), failed=True, observed=[name])
    for name, sql_type in plan.dtype_mismatches.items():
        validator.measured(("dtype", name), rows, observed=[sql_type], failed=True)
    if plan.strict:
        validator.measured(("extra",), observed=plan.extra, failed=bool(plan.extra))


def _samples(rows: list, plan: SchemaPlan, values: int, names: tuple[str, ...] = ()) -> list[dict]:
    """Failure cases as the pandas path records them: the row (its key when the source names
    one) and the value (a mapping for several columns)."""
    keys = len(plan.key_columns)
    cases = []
    for row in rows:
        key = None
        if keys:
            key = json_safe(row[0]) if keys == 1 else {n: json_safe(v) for n, v in zip(plan.key_columns, row[:keys])}
        value: Any = None
        if values == 1:
            value = json_safe(row[keys]) if len(row) > keys else None
        elif values > 1:
            value = {n: json_safe(v) for n, v in zip(names, row[keys:])}
        cases.append({"row": key, "value": value})
    return cases


def _run_residual(
    connection: sa.Connection, plan: SchemaPlan, schema: Any, validator: ChunkedSchemaValidator, chunk_size: int, limit: int
) -> None:
    """The checks without a SQL form, by pandera on chunks of only the columns they read."""
    reduced, keys = _residual_schema(schema, plan)
    residual = ChunkedSchemaValidator(reduced, allow_empty=True, max_failure_cases=limit)
    for chunk in _chunks(connection, plan.residual_query(schema), chunk_size):
        residual.add(chunk)
    validator.merge(residual, keys)


def _residual_schema(schema: Any, plan: Any) -> tuple[Any, dict]:
    return residual_schema(schema, plan.residual)


def residual_schema(schema: Any, residual: Residual) -> tuple[Any, dict]:
    """A schema of only the residual checks, and its tally keys -> the full schema's keys."""
    import pandera.pandas as pa

    keys: dict = {}
    columns = {}
    for label in dict.fromkeys([*residual.column_checks, *residual.dtypes]):
        declared = schema.columns[label]
        column = copy.deepcopy(declared)
        numbers = residual.column_checks.get(label, [])
        column.checks = [declared.checks[n] for n in numbers]
        column.nullable, column.unique = True, False
        if label in residual.dtypes:
            keys[("dtype", label)] = ("dtype", label)
        else:
            column.dtype = None
        keys |= {("check", label, mine): ("check", label, theirs) for mine, theirs in enumerate(numbers)}
        columns[label] = column
    checks = [schema.checks[n] for n in residual.frame_checks]
    keys |= {("frame", mine): ("frame", theirs) for mine, theirs in enumerate(residual.frame_checks)}
    return pa.DataFrameSchema(columns, checks=checks, coerce=schema.coerce), keys


def _chunks(connection: sa.Connection, query: Any, chunk_size: int):
    # A server-side cursor: chunk_size rows at a time, whatever the table's size.
    streaming = connection.execution_options(stream_results=True, max_row_buffer=chunk_size)
    empty = True
    for chunk in pd.read_sql(query, streaming, chunksize=chunk_size):
        empty = False
        yield chunk
    if empty:
        yield pd.DataFrame()
