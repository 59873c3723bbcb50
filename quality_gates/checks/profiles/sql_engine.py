"""Profiles computed where the data lives (PostgreSQL, SQLite, DuckDB, the warehouses), through
SQLAlchemy Core.

Two scans, whatever the number of columns:

1. one aggregate scan for the exact metrics of every column (split in several scans only
   beyond ``MAX_AGGREGATES_PER_SCAN`` expressions, a limit of the databases' select lists).
   A dialect may use cheaper aggregates that are exact unless the data holds something rare
   (NaN or infinities); the columns that do get a second, exact pass. The metrics that would
   cost a pass as dear as all the moments (``SAMPLED_ABOVE_SAMPLE_ROWS``) come from the sample,
   as in the polars engine: exact up to ``sample_rows`` rows, within the Hoeffding bound of
   ``checks/profiles/model.py`` above;
2. the hash bucket (``sql_bucket``): the rows whose 64-bit row hash falls in the lowest ``f``
   of the hash range, with ``f·rows`` just above ``sample_rows`` (every row when there are no more). Each distinct row
   is in that bucket with probability ``f`` and both copies of a duplicate are in it together,
   so the bucket gives the duplicate-row share (exact when every row is read; otherwise an
   estimate, see ``checks/profiles/model.py`` for its bound) and, of its rows with the lowest
   hashes, the sample of at most ``sample_rows`` rows on which the pandas engine computes the
   sample-based metrics. It is one parallel scan on PostgreSQL (random() is not parallel-safe),
   and the sample does not change between runs over the same rows.

A database without a hash function (SQLite) counts distinct rows exactly and draws a Bernoulli
sample instead (``sql_sample``), as does any table so duplicated that its bucket comes out empty
or too large.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement, TextClause

from quality_gates.checks.errors import require_unique_column_names
from quality_gates.checks.profiles.aggregates import exact_metrics, in_model_order
from quality_gates.checks.profiles.model import (
    BOOLEAN,
    CATEGORICAL,
    NUMERIC,
    SAMPLE_ROWS,
    ColumnProfile,
    PartitionProfile,
)
from quality_gates.checks.profiles.pandas_engine import profile_column
from quality_gates.checks.profiles.sampled import SAMPLED_METRICS
from quality_gates.checks.profiles.sql_bucket import bucket_query, bucket_size, hash_bucket
from quality_gates.checks.profiles.sql_columns import SqlColumn, discover
from quality_gates.checks.profiles.sql_dialects import SqlDialect, dialect_for, spread_to_std
from quality_gates.checks.profiles.sql_sample import bernoulli_sample, exact_duplicate_share, sample_query

MAX_AGGREGATES_PER_SCAN = 1_000


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
            # One snapshot for every query: rows landing meanwhile cannot make the sample
            # disagree with the counts. Read-only, so it never fails to serialize.
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        return _profile(connection, selectable, sample_rows, data)


def _profile(connection: Connection, selectable: sa.Select | TextClause, sample_rows: int, data: str) -> PartitionProfile:
    dialect = dialect_for(connection.dialect.name, connection.dialect.server_version_info)
    columns, relation = discover(connection, selectable)
    require_unique_column_names((column.name for column in columns), data)
    rows, aggregates = _aggregate(connection, dialect, columns, relation)
    bucket = hash_bucket(connection, dialect, columns, relation, rows, sample_rows, aggregates)
    if bucket is None:
        sample = bernoulli_sample(connection, dialect, columns, relation, rows, sample_rows)
        duplicate_share = exact_duplicate_share(connection, dialect, columns, relation, rows)
    else:
        sample, duplicate_share = bucket
    profiles = {}
    for column in columns:
        metrics = exact_metrics(column.kind, aggregates[column.name], rows)
        top_values: tuple[tuple[str, float], ...] = ()
        if column.kind != BOOLEAN:
            series = sample[column.name]
            # The pandas engine on the sample; only its sample-based metrics are kept.
            sampled = profile_column(series, series)
            # Sample-based metrics, and those the scan leaves to the sample (SAMPLED_ABOVE_SAMPLE_ROWS:
            # exact when the sample is every row).
            metrics |= {name: value for name, value in sampled.metrics.items() if name in SAMPLED_METRICS or name not in metrics}
            top_values = sampled.top_values
        profiles[column.name] = ColumnProfile(column.kind, in_model_order(column.kind, metrics), top_values)
    table = {"row_count": float(rows), "duplicate_row_share": duplicate_share}
    return PartitionProfile(rows, profiles, table, len(sample))


# ---- exact metrics: one aggregate scan -------------------------------------------------------


def _aggregate(
    connection: Connection, dialect: SqlDialect, columns: Sequence[SqlColumn], relation: sa.Subquery
) -> tuple[int, dict[str, dict[str, Any]]]:
    """Row count, and per column the aggregates of ``AGGREGATES_BY_KIND`` but those the sample gives."""
    found = _scan(connection, relation, _expressions(dialect, columns))
    rows = int(found[(None, "rows")])
    settled = {
        index: dialect.settle(column, {name: value for (at, name), value in found.items() if at == index})
        for index, column in enumerate(columns)
    }
    unsettled = [index for index, values in settled.items() if values is None]
    if unsettled:  # NaN, infinities, multi-byte text: the exact aggregates of those columns
        exact = _scan(connection, relation, _expressions(dialect, columns, exact=unsettled))
        settled |= {index: {name: value for (at, name), value in exact.items() if at == index} for index in unsettled}
    aggregates = {column.name: _with_std(column.kind, dict(settled[index] or {})) for index, column in enumerate(columns)}
    return rows, aggregates


Expressions = dict[tuple[int | None, str], ColumnElement]


def _expressions(dialect: SqlDialect, columns: Sequence[SqlColumn], exact: Sequence[int] = ()) -> Expressions:
    """The first scan's aggregates keyed by (column index, name); with ``exact``, the exact pass's
    aggregates of those columns."""
    if exact:
        return {(index, name): expression for index in exact for name, expression in dialect.exact_aggregates(columns[index]).items()}
    expressions: Expressions = {(None, "rows"): sa.func.count()}
    for index, column in enumerate(columns):
        expressions |= {(index, name): expression for name, expression in dialect.aggregates(column).items()}
    return expressions


def _scan_queries(relation: sa.Subquery, expressions: Expressions) -> Iterator[tuple[list, sa.Select]]:
    for batch in _batches(list(expressions), MAX_AGGREGATES_PER_SCAN):
        labelled = [expressions[key].label(f"a{position}") for position, key in enumerate(batch)]
        yield batch, sa.select(*labelled).select_from(relation)


def _scan(connection: Connection, relation: sa.Subquery, expressions: Expressions) -> dict[tuple[int | None, str], Any]:
    found: dict[tuple[int | None, str], Any] = {}
    for batch, query in _scan_queries(relation, expressions):
        found |= zip(batch, connection.execute(query).one())
    return found


def profile_statements(
    dialect: SqlDialect, columns: Sequence[SqlColumn], relation: sa.Subquery, *, rows: int, sample_rows: int
) -> dict[str, sa.Select]:
    """Every statement a profile of ``rows`` rows may run, built as they run, for compile tests of
    dialects that cannot be executed here (the warehouses)."""
    statements = {"aggregate": next(_scan_queries(relation, _expressions(dialect, columns)))[1]}
    statements["exact pass"] = next(_scan_queries(relation, _expressions(dialect, columns, exact=range(len(columns)))))[1]
    wanted = [column for column in columns if column.kind != BOOLEAN]
    hashed = dialect.row_hash(list(columns))
    if hashed is not None:
        fraction, limit = bucket_size(rows, sample_rows)
        statements["bucket"] = bucket_query(dialect, wanted, relation, hashed).where(dialect.in_bucket(hashed, fraction)).limit(limit + 1)
    statements["bernoulli sample"] = sample_query(dialect, wanted, relation, rows, sample_rows)
    statements["distinct rows"] = dialect.distinct_rows(list(columns), relation)
    return statements


def _with_std(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """Replace the dialect's spread aggregates by the standard deviation they give."""
    if kind not in (NUMERIC, CATEGORICAL):
        return values
    prefix = "length_" if kind == CATEGORICAL else ""
    if prefix + "mean" not in values:  # lengths come from the sample
        return values
    spread = {name: values.pop(prefix + name) for name in ("std", "mean_of_squares") if prefix + name in values}
    values[prefix + "std"] = spread_to_std({**spread, "mean": values[prefix + "mean"]})
    return values


def _batches(keys: list, size: int) -> Iterator[list]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]
