"""The aggregate expressions of a profile, for PostgreSQL and SQLite.

Everything is built with SQLAlchemy Core: column names are quoted by SQLAlchemy and constants
are bound parameters, so nothing a user controls is formatted into SQL text.

Written for one scan of many columns: PostgreSQL evaluates every aggregate's argument anew
(no common subexpressions), so arguments are kept cheap (no NUMERIC-to-float8 casts, which go
through text), and ``avg`` and ``stddev_pop`` get the very same argument, which lets PostgreSQL
share one running state between them. On 10M rows × 15 columns this took the scan from 24 s to
9 s. What costs a pass as dear as all the moments (string lengths, the time of day of every
stamp, negative and integer-valued counts) comes from the sample (``SAMPLED_ABOVE_SAMPLE_ROWS``).
"""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement

from quality_gates.checks.errors import UnsupportedDialectError
from quality_gates.checks.profiles.model import BOOLEAN, CATEGORICAL, NUMERIC
from quality_gates.checks.profiles.sql_columns import SqlColumn

INFINITY = sa.literal(math.inf, sa.Double())
MS_PER_DAY = 86_400_000
UNIX_EPOCH_JULIAN_DAY = 2_440_587.5
ROW_HASH_SEED = 0x5DEECE66D  # any value but 0 (see Postgres.distinct_rows)
KEY_HASH_SEED = 0x2545F491  # another seed: the key's bucket independent of the row's


class SqlDialect:
    """Portable SQL; subclasses replace what their database spells differently."""

    name: str

    def __init__(self, server_version: tuple | None = None):
        self.server_version = server_version or ()

    # The row hash's range (see ``row_hash``): signed 64-bit unless a dialect says otherwise.
    hash_low = -(2**63)
    hash_span = 2**64

    # Where NaN sorts above +Infinity (PostgreSQL, DuckDB): moments and extremes of the raw
    # values, checked by ``settle`` (see ``raw_numeric_aggregates``).
    raw_moments = False

    def aggregates(self, column: SqlColumn) -> dict[str, ColumnElement]:
        """The aggregates of one scan. A dialect may return cheaper, optimistic ones that
        ``settle`` checks; the portable ones are exact."""
        if self.raw_moments and column.kind == NUMERIC:
            return self.raw_numeric_aggregates(column)
        return self.exact_aggregates(column)

    def settle(self, column: SqlColumn, values: dict[str, Any]) -> dict[str, Any] | None:
        """The exact aggregates from what ``aggregates`` returned, or None
        when this column needs a second pass with ``exact_aggregates``."""
        if self.raw_moments and column.kind == NUMERIC:
            return self.settle_raw_numeric(column, values)
        return values

    def count_where(self, condition: ColumnElement) -> ColumnElement:
        return sa.func.count(sa.case((condition, 1)))

    def exact_aggregates(self, column: SqlColumn) -> dict[str, ColumnElement]:
        """The aggregates of ``AGGREGATES_BY_KIND`` (std as ``spread``, see ``spread_to_std``)."""
        if column.kind == NUMERIC:
            return self.numeric_aggregates(column)
        if column.kind == BOOLEAN:
            return {"non_null": sa.func.count(column.ref()), "trues": self.count_where(column.ref())}
        if column.kind == CATEGORICAL:
            return self.text_aggregates(column)
        return {"non_null": sa.func.count(column.ref()), **self.datetime_aggregates(column)}

    # ---- numbers: moments and extremes of finite values; infinities are present values

    def finite_condition(self, column: SqlColumn) -> ColumnElement:
        value = column.ref()
        return sa.and_(value > -INFINITY, value < INFINITY)

    def present(self, column: SqlColumn) -> ColumnElement:
        """Non-missing values (a NaN is missing, as in pandas)."""
        return column.ref()

    def numeric_aggregates(self, column: SqlColumn) -> dict[str, ColumnElement]:
        value = column.ref()
        if column.is_integer:  # always finite; float8 as pandas' float64
            finite = sa.cast(value, sa.Double())
        else:
            finite = sa.case((self.finite_condition(column), value))
        return {
            "non_null": sa.func.count(self.present(column)),
            "mean": sa.func.avg(finite),
            **self.spread(finite),
            "min": sa.func.min(finite),
            "max": sa.func.max(finite),
            "zeros": self.count_where(value == 0),  # zero is finite; NaN = 0 is false
        }

    def raw_numeric_aggregates(self, column: SqlColumn) -> dict[str, ColumnElement]:
        """Moments and extremes of the raw values, for databases where NaN sorts above +Infinity
        (PostgreSQL, DuckDB): exact unless the column holds NaN or an infinity, which then shows
        in min (-Infinity) or max (NaN, Infinity); ``settle_raw_numeric`` checks."""
        value = column.ref()
        moments = sa.cast(value, sa.Double()) if column.is_integer else value
        return {
            "non_null": sa.func.count(value),
            "mean": sa.func.avg(moments),
            **self.spread(moments),  # the same argument as avg: PostgreSQL shares one state
            "min": sa.func.min(value),
            "max": sa.func.max(value),
            "zeros": self.count_where(value == 0),
        }

    def settle_raw_numeric(self, column: SqlColumn, values: dict[str, Any]) -> dict[str, Any] | None:
        if column.is_integer:
            return values
        extremes = [values["min"], values["max"]]
        return values if all(value is None or math.isfinite(float(value)) for value in extremes) else None

    def spread(self, values: ColumnElement) -> dict[str, ColumnElement]:
        """Aggregates from which ``spread_to_std`` gets the population standard deviation."""
        return {"std": sa.func.stddev_pop(values)}

    # ---- text: string lengths come from the sample (``SAMPLED_ABOVE_SAMPLE_ROWS``)

    def text(self, column: SqlColumn) -> ColumnElement:
        return column.ref() if column.is_text else sa.cast(column.ref(), sa.Text())

    def text_aggregates(self, column: SqlColumn) -> dict[str, ColumnElement]:
        text = self.text(column)
        return {"non_null": sa.func.count(text), "empties": self.count_where(text == "")}

    def datetime_aggregates(self, column: SqlColumn) -> dict[str, ColumnElement]:
        """``span_seconds`` (the mean time of day comes from the sample)."""
        raise NotImplementedError

    def bernoulli(self, probability: float) -> ColumnElement:
        """A condition true for each row independently with the given probability."""
        raise NotImplementedError

    def random(self) -> ColumnElement:
        """A random value per row, to order rows by."""
        return sa.func.random()

    def distinct_rows(self, columns: list[SqlColumn], relation: sa.Subquery) -> sa.Select:
        """The number of distinct rows (NULLs equal, NaN as NULL): DISTINCT compares whole rows."""
        present = (self.present(column).label(column.name) for column in columns)
        distinct = sa.select(*present).select_from(relation).distinct().subquery("distinct_rows")
        return sa.select(sa.func.count()).select_from(distinct)

    def row_hash(self, columns: list[SqlColumn]) -> ColumnElement | None:
        """A 64-bit hash of the whole row (equal rows, equal hashes; NULLs equal, NaN as NULL),
        in ``[hash_low, hash_low + hash_span)``; None where the database has no hash function."""
        return None

    def key_hash(self, column: SqlColumn) -> tuple[int, ColumnElement] | None:
        """A hash of one column's values much cheaper than ``row_hash``, and its rank among the
        columns to try (lower first: the types with the most distinct values); None where the
        database has none for the column's type. See ``sql_engine._hash_bucket``."""
        return None

    def in_bucket(self, hashed: ColumnElement, fraction: float) -> ColumnElement:
        """Rows whose hash falls in the lowest ``fraction`` of the hash range: both copies of a
        duplicate row together, each distinct row with probability ``fraction``."""
        cut = self.hash_low + math.ceil(fraction * self.hash_span)
        # The lower bound is always true, but a range is estimated to keep few rows (PostgreSQL:
        # 0.5%) where "hash < cut" alone would be a third: the sample's LIMIT then keeps the scan
        # parallel. Second, so that it is evaluated on the bucket's rows only.
        return sa.and_(hashed < self._bound(cut), hashed >= self._bound(self.hash_low))

    @staticmethod
    def _bound(value: int) -> ColumnElement:
        return sa.literal(value, sa.BigInteger() if value < 2**63 else sa.Numeric(20, 0))


def spread_to_std(spread: dict[str, object]) -> float:
    if "std" in spread:
        return math.nan if spread["std"] is None else float(spread["std"])
    if spread["mean"] is None:
        return math.nan
    mean = float(spread["mean"])
    # E[x²] - E[x]² loses about log10((mean/std)²) of float64's 16 digits to cancellation, and
    # can dip below zero for a constant column: clamped.
    return math.sqrt(max(float(spread["mean_of_squares"]) - mean * mean, 0.0))


class Postgres(SqlDialect):
    name = "postgresql"

    def _special(self, column: SqlColumn, value: str) -> ColumnElement:
        """'NaN' or 'Infinity' of the column's type; plain NUMERIC, as NUMERIC(p, s) cannot hold infinity."""
        return sa.cast(sa.literal(value), sa.Double() if isinstance(column.type, sa.Float) else sa.Numeric())

    def present(self, column: SqlColumn) -> ColumnElement:
        if column.kind == NUMERIC and not column.is_integer:
            return sa.func.nullif(column.ref(), self._special(column, "NaN"))
        return column.ref()

    def finite_condition(self, column: SqlColumn) -> ColumnElement:
        # NaN sorts above +Infinity in PostgreSQL, so "< Infinity" leaves NaN out too.
        if isinstance(column.type, sa.Float):
            return super().finite_condition(column)
        value = column.ref()  # NUMERIC, kept exact: casting it to float8 goes through text, 5x slower
        if self.server_version < (14,):  # no infinite numerics before PostgreSQL 14
            return value != self._special(column, "NaN")
        infinity = self._special(column, "Infinity")
        return sa.and_(value > -infinity, value < infinity)

    def datetime_aggregates(self, column: SqlColumn) -> dict[str, ColumnElement]:
        stamps = column.ref()
        # EXTRACT(epoch ...): exact microseconds, UTC-based for timestamptz; on two values only.
        return {"span_seconds": sa.extract("epoch", sa.func.max(stamps)) - sa.extract("epoch", sa.func.min(stamps))}

    # ---- the one scan: cheap aggregates, checked by settle (see the module docstring)

    def count_where(self, condition: ColumnElement) -> ColumnElement:
        return sa.func.count().filter(condition)  # FILTER skips the transition call: cheaper than CASE

    raw_moments = True

    def bernoulli(self, probability: float) -> ColumnElement:
        return sa.func.random() < probability

    def row_hash(self, columns: list[SqlColumn]) -> ColumnElement | None:
        fields = [self.text(column) if column.kind == CATEGORICAL else self.present(column) for column in columns]
        if self.server_version >= (14,):
            # See distinct_rows: a 64-bit hash of the row's values, seeded.
            return sa.func.hash_record_extended(sa.func.row(*fields), ROW_HASH_SEED)
        # The first 64 bits of the md5 of the row's text form, as a signed bigint.
        digest = sa.func.md5(sa.cast(sa.func.row(*(self.present(column) for column in columns)), sa.Text()))
        bits = sa.cast(sa.literal("x") + sa.func.substr(digest, 1, 16), postgresql.BIT(64))
        return sa.cast(bits, sa.BigInteger())

    def key_hash(self, column: SqlColumn) -> tuple[int, ColumnElement] | None:
        # The type's own hash function: a third of the cost of hash_record_extended of one field.
        # The cast is a no-op on a column of that type, and makes a declared type that differs
        # from the table's (Integer for a bigint) still call an existing function.
        functions = (
            (sa.Float, "hashfloat8extended", sa.Double()),
            (sa.DateTime, None if column.has_time_zone else "timestamp_hash_extended", sa.DateTime()),
            (sa.Integer, "hashint8extended", sa.BigInteger()),
            (sa.Numeric, "hash_numeric_extended", sa.Numeric()),
            (sa.String, "hashtextextended", sa.Text()),
        )
        for rank, (kind, function, argument) in enumerate(functions):
            if isinstance(column.type, kind):
                if function is None:
                    return None
                return rank, getattr(sa.func, function)(sa.cast(column.ref(), argument), KEY_HASH_SEED)
        return None

    def distinct_rows(self, columns: list[SqlColumn], relation: sa.Subquery) -> sa.Select:
        # Rows are grouped by a hash of the whole row rather than by their columns: a 10M-row
        # table takes ~9 s either way on 2 cores, but a hash also works for types without
        # equality (json) and its cost does not depend on which columns tell rows apart.
        if self.server_version >= (14,):
            # hash_record_extended: a 64-bit hash of the row's values, without turning them into
            # text (3x faster than md5 of the text). Like the pandas and polars engines' 64-bit
            # hashes: ~3e-6 expected false duplicates among 10^7 rows. Columns of other types
            # (json has no hash function) are hashed through their text form. The seed must not
            # be 0: a NULL field adds 0 to the row's hash, and so does a 0.0 under seed 0.
            fields = [self.text(column) if column.kind == CATEGORICAL else self.present(column) for column in columns]
            hashed = sa.func.hash_record_extended(sa.func.row(*fields), ROW_HASH_SEED)
        else:
            # md5 of the row's text form, which is unambiguous: fields holding separators or
            # quotes are quoted and escaped, NULL prints as nothing and '' as "", and every
            # built-in type's output is one-to-one. A 128-bit hash: collisions are impossible
            # in practice (~10^-25 among 10^7 rows); as uuid for cheap 16-byte comparisons.
            row = sa.func.row(*(self.present(column) for column in columns))
            hashed = sa.cast(sa.func.md5(sa.cast(row, sa.Text())), sa.Uuid())
        groups = sa.select(hashed.label("row_hash")).select_from(relation).group_by(hashed).subquery("row_hashes")
        return sa.select(sa.func.count()).select_from(groups)


class Sqlite(SqlDialect):
    name = "sqlite"

    def spread(self, values: ColumnElement) -> dict[str, ColumnElement]:
        # SQLite has no stddev; see spread_to_std for the precision this keeps.
        return {"mean_of_squares": sa.func.avg(values * values)}

    def _epoch_ms(self, column: SqlColumn) -> ColumnElement:
        # SQLite keeps datetimes as text and resolves them to the millisecond: julianday() is
        # exact to well under a millisecond, so rounding gives the exact millisecond count.
        days = sa.func.julianday(column.ref()) - UNIX_EPOCH_JULIAN_DAY
        return sa.cast(sa.func.round(days * MS_PER_DAY), sa.BigInteger())

    def datetime_aggregates(self, column: SqlColumn) -> dict[str, ColumnElement]:
        epoch_ms = self._epoch_ms(column)
        return {"span_seconds": (sa.func.max(epoch_ms) - sa.func.min(epoch_ms)) / 1000.0}

    def bernoulli(self, probability: float) -> ColumnElement:
        # random() is a signed 64-bit integer; abs() of the remainder never overflows, as
        # abs(random()) can (for -2^63).
        scale = 1_000_000_000
        return sa.func.abs(sa.func.random() % scale) < math.ceil(probability * scale)

    def distinct_rows(self, columns: list[SqlColumn], relation: sa.Subquery) -> sa.Select:
        # SQLite's DISTINCT compares whole rows, NULLs equal; small databases, no need to hash.
        distinct = sa.select(*(column.ref() for column in columns)).select_from(relation).distinct().subquery("distinct_rows")
        return sa.select(sa.func.count()).select_from(distinct)


class Duckdb(SqlDialect):
    """DuckDB, mostly for files it scans in place. NaN equals NaN and sorts above +Infinity, as in
    PostgreSQL, so ``nullif`` and the base class's finite range leave it out."""

    name = "duckdb"

    def present(self, column: SqlColumn) -> ColumnElement:
        if column.kind == NUMERIC and isinstance(column.type, sa.Float):
            return sa.func.nullif(column.ref(), sa.cast(sa.literal("NaN"), sa.Double()))
        return column.ref()

    def datetime_aggregates(self, column: SqlColumn) -> dict[str, ColumnElement]:
        stamps = column.ref()
        # UTC-based for TIMESTAMP WITH TIME ZONE, microseconds exact; a DATE is midnight
        seconds = sa.func.epoch(stamps if isinstance(column.type, sa.DateTime) else sa.cast(stamps, sa.DateTime()))
        return {"span_seconds": sa.func.max(seconds) - sa.func.min(seconds)}

    def bernoulli(self, probability: float) -> ColumnElement:
        return sa.func.random() < probability

    hash_low = 0  # hash() is an unsigned 64-bit integer
    hash_span = 2**64

    def count_where(self, condition: ColumnElement) -> ColumnElement:
        return sa.func.count_if(condition)  # half the cost of FILTER or CASE in DuckDB 2.0

    raw_moments = True

    def key_hash(self, column: SqlColumn) -> tuple[int, ColumnElement] | None:
        # The bucket's scan decodes every column only for the rows the key lets through.
        for rank, kind in enumerate((sa.Float, sa.DateTime, sa.Integer, sa.Numeric, sa.String)):
            if isinstance(column.type, kind):
                return rank, sa.func.hash(column.ref(), KEY_HASH_SEED)  # a second argument: another hash
        return None

    def row_hash(self, columns: list[SqlColumn]) -> ColumnElement | None:
        # Vectorised and cheap: no need for a pre-filter key. NULL hashes to a constant; -0.0 and
        # 0.0 hash alike, as they group alike.
        return sa.func.hash(*(self.present(column) for column in columns))


DIALECTS: dict[str, type[SqlDialect]] = {"postgresql": Postgres, "sqlite": Sqlite, "duckdb": Duckdb}


def dialect_for(name: str, server_version: tuple | None = None) -> SqlDialect:
    from quality_gates.checks.profiles.sql_warehouses import WAREHOUSES

    dialects = {**DIALECTS, **WAREHOUSES}
    try:
        return dialects[name](server_version)
    except KeyError:
        raise UnsupportedDialectError(
            f"SQL profiling runs on {', '.join(dialects)}, not {name}: read the data into pandas or polars instead"
        ) from None
