"""Profile SQL for the warehouses: Snowflake, BigQuery, Trino, Databricks and Redshift.

Compiled and parsed in the tests (tests/unit/test_warehouse_profile_sql.py), not executed: no
warehouse can be reached from the test machine. The statements are those of the executed
databases (one aggregate scan; the hash bucket for the sample and the duplicate-row share;
the exact pass and the fallbacks), with what each warehouse spells its own way:

* the row hash: Snowflake ``HASH(...)``, BigQuery ``FARM_FINGERPRINT`` of the row as JSON, Trino
  ``xxhash64`` of the row as JSON, Databricks ``xxhash64`` (with a null flag per column, as it
  skips nulls), Redshift the first 60 bits of ``MD5`` of the row's text;
* epoch microseconds of a timestamp, NaN and infinities of floats, random numbers.

Approximate aggregates (``APPROX_PERCENTILE``, ``APPROX_QUANTILES``, ``approx_count_distinct``,
HyperLogLog) are not used, on purpose: quantiles, top values and distinct ratios come from the
same uniform sample as on every other engine (bounds in ``checks/profiles/model.py``), so that
one table profiled on two engines agrees within those bounds; and a HyperLogLog distinct count
at its usual precision (about ±1.6% on Snowflake, ±2% on Redshift, ±0.4% at best on Trino)
cannot tell a 1% replay of rows from none, where the hash bucket's exact count of ~100,000 rows
can (docs/engines.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import UserDefinedType

from quality_gates.checks.profiles.model import NUMERIC
from quality_gates.checks.profiles.sql_columns import SqlColumn
from quality_gates.checks.profiles.sql_dialects import SqlDialect

US_PER_DAY = 86_400_000_000


class NamedType(UserDefinedType):
    """A SQL type written as the warehouse spells it (``STRING``, ``JSON``, ``FLOAT64``)."""

    cache_ok = True

    def __init__(self, name: str):
        self.name = name

    def get_col_spec(self, **kw) -> str:
        return self.name

    def literal_processor(self, dialect):
        # Constants compared with a value of this type (''), in compiled SQL with literal binds.
        def process(value) -> str:
            return "'" + value.replace("'", "''") + "'" if isinstance(value, str) else repr(value)

        return process


class Warehouse(SqlDialect):
    """What the warehouses share: portable aggregates, floats' specials spelled per warehouse,
    datetimes through epoch microseconds."""

    float_type = "DOUBLE"
    text_type = "VARCHAR"

    def special(self, value: str) -> ColumnElement:
        return sa.cast(sa.literal(value), NamedType(self.float_type))

    def finite_condition(self, column: SqlColumn) -> ColumnElement:
        value = column.ref()
        if not isinstance(column.type, sa.Float):  # DECIMAL holds no NaN or infinity here
            return value.is_not(None)
        # NaN sorts above +Infinity on Snowflake, Databricks and Redshift: "< Infinity" drops it.
        return sa.and_(value > self.special("-Infinity"), value < self.special("Infinity"))

    def present(self, column: SqlColumn) -> ColumnElement:
        if column.kind == NUMERIC and isinstance(column.type, sa.Float):
            return sa.func.nullif(column.ref(), self.special("NaN"))
        return column.ref()

    def text(self, column: SqlColumn) -> ColumnElement:
        return column.ref() if column.is_text else sa.cast(column.ref(), NamedType(self.text_type))

    def epoch_microseconds(self, stamps: ColumnElement, column: SqlColumn) -> ColumnElement:
        raise NotImplementedError

    def datetime_aggregates(self, column: SqlColumn) -> dict[str, ColumnElement]:
        micros = self.epoch_microseconds(column.ref(), column)
        return {"span_seconds": (sa.func.max(micros) - sa.func.min(micros)) / 1e6}

    def bernoulli(self, probability: float) -> ColumnElement:
        return self.random() < probability


class Snowflake(Warehouse):
    name = "snowflake"
    float_type = "FLOAT"

    def random(self) -> ColumnElement:
        return sa.func.uniform(sa.literal(0.0), sa.literal(1.0), sa.func.random())  # RANDOM() is a 64-bit integer

    def epoch_microseconds(self, stamps: ColumnElement, column: SqlColumn) -> ColumnElement:
        return sa.func.date_part(sa.literal_column("epoch_microsecond"), stamps)  # UTC-based for TIMESTAMP_TZ

    def row_hash(self, columns: list[SqlColumn]) -> ColumnElement | None:
        return sa.func.hash(*(self.present(column) for column in columns))  # signed 64-bit; NULL is a value


class BigQuery(Warehouse):
    name = "bigquery"
    float_type = "FLOAT64"
    text_type = "STRING"

    def finite_condition(self, column: SqlColumn) -> ColumnElement:
        if not isinstance(column.type, sa.Float):
            return column.ref().is_not(None)
        return sa.and_(sa.not_(sa.func.is_inf(column.ref())), sa.not_(sa.func.is_nan(column.ref())))

    def present(self, column: SqlColumn) -> ColumnElement:
        if column.kind == NUMERIC and isinstance(column.type, sa.Float):  # NaN = NaN is false here
            return sa.case((sa.func.is_nan(column.ref()), sa.null()), else_=column.ref())
        return column.ref()

    def random(self) -> ColumnElement:
        return sa.func.rand()

    def epoch_microseconds(self, stamps: ColumnElement, column: SqlColumn) -> ColumnElement:
        if isinstance(column.type, sa.DateTime):  # DATETIME (no zone) is read as UTC, as pandas does
            return sa.func.unix_micros(stamps if column.has_time_zone else sa.func.timestamp(stamps))
        return sa.func.unix_date(stamps) * US_PER_DAY

    def row_hash(self, columns: list[SqlColumn]) -> ColumnElement | None:
        row = sa.func.to_json_string(sa.func.struct(*(self.present(column) for column in columns)))
        return sa.func.farm_fingerprint(row)  # signed INT64


class Trino(Warehouse):
    name = "trino"

    def finite_condition(self, column: SqlColumn) -> ColumnElement:
        return sa.func.is_finite(column.ref()) if isinstance(column.type, sa.Float) else column.ref().is_not(None)

    def present(self, column: SqlColumn) -> ColumnElement:
        if column.kind == NUMERIC and isinstance(column.type, sa.Float):
            return sa.case((sa.func.is_nan(column.ref()), sa.null()), else_=column.ref())
        return column.ref()

    def epoch_microseconds(self, stamps: ColumnElement, column: SqlColumn) -> ColumnElement:
        zoned = stamps if column.has_time_zone else sa.func.with_timezone(stamps, "UTC")
        # to_unixtime is a double of seconds: microseconds are exact up to 2^53 (year 2255).
        return sa.func.round(sa.func.to_unixtime(zoned) * 1_000_000)

    def row_hash(self, columns: list[SqlColumn]) -> ColumnElement | None:
        # The row as a JSON array of its values' text (dates and timestamps have no JSON cast):
        # NULL is null, '' is "", so the text is one-to-one.
        fields = (sa.cast(self.present(column), NamedType("VARCHAR")) for column in columns)
        as_json = sa.func.json_format(sa.cast(sa.func.row(*fields), NamedType("JSON")))
        return sa.func.from_big_endian_64(sa.func.xxhash64(sa.func.to_utf8(as_json)))


class Databricks(Warehouse):
    name = "databricks"
    text_type = "STRING"

    def random(self) -> ColumnElement:
        return sa.func.rand()

    def epoch_microseconds(self, stamps: ColumnElement, column: SqlColumn) -> ColumnElement:
        return sa.func.unix_micros(sa.cast(stamps, NamedType("TIMESTAMP")))

    def row_hash(self, columns: list[SqlColumn]) -> ColumnElement | None:
        # xxhash64 skips NULL arguments: a flag per column tells (NULL, 1) from (1, NULL).
        fields = []
        for column in columns:
            fields += [self.present(column), column.ref().is_(None)]
        return sa.func.xxhash64(*fields)


class Redshift(Warehouse):
    name = "redshift"
    float_type = "FLOAT8"
    # The first 15 hex digits of an MD5: a non-negative 60-bit integer (STRTOL's BIGINT).
    hash_low = 0
    hash_span = 2**60
    NULL_MARK = "\\N"

    def epoch_microseconds(self, stamps: ColumnElement, column: SqlColumn) -> ColumnElement:
        epoch: ColumnElement = sa.literal_column("TIMESTAMP '1970-01-01 00:00:00'")
        return sa.func.datediff(sa.literal_column("microsecond"), epoch, stamps)

    def row_hash(self, columns: list[SqlColumn]) -> ColumnElement | None:
        # Unit separators between fields, \N for NULL: ambiguous only for values holding them.
        parts: list[ColumnElement] = []
        for column in columns:
            text = sa.cast(self.present(column), NamedType("VARCHAR(65535)"))
            parts += [sa.func.coalesce(text, self.NULL_MARK), sa.func.chr(31)]  # the unit separator
        row = parts[0]
        for part in parts[1:]:
            row = row.op("||")(part)
        return sa.func.strtol(sa.func.left(sa.func.md5(row), 15), 16)


WAREHOUSES: dict[str, type[SqlDialect]] = {dialect.name: dialect for dialect in (Snowflake, BigQuery, Trino, Databricks, Redshift)}
