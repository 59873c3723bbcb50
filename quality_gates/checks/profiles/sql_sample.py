"""The sample of a SQL profile read into pandas, and the fallbacks of databases without a row hash
(SQLite) or of tables too duplicated for a hash bucket: a Bernoulli sample and an exact count of
distinct rows. Values are read as the driver gives them and typed here the same way for every
database, as pandas would hold them if the column's type were known."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from quality_gates.checks.profiles.model import BOOLEAN, CATEGORICAL, DATETIME, NUMERIC
from quality_gates.checks.profiles.sql_columns import SqlColumn
from quality_gates.checks.profiles.sql_dialects import SqlDialect

# Bernoulli sampling asks for this many standard deviations more rows than needed, then keeps
# a random sample_rows of them: a shortfall (a slightly smaller sample) has probability ~3e-7.
SAMPLE_MARGIN_SIGMAS = 5


def bernoulli_sample(
    connection: Connection,
    dialect: SqlDialect,
    columns: Sequence[SqlColumn],
    relation: sa.Subquery,
    rows: int,
    sample_rows: int,
) -> pd.DataFrame:
    wanted = [column for column in columns if column.kind != BOOLEAN]  # booleans need no sample
    if not wanted or not rows:
        return pd.DataFrame({column.name: sample_series(column, []) for column in wanted}, index=pd.RangeIndex(0))
    return sample_frame(wanted, columns_of(connection, sample_query(dialect, wanted, relation, rows, sample_rows), len(wanted)))


def sample_query(dialect: SqlDialect, wanted: Sequence[SqlColumn], relation: sa.Subquery, rows: int, sample_rows: int) -> sa.Select:
    query = sa.select(*sample_columns(dialect, wanted)).select_from(relation)
    if rows <= sample_rows:
        return query
    # Bernoulli sampling reads every row but sorts none; a random sample_rows of the rows it
    # keeps is then a uniform sample. (LIMIT alone would favour the rows scanned first.)
    expected = sample_rows + SAMPLE_MARGIN_SIGMAS * math.sqrt(sample_rows) + 10
    kept = query.where(dialect.bernoulli(min(1.0, expected / rows))).subquery("bernoulli")
    return sa.select(*(kept.c[column.name] for column in wanted)).order_by(dialect.random()).limit(sample_rows)


def sample_columns(dialect: SqlDialect, wanted: Sequence[SqlColumn]) -> list[sa.ColumnElement]:
    # Untyped columns: the driver's own values, parsed below the same way for every database.
    return [dialect.text(column).label(column.raw().name) if column.kind == CATEGORICAL else column.raw() for column in wanted]


def sample_frame(wanted: Sequence[SqlColumn], columns: Sequence[Any]) -> pd.DataFrame:
    return pd.DataFrame({column.name: sample_series(column, list(values)) for column, values in zip(wanted, columns)})


def sample_series(column: SqlColumn, values: list) -> pd.Series:
    """Values as pandas would hold them if the column's type were known: dtypes set the kind."""
    if column.kind == NUMERIC:
        if column.is_integer:
            try:
                return pd.Series(pd.array(values, dtype="Int64"))  # top values print as "1", not "1.0"
            except (TypeError, ValueError):  # SQLite lets an INTEGER column hold other values
                pass
        return pd.Series(_floats(values), dtype="float64")
    if column.kind == DATETIME:
        stamps = pd.to_datetime(pd.Series(values, dtype=object), utc=True, errors="coerce", format="ISO8601")
        # The pandas engine works in nanoseconds (years 1677-2262); later or earlier stamps
        # (PostgreSQL allows them) stay out of the sample-based metrics.
        in_range = stamps.between(pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC"))
        return stamps.where(in_range).astype("datetime64[ns, UTC]")
    return pd.Series(values, dtype="str")  # fetched as text: what the pandas engine turns values into


def _floats(values: list) -> np.ndarray:
    try:
        return np.array(values, dtype="float64")  # None becomes NaN; Decimal and int convert
    except (TypeError, ValueError):
        pass
    out = np.full(len(values), np.nan)
    for position, value in enumerate(values):
        if value is not None:
            try:
                out[position] = float(value)  # Decimal, int, float; a stray text value is missing
            except (TypeError, ValueError):
                pass
    return out


def columns_of(connection: Connection, query: sa.Select, width: int) -> list[tuple]:
    """The result's columns (the driver's values, no row objects: 100,000 rows are read often)."""
    result = connection.execute(query)
    try:
        cursor = result.cursor
        if cursor is None:
            return [() for _ in range(width)]
        fetch_numpy = getattr(cursor, "fetchnumpy", None)
        if fetch_numpy is not None:  # DuckDB: whole columns, 10x faster than rows (masked -> None)
            return [array.tolist() for array in fetch_numpy().values()]
        rows = cursor.fetchall()
    finally:
        result.close()
    return list(zip(*rows)) or [() for _ in range(width)]


def exact_duplicate_share(
    connection: Connection, dialect: SqlDialect, columns: Sequence[SqlColumn], relation: sa.Subquery, rows: int
) -> float:
    if rows < 2 or not columns:
        return 0.0 if rows else math.nan
    distinct = int(connection.execute(dialect.distinct_rows(list(columns), relation)).scalar_one())
    return (rows - distinct) / rows
