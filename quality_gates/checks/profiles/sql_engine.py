"""Profiles computed where the data lives: PostgreSQL or SQLite, through SQLAlchemy Core.

Three queries, whatever the number of columns:

1. one aggregate scan for the exact metrics of every column (split in several scans only
   beyond ``MAX_AGGREGATES_PER_SCAN`` expressions, a limit of the databases' select lists);
2. the count of distinct rows, for the duplicate-row share (a query of its own, so that the
   aggregate scan stays parallel on PostgreSQL: a DISTINCT aggregate would make it serial);
3. a uniform sample of at most ``sample_rows`` rows (every row when there are no more),
   fetched into pandas, where the pandas engine computes the sample-based metrics.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import TextClause

from quality_gates.checks.errors import require_unique_column_names
from quality_gates.checks.profiles.aggregates import exact_metrics, in_model_order
from quality_gates.checks.profiles.model import (
    BOOLEAN,
    CATEGORICAL,
    DATETIME,
    NUMERIC,
    SAMPLE_ROWS,
    ColumnProfile,
    PartitionProfile,
)
from quality_gates.checks.profiles.pandas_engine import profile_column
from quality_gates.checks.profiles.sampled import SAMPLED_METRICS
from quality_gates.checks.profiles.sql_columns import SqlColumn, discover
from quality_gates.checks.profiles.sql_dialects import SqlDialect, dialect_for, spread_to_std

MAX_AGGREGATES_PER_SCAN = 1_000
# Bernoulli sampling asks for this many standard deviations more rows than needed, then keeps
# a random sample_rows of them: a shortfall (a slightly smaller sample) has probability ~3e-7.
SAMPLE_MARGIN_SIGMAS = 5


def profile_sql(
    connectable: Engine | Connection,
    selectable: sa.Select | TextClause,
    *,
    sample_rows: int = SAMPLE_ROWS,
    data: str = "the query",
) -> PartitionProfile:
    """``data`` names the query in errors (e.g. "table orders (connection 'warehouse')")."""
    if isinstance(connectable, Connection):
        return _profile(connectable, selectable, sample_rows, data)
    with connectable.connect() as connection:
        if connection.dialect.name == "postgresql":
            # One snapshot for the three queries: rows landing meanwhile cannot make the sample
            # disagree with the counts. Read-only, so it never fails to serialize.
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        return _profile(connection, selectable, sample_rows, data)


def _profile(connection: Connection, selectable: sa.Select | TextClause, sample_rows: int, data: str) -> PartitionProfile:
    dialect = dialect_for(connection.dialect.name, connection.dialect.server_version_info)
    columns, relation = discover(connection, selectable)
    require_unique_column_names((column.name for column in columns), data)
    rows, aggregates = _aggregate(connection, dialect, columns, relation)
    sample = _sample(connection, dialect, columns, relation, rows, sample_rows)
    profiles = {}
    for column in columns:
        metrics = exact_metrics(column.kind, aggregates[column.name], rows)
        top_values: tuple[tuple[str, float], ...] = ()
        if column.kind != BOOLEAN:
            series = sample[column.name]
            # The pandas engine on the sample; only its sample-based metrics are kept.
            sampled = profile_column(series, series)
            metrics |= {name: value for name, value in sampled.metrics.items() if name in SAMPLED_METRICS}
            top_values = sampled.top_values
        profiles[column.name] = ColumnProfile(column.kind, in_model_order(column.kind, metrics), top_values)
    table = {"row_count": float(rows), "duplicate_row_share": _duplicate_share(connection, dialect, columns, relation, rows)}
    return PartitionProfile(rows, profiles, table, len(sample))


# ---- exact metrics: one aggregate scan -------------------------------------------------------


def _aggregate(
    connection: Connection, dialect: SqlDialect, columns: Sequence[SqlColumn], relation: sa.Subquery
) -> tuple[int, dict[str, dict[str, Any]]]:
    """Row count, and per column the aggregates of ``AGGREGATES_BY_KIND``."""
    expressions = {(None, "rows"): sa.func.count()}
    for index, column in enumerate(columns):
        expressions |= {(index, name): expression for name, expression in dialect.aggregates(column).items()}
    found: dict[tuple[int | None, str], Any] = {}
    for batch in _batches(list(expressions), MAX_AGGREGATES_PER_SCAN):
        labelled = [expressions[key].label(f"a{position}") for position, key in enumerate(batch)]
        found |= zip(batch, connection.execute(sa.select(*labelled).select_from(relation)).one())
    rows = int(found[(None, "rows")])
    aggregates = {
        column.name: _with_std(column.kind, {name: value for (at, name), value in found.items() if at == index})
        for index, column in enumerate(columns)
    }
    return rows, aggregates


def _with_std(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """Replace the dialect's spread aggregates by the standard deviation they give."""
    if kind not in (NUMERIC, CATEGORICAL):
        return values
    prefix = "length_" if kind == CATEGORICAL else ""
    spread = {name: values.pop(prefix + name) for name in ("std", "mean_of_squares") if prefix + name in values}
    values[prefix + "std"] = spread_to_std({**spread, "mean": values[prefix + "mean"]})
    return values


def _batches(keys: list, size: int) -> Iterator[list]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def _duplicate_share(connection: Connection, dialect: SqlDialect, columns: Sequence[SqlColumn], relation: sa.Subquery, rows: int) -> float:
    if rows < 2 or not columns:
        return 0.0 if rows else math.nan
    distinct = int(connection.execute(dialect.distinct_rows(list(columns), relation)).scalar_one())
    return (rows - distinct) / rows


# ---- the sample, read into pandas ------------------------------------------------------------


def _sample(
    connection: Connection,
    dialect: SqlDialect,
    columns: Sequence[SqlColumn],
    relation: sa.Subquery,
    rows: int,
    sample_rows: int,
) -> pd.DataFrame:
    wanted = [column for column in columns if column.kind != BOOLEAN]  # booleans need no sample
    if not wanted or not rows:
        return pd.DataFrame({column.name: _sample_series(column, []) for column in wanted}, index=pd.RangeIndex(0))
    # Untyped columns: the driver's own values, parsed below the same way for every database.
    fetched = [dialect.text(column).label(column.raw().name) if column.kind == CATEGORICAL else column.raw() for column in wanted]
    query = sa.select(*fetched).select_from(relation)
    if rows > sample_rows:
        # Bernoulli sampling reads every row but sorts none; a random sample_rows of the rows it
        # keeps is then a uniform sample. (LIMIT alone would favour the rows scanned first.)
        expected = sample_rows + SAMPLE_MARGIN_SIGMAS * math.sqrt(sample_rows) + 10
        kept = query.where(dialect.bernoulli(min(1.0, expected / rows))).subquery("bernoulli")
        query = sa.select(*(kept.c[column.name] for column in wanted)).order_by(sa.func.random()).limit(sample_rows)
    values = list(zip(*connection.execute(query).all())) or [() for _ in wanted]
    return pd.DataFrame({column.name: _sample_series(column, list(column_values)) for column, column_values in zip(wanted, values)})


def _sample_series(column: SqlColumn, values: list) -> pd.Series:
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
    return pd.Series(values, dtype=object)


def _floats(values: list) -> np.ndarray:
    out = np.full(len(values), np.nan)
    for position, value in enumerate(values):
        if value is not None:
            try:
                out[position] = float(value)  # Decimal, int, float; a stray text value is missing
            except (TypeError, ValueError):
                pass
    return out
