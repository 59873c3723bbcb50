"""Reference profiles and drift's current side computed in the database (PostgreSQL, SQLite,
DuckDB over files; the warehouses compile the same statements).

Per gate, on one snapshot (``sql_session.connect``):

1. one aggregate scan: rows, and per column its non-null, finite and ±inf counts;
2. per numeric or datetime column, one grouped aggregation of its finite values by *slot* on the
   reference's edges (a value equal to edge i, or strictly between two edges; found by a binary
   search written as nested ``CASE``, about log2(1000) = 10 comparisons a row): count, sum and
   sum of squares around a shift, min and max per slot. At most 2 × 1000 + 1 rows come back;
3. per categorical column, counts grouped by value: the reference's top 1000 with the number of
   distinct values (a window count over the groups); for the current side, counts of the
   reference's categories, and the most frequent other values with their number.

A reference profile first needs its edges: the finite values at numpy's ``quantile(method="lower")``
ranks, picked exactly by ``row_number()`` over the sorted values (one sort in the database; on the
warehouses, their approximate quantile aggregate in one scan: ``approximate_edges``), then counted
by step 2 like the current side, so its histogram is exact.

Everything is SQLAlchemy Core: identifiers quoted by SQLAlchemy, edges and categories bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from quality_gates.checks.profiles.binned import CurrentProfile
from quality_gates.checks.profiles.model import BOOLEAN, DATETIME, NUMERIC
from quality_gates.checks.profiles.reference import HISTOGRAM_BINS, MAX_CATEGORY_CHARS, TOP_CATEGORIES, ReferenceProfile, comparable_kind
from quality_gates.checks.profiles.sql_columns import SqlColumn, discover
from quality_gates.checks.profiles.sql_dialects import DIALECTS, INFINITY, SqlDialect
from quality_gates.engines.approximate_edges import approximate_edges
from quality_gates.engines.binned_counts import count_current, count_reference
from quality_gates.engines.computation import SqlQuery
from quality_gates.engines.sql_session import connect, read_error

SLOT = "slot"


class _Portable(SqlDialect):
    """The warehouses: NaN and ±inf as in the SQL standard's comparisons."""

    name = "portable"


@dataclass(frozen=True)
class ColumnSql:
    """The expressions of one column on one dialect."""

    column: SqlColumn
    dialect_name: str

    @property
    def dialect(self) -> SqlDialect:
        return DIALECTS.get(self.dialect_name, _Portable)()

    @property
    def numeric(self) -> bool:
        return comparable_kind(self.column.kind) == NUMERIC

    @property
    def can_be_infinite(self) -> bool:
        return self.column.kind == NUMERIC and not self.column.is_integer

    def value(self) -> ColumnElement:
        """Numbers as they are; datetimes as seconds since the epoch (UTC), as ``numeric_values``."""
        if self.column.kind == DATETIME:
            return epoch_seconds(self.column.ref(), self.dialect_name)
        return self.column.ref()

    def present(self) -> ColumnElement:
        """Non-null (NaN is null, as in pandas); categories as their text."""
        if self.numeric:
            return self.dialect.present(self.column) if self.column.kind == NUMERIC else self.column.ref()
        return self.text()

    def finite(self) -> ColumnElement:
        if self.can_be_infinite:
            return self.dialect.finite_condition(self.column)
        return self.column.ref().is_not(None)

    def text(self) -> ColumnElement:
        """The category as ``category_values`` writes it: booleans True/False, text cut to 200 characters."""
        value = self.column.ref()
        if self.column.kind == BOOLEAN:
            return sa.case((value, sa.literal("True")), (sa.not_(value), sa.literal("False")))
        text = value if self.column.is_text else sa.cast(value, sa.String())
        return sa.func.substr(text, 1, MAX_CATEGORY_CHARS) if self.column.is_text else text

    def counts(self) -> dict[str, ColumnElement]:
        """The per-column aggregates of the one scan (labels prefixed by the caller)."""
        aggregates = {"present": sa.func.count(self.present())}
        if self.can_be_infinite:
            value = self.column.ref()
            aggregates |= {
                "positive_inf": sa.func.count(sa.case((value == INFINITY, 1))),
                "negative_inf": sa.func.count(sa.case((value == -INFINITY, 1))),
            }
        return aggregates


def epoch_seconds(stamps: ColumnElement, dialect: str) -> ColumnElement:
    if dialect == "sqlite":  # datetimes are text, resolved to the millisecond (julianday: to well under one)
        return sa.func.round((sa.func.julianday(stamps) - 2_440_587.5) * 86_400_000.0) / 1000.0
    if dialect == "duckdb":
        return sa.func.epoch(stamps)
    if dialect == "bigquery":
        return sa.func.unix_micros(sa.cast(stamps, sa.TIMESTAMP())) / 1_000_000.0
    if dialect == "trino":
        return sa.func.to_unixtime(stamps)
    if dialect == "databricks":
        return sa.func.unix_micros(sa.cast(stamps, sa.TIMESTAMP())) / 1_000_000.0
    if dialect == "snowflake":
        return sa.func.date_part(sa.literal_column("epoch_microsecond"), stamps) / 1_000_000.0
    return sa.func.date_part("epoch", stamps)  # PostgreSQL, Redshift: float8 seconds, UTC-based for timestamptz


# ---- statements -----------------------------------------------------------------------------------


def counts_query(columns: Sequence[ColumnSql], relation: sa.Subquery) -> sa.Select:
    parts = [sa.func.count().label("rows")]
    for index, column in enumerate(columns):
        parts += [expression.label(f"c{index}_{name}") for name, expression in column.counts().items()]
    return sa.select(*parts).select_from(relation)


def slot_expression(value: ColumnElement, edges: np.ndarray) -> ColumnElement:
    """2i + 1 for a value equal to edge i, 2k for a value strictly inside slot k (k edges at or
    below it): a binary search over the sorted edges, as nested CASE expressions."""

    def search(low: int, high: int) -> ColumnElement:
        if low == high:  # k = low edges at or below the value: it equals edge low - 1, or lies above it
            if low == 0:
                return sa.literal(0)
            return sa.case((value == sa.literal(float(edges[low - 1])), sa.literal(2 * low - 1)), else_=sa.literal(2 * low))
        middle = (low + high) // 2
        return sa.case((value < sa.literal(float(edges[middle])), search(low, middle)), else_=search(middle + 1, high))

    return search(0, len(edges))


def slotted_by_lifting(values: sa.Subquery, edges: np.ndarray) -> sa.Subquery:
    """DuckDB: the slot by a branchless binary search over the edges as one bound list (padded
    with +inf to a power of two): ``below += step · (v >= edges[below + step])`` for halving steps,
    one subquery each. DuckDB evaluates the nested CASE of ``slot_expression`` row by row (61 s
    for 10M rows); this takes a few vectorised operations per row."""
    size = 1 << int(len(edges)).bit_length()  # > len(edges): the search may land on any count 0..len(edges)
    padded = sa.literal([float(e) for e in edges] + [math.inf] * (size - len(edges)), sa.ARRAY(sa.Double()))
    current = sa.select(values.c.v, sa.literal(0).label("below")).select_from(values).subquery("lifted_0")
    step, level = size // 2, 0
    while step:
        level += 1
        reached = sa.cast(current.c.v >= sa.func.list_extract(padded, current.c.below + step), sa.Integer())
        current = sa.select(current.c.v, (current.c.below + step * reached).label("below")).subquery(f"lifted_{level}")
        step //= 2
    at_edge = sa.and_(current.c.below > 0, current.c.v == sa.func.list_extract(padded, current.c.below))
    slot = sa.case((at_edge, 2 * current.c.below - 1), else_=2 * current.c.below)
    return sa.select(slot.label(SLOT), current.c.v).subquery("slotted")


def slot_query(column: ColumnSql, relation: sa.Subquery, edges: np.ndarray, shift: float) -> sa.Select:
    finite = sa.select(column.value().label("v")).select_from(relation).where(column.finite()).subquery("finite_values")
    if column.dialect_name == "duckdb" and len(edges):
        slotted = slotted_by_lifting(finite, edges)
    else:
        # The slot is computed in a subquery and grouped by name: a GROUP BY repeating the CASE would
        # bind its edges a second time, and PostgreSQL would not see the two as one expression.
        slotted = sa.select(slot_expression(finite.c.v, edges).label(SLOT), finite.c.v).subquery("slotted")
    value = slotted.c.v
    shifted = value - sa.literal(shift, sa.Double())
    return sa.select(
        slotted.c[SLOT],
        sa.func.count().label("n"),
        sa.func.sum(shifted).label("shifted_sum"),
        sa.func.sum(shifted * shifted).label("shifted_squares"),
        sa.func.min(value).label("minimum"),
        sa.func.max(value).label("maximum"),
    ).group_by(slotted.c[SLOT])


def edges_query(column: ColumnSql, relation: sa.Subquery, positions: np.ndarray, finite: int) -> sa.Select:
    """The finite values at 0-based ``positions`` in sorted order: the reference's exact edges,
    or on a warehouse with an approximate quantile aggregate, approximate ones (``approximate_edges``)."""
    value = column.value()
    approximate = approximate_edges(column.dialect_name, value, positions, finite)
    if approximate is not None:
        return sa.select(*approximate).select_from(relation).where(column.finite())
    if column.dialect_name == "duckdb":
        # DuckDB runs in the worker: its quantile aggregate keeps one column's values (8 bytes a
        # row), a window over the sorted rows several times that. quantile_disc(q) is the value at
        # 0-based rank ceil(q·n) - 1, so q = (rank + 0.5) / n picks each rank exactly.
        shares = [(int(p) + 0.5) / finite for p in positions]
        return (
            sa.select(sa.func.quantile_disc(value, sa.literal(shares, sa.ARRAY(sa.Double())))).select_from(relation).where(column.finite())
        )
    ranked = (
        sa.select(value.label("v"), sa.func.row_number().over(order_by=value).label("rank"))
        .select_from(relation)
        .where(column.finite())
        .subquery("ranked")
    )
    return sa.select(ranked.c.v).where(ranked.c.rank.in_([int(p) + 1 for p in positions])).order_by(ranked.c.v)


def top_values_query(column: ColumnSql, relation: sa.Subquery, limit: int, excluded: Sequence[str] | None = None) -> sa.Select:
    """The most frequent values (ties by value), their counts and how many distinct values there are
    (``excluded``: left out, e.g. the reference's categories)."""
    text = column.text()
    values = sa.select(text.label("v")).select_from(relation).where(text.is_not(None))
    if excluded is not None:
        values = values.where(text.not_in(list(excluded)))
    grouped = values.subquery("category_values")
    count = sa.func.count()
    return (
        sa.select(grouped.c.v, count.label("n"), sa.func.count().over().label("distinct_values"))
        .group_by(grouped.c.v)
        .order_by(count.desc(), grouped.c.v)
        .limit(limit)
    )


def known_counts_query(column: ColumnSql, relation: sa.Subquery, known: Sequence[str]) -> sa.Select:
    """Counts of the reference's categories; NULL groups every other value."""
    text = column.text()
    values = sa.select(text.label("v")).select_from(relation).where(text.is_not(None)).subquery("category_values")
    category = sa.case((values.c.v.in_(list(known)), values.c.v)) if known else sa.null()
    categorised = sa.select(category.label("category")).select_from(values).subquery("categorised")
    return sa.select(categorised.c.category, sa.func.count().label("n")).group_by(categorised.c.category)


# ---- execution --------------------------------------------------------------------------------


class SqlCounting:
    """The counting primitives of ``engines/binned_counts.py`` as statements on one connection."""

    def __init__(self, connection: sa.Connection, computation: SqlQuery):
        from quality_gates.checks.errors import require_unique_column_names

        self.connection = connection
        if computation.dialect == "postgresql":
            # The slot CASE has ~2,000 nodes: its estimated cost triggers PostgreSQL's JIT, whose LLVM
            # optimisation of that expression took 20 s for a query that runs in 0.3 s without it.
            connection.exec_driver_sql("SET LOCAL jit = off")
        found, self.relation = discover(connection, computation.selectable)
        require_unique_column_names((column.name for column in found), computation.name)
        self.columns = {column.name: ColumnSql(column, computation.dialect) for column in found}

    def types(self) -> dict[str, tuple[str, str]]:
        return {name: (column.column.kind, dtype_name(column.column)) for name, column in self.columns.items()}

    def scan(self, names: Sequence[str]) -> tuple[int, dict[str, dict[str, int]]]:
        wanted = [self.columns[name] for name in names]
        row = self.connection.execute(counts_query(wanted, self.relation)).one()._mapping
        counts = {column.column.name: {key: int(row[f"c{i}_{key}"] or 0) for key in column.counts()} for i, column in enumerate(wanted)}
        return int(row["rows"]), counts

    def edges(self, name: str, positions: np.ndarray, finite: int) -> list[float]:
        rows = self.connection.execute(edges_query(self.columns[name], self.relation, positions, finite)).all()
        if len(rows) == 1 and len(rows[0]) > 1:  # one aggregate per edge
            found = list(rows[0])
        elif len(rows) == 1 and isinstance(rows[0][0], (list, tuple)):  # one aggregate returning every edge
            found = list(rows[0][0])
        else:
            found = [row[0] for row in rows]
        return [float(e) for e in found]

    def slots(self, name: str, edges: np.ndarray, shift: float) -> list[tuple]:
        return [tuple(row) for row in self.connection.execute(slot_query(self.columns[name], self.relation, edges, shift))]

    def top_values(self, name: str, limit: int, excluded: Sequence[str] | None = None) -> tuple[list[tuple[str, int]], int]:
        rows = self.connection.execute(top_values_query(self.columns[name], self.relation, limit, excluded)).all()
        return [(str(value), int(n)) for value, n, _ in rows], int(rows[0][2]) if rows else 0

    def known_counts(self, name: str, known: Sequence[str]) -> dict[str | None, int]:
        return {value: int(n) for value, n in self.connection.execute(known_counts_query(self.columns[name], self.relation, known))}


def dtype_name(column: SqlColumn) -> str:
    """The pandas dtype the column's values would have, so that messages read alike on every engine."""
    if column.kind == BOOLEAN:
        return "bool"
    if column.kind == NUMERIC:
        return "int64" if column.is_integer else "float64"
    if column.kind == DATETIME:
        return "datetime64[us, UTC]" if column.has_time_zone else "datetime64[us]"
    return "str" if column.is_text else "object"


def current_sql(computation: SqlQuery, reference: ReferenceProfile, *, columns: Sequence[str] | None) -> CurrentProfile:
    """Drift's current side: counts on ``reference``'s edges and of its categories."""
    with connect(computation) as connection:
        try:
            return count_current(SqlCounting(connection, computation), reference, columns)
        except sa.exc.DBAPIError as exc:
            raise read_error(computation, exc) from exc


def reference_sql(
    computation: SqlQuery,
    *,
    columns: Sequence[str] | None,
    bins: int = HISTOGRAM_BINS,
    top_categories: int = TOP_CATEGORIES,
    skip_missing: bool = False,
) -> ReferenceProfile:
    """A reference profile made in the database (exact edges and counts)."""
    with connect(computation) as connection:
        try:
            return count_reference(SqlCounting(connection, computation), columns, bins, top_categories, skip_missing)
        except sa.exc.DBAPIError as exc:
            raise read_error(computation, exc) from exc
