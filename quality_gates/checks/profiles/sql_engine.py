"""Profiles computed where the data lives (PostgreSQL, SQLite, DuckDB, the warehouses), through
SQLAlchemy Core.

Two scans, whatever the number of columns:

1. one aggregate scan for the exact metrics of every column (split in several scans only
   beyond ``MAX_AGGREGATES_PER_SCAN`` expressions, a limit of the databases' select lists).
   A dialect may use cheaper aggregates that are exact unless the data holds something rare
   (NaN or infinities, multi-byte characters); the columns that do get a second, exact pass;
2. the rows whose 64-bit row hash falls in the lowest ``f`` of the hash range, with
   ``f·rows`` just above ``sample_rows`` (every row when there are no more). Each distinct row
   is in that bucket with probability ``f`` and both copies of a duplicate are in it together,
   so the bucket gives the duplicate-row share (exact when every row is read; otherwise an
   estimate, see ``checks/profiles/model.py`` for its bound) and, of its rows with the lowest
   hashes, the sample of at most ``sample_rows`` rows on which the pandas engine computes the
   sample-based metrics. It is one parallel scan on PostgreSQL (random() is not parallel-safe),
   and the sample does not change between runs over the same rows.

A database without a hash function (SQLite) counts distinct rows exactly and draws a Bernoulli
sample instead, as does any table so duplicated that its bucket comes out empty or too large.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement, TextClause

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
# A hash bucket more than this many times smaller or larger than expected stands for too few
# distinct rows: the Bernoulli sample and the exact distinct count are used instead.
BUCKET_OVERFLOW = 4
# The pre-filter on one column's hash keeps this many times the bucket's share of rows; the
# bucket's rows must then hold at least this share of distinct key values per distinct row.
KEY_SPREAD = 10
KEY_VALUES_PER_ROW = 0.9


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
    bucket = _hash_bucket(connection, dialect, columns, relation, rows, sample_rows, aggregates)
    if bucket is None:
        sample = _sample(connection, dialect, columns, relation, rows, sample_rows)
        duplicate_share = _duplicate_share(connection, dialect, columns, relation, rows)
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
            metrics |= {name: value for name, value in sampled.metrics.items() if name in SAMPLED_METRICS}
            top_values = sampled.top_values
        profiles[column.name] = ColumnProfile(column.kind, in_model_order(column.kind, metrics), top_values)
    table = {"row_count": float(rows), "duplicate_row_share": duplicate_share}
    return PartitionProfile(rows, profiles, table, len(sample))


# ---- exact metrics: one aggregate scan -------------------------------------------------------


def _aggregate(
    connection: Connection, dialect: SqlDialect, columns: Sequence[SqlColumn], relation: sa.Subquery
) -> tuple[int, dict[str, dict[str, Any]]]:
    """Row count, and per column the aggregates of ``AGGREGATES_BY_KIND``."""
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
        fraction, limit = _bucket_size(rows, sample_rows)
        statements["bucket"] = _bucket_query(dialect, wanted, relation, hashed).where(dialect.in_bucket(hashed, fraction)).limit(limit + 1)
    statements["bernoulli sample"] = _sample_query(dialect, wanted, relation, rows, sample_rows)
    statements["distinct rows"] = dialect.distinct_rows(list(columns), relation)
    return statements


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


# ---- the hash bucket: duplicate-row share and sample in one scan ----------------------------


def _hash_bucket(
    connection: Connection,
    dialect: SqlDialect,
    columns: Sequence[SqlColumn],
    relation: sa.Subquery,
    rows: int,
    sample_rows: int,
    aggregates: dict[str, dict[str, Any]],
) -> tuple[pd.DataFrame, float] | None:
    """The sample and the duplicate-row share from the rows of the lowest hashes; None when the
    database has no row hash or the bucket cannot stand for the rows (heavy duplication)."""
    hashed = dialect.row_hash(list(columns)) if rows >= 2 and columns else None
    if hashed is None:
        return None
    wanted = [column for column in columns if column.kind != BOOLEAN]
    query = _bucket_query(dialect, wanted, relation, hashed)
    if rows <= sample_rows:
        return _from_bucket(dialect, wanted, _columns_of(connection, query, len(wanted) + 1), sample_rows)
    fraction, limit = _bucket_size(rows, sample_rows)

    def fits(fetched: list[tuple]) -> bool:
        return sample_rows // BUCKET_OVERFLOW <= len(fetched[0]) <= limit

    key = _prefilter_key(dialect, wanted, aggregates, rows) if fraction * KEY_SPREAD < 1 else None
    if key is not None:
        # The row hash costs most of this scan: computed only where a cheap hash of one column
        # (no nulls, of a type with many distinct values) falls in the lowest KEY_SPREAD·f of its
        # range, then kept in the lowest 1/KEY_SPREAD of its own. A row is still in with
        # probability f and duplicates stay together, but rows sharing a key value are in or out
        # together: valid only if the bucket's rows have about as many key values as distinct
        # rows, checked below (else the scan is done again without the key).
        position, key_hash = key
        keyed = query.where(dialect.in_bucket(key_hash, fraction * KEY_SPREAD), dialect.in_bucket(hashed, 1 / KEY_SPREAD))
        fetched = _columns_of(connection, keyed.limit(limit + 1), len(wanted) + 1)
        if fits(fetched) and len(set(fetched[1 + position])) >= KEY_VALUES_PER_ROW * len(set(fetched[0])):
            return _from_bucket(dialect, wanted, fetched, sample_rows)
    fetched = _columns_of(connection, query.where(dialect.in_bucket(hashed, fraction)).limit(limit + 1), len(wanted) + 1)
    return _from_bucket(dialect, wanted, fetched, sample_rows) if fits(fetched) else None


def _bucket_query(dialect: SqlDialect, wanted: Sequence[SqlColumn], relation: sa.Subquery, hashed: ColumnElement) -> sa.Select:
    return sa.select(hashed.label("row_hash"), *_fetched(dialect, wanted)).select_from(relation)


def _bucket_size(rows: int, sample_rows: int) -> tuple[float, int]:
    """The bucket's share of the hash range, and the most rows it may hold. Duplicated rows come
    in or stay out together: a bucket far off its expected size means a few rows repeated very
    often, which a bucket cannot stand for; the limit also bounds what is fetched."""
    expected = sample_rows + SAMPLE_MARGIN_SIGMAS * math.sqrt(sample_rows) + 10
    return min(1.0, expected / rows), int(BUCKET_OVERFLOW * expected)


def _prefilter_key(
    dialect: SqlDialect, wanted: Sequence[SqlColumn], aggregates: dict[str, dict[str, Any]], rows: int
) -> tuple[int, ColumnElement] | None:
    """(position in ``wanted``, hash) of the best column to pre-filter the bucket on."""
    candidates = []
    for position, column in enumerate(wanted):
        ranked = dialect.key_hash(column)
        if ranked is not None and int(aggregates[column.name]["non_null"] or 0) == rows:  # a NULL has no hash
            candidates.append((ranked[0], position, ranked[1]))
    if not candidates:
        return None
    _, position, key_hash = min(candidates, key=lambda candidate: candidate[:2])
    return position, key_hash


def _columns_of(connection: Connection, query: sa.Select, width: int) -> list[tuple]:
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


def _from_bucket(dialect: SqlDialect, wanted: Sequence[SqlColumn], fetched: list[tuple], sample_rows: int) -> tuple[pd.DataFrame, float]:
    """The sample (the rows of the lowest hashes) and the duplicate-row share of the bucket."""
    hashes = np.array(fetched[0], dtype="uint64" if dialect.hash_low >= 0 else "int64")
    if not len(hashes):
        return _frame(wanted, fetched[1:]), 0.0
    duplicate_share = (len(hashes) - len(np.unique(hashes))) / len(hashes)
    lowest = np.argsort(hashes, kind="stable")[:sample_rows]
    return _frame(wanted, [np.array(values, dtype=object)[lowest] for values in fetched[1:]]), duplicate_share


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
    return _frame(wanted, _columns_of(connection, _sample_query(dialect, wanted, relation, rows, sample_rows), len(wanted)))


def _sample_query(dialect: SqlDialect, wanted: Sequence[SqlColumn], relation: sa.Subquery, rows: int, sample_rows: int) -> sa.Select:
    query = sa.select(*_fetched(dialect, wanted)).select_from(relation)
    if rows <= sample_rows:
        return query
    # Bernoulli sampling reads every row but sorts none; a random sample_rows of the rows it
    # keeps is then a uniform sample. (LIMIT alone would favour the rows scanned first.)
    expected = sample_rows + SAMPLE_MARGIN_SIGMAS * math.sqrt(sample_rows) + 10
    kept = query.where(dialect.bernoulli(min(1.0, expected / rows))).subquery("bernoulli")
    return sa.select(*(kept.c[column.name] for column in wanted)).order_by(dialect.random()).limit(sample_rows)


def _fetched(dialect: SqlDialect, wanted: Sequence[SqlColumn]) -> list[sa.ColumnElement]:
    # Untyped columns: the driver's own values, parsed below the same way for every database.
    return [dialect.text(column).label(column.raw().name) if column.kind == CATEGORICAL else column.raw() for column in wanted]


def _frame(wanted: Sequence[SqlColumn], columns: Sequence[Sequence[Any]]) -> pd.DataFrame:
    return pd.DataFrame({column.name: _sample_series(column, list(values)) for column, values in zip(wanted, columns)})


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
