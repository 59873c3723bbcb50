"""The columns of any SQL selectable, with their kinds, and the selectable as a subquery.

Names come from a ``LIMIT 0`` query over the selectable, so a ``text()`` query works as well as
a ``select()``. Types, in order of trust:

1. types SQLAlchemy already knows (``Table`` columns, ``text(...).columns(name=Type)``);
2. PostgreSQL: the type OIDs the server reports for the query's result columns;
3. SQLite: the declared types of the table(s) the select reads (SQLite reports no result types);
4. SQLite, what remains: the storage class of the first non-null values (ISO-8601 text is a
   datetime; 0/1 booleans are numbers; a column with no values yet is categorical). Declare
   types with ``text(...).columns(name=Type)`` when this guess is not enough.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import TextClause, quoted_name
from sqlalchemy.sql.selectable import TableClause, TextualSelect
from sqlalchemy.types import NullType, TypeEngine

from quality_gates.checks.profiles.model import BOOLEAN, CATEGORICAL, DATETIME, NUMERIC

SUBQUERY_NAME = "profiled"
PROBE_ROWS = 1_000

# pg_type OIDs of built-in types; any other type is categorical, profiled through its text form.
POSTGRES_TYPES: dict[int, TypeEngine] = {
    16: sa.Boolean(),
    20: sa.BigInteger(),
    21: sa.SmallInteger(),
    23: sa.Integer(),
    700: sa.REAL(),
    701: sa.Double(),
    1700: sa.Numeric(),
    1082: sa.Date(),
    1114: sa.DateTime(),
    1184: sa.DateTime(timezone=True),
    25: sa.Text(),
    1043: sa.String(),
    1042: sa.String(),
    19: sa.String(),
}
OTHER_TYPE = NullType()
# DuckDB reports each result column's type by name ("DECIMAL(10,2)", "TIMESTAMP WITH TIME ZONE").
DUCKDB_TYPES: tuple[tuple[str, TypeEngine], ...] = (
    ("BOOLEAN", sa.Boolean()),
    ("TIMESTAMP WITH TIME ZONE", sa.DateTime(timezone=True)),
    ("TIMESTAMP", sa.DateTime()),
    ("DATE", sa.Date()),
    ("DECIMAL", sa.Numeric()),
    ("DOUBLE", sa.Double()),
    ("FLOAT", sa.REAL()),
    ("HUGEINT", sa.BigInteger()),
    ("UBIGINT", sa.BigInteger()),
    ("BIGINT", sa.BigInteger()),
    ("UINTEGER", sa.BigInteger()),
    ("INTEGER", sa.Integer()),
    ("USMALLINT", sa.Integer()),
    ("SMALLINT", sa.SmallInteger()),
    ("UTINYINT", sa.SmallInteger()),
    ("TINYINT", sa.SmallInteger()),
    ("VARCHAR", sa.Text()),
)
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?)?")


@dataclass(frozen=True)
class SqlColumn:
    name: str
    kind: str
    type: TypeEngine

    @property
    def is_integer(self) -> bool:
        return isinstance(self.type, sa.Integer)

    @property
    def is_text(self) -> bool:
        return isinstance(self.type, sa.String)

    @property
    def has_time_zone(self) -> bool:
        return isinstance(self.type, sa.DateTime) and bool(self.type.timezone)

    def ref(self) -> sa.ColumnClause:
        # Always quoted: the name is exactly as the database reported it, and SQLAlchemy does not
        # know every keyword of every database (SQLite's NOTHING, NULLS).
        return sa.column(quoted_name(self.name, quote=True), self.type)

    def raw(self) -> sa.ColumnClause:
        """Untyped: the driver's own values, with no SQLAlchemy result processing."""
        return sa.column(quoted_name(self.name, quote=True))


def duckdb_type(name: str) -> TypeEngine:
    for prefix, type_ in DUCKDB_TYPES:
        if name.startswith(prefix):
            return type_
    return OTHER_TYPE


def kind_of(type_: TypeEngine) -> str:
    if isinstance(type_, sa.Boolean):
        return BOOLEAN
    if isinstance(type_, (sa.Integer, sa.Numeric, sa.Float)):  # SQLAlchemy 2.1: Float is no Numeric
        return NUMERIC
    if isinstance(type_, (sa.Date, sa.DateTime)):
        return DATETIME
    return CATEGORICAL


def discover(connection: Connection, selectable: sa.Select | TextClause) -> tuple[list[SqlColumn], sa.Subquery]:
    """The selectable's columns, and the selectable wrapped as a subquery to select from."""
    untyped = selectable.columns() if isinstance(selectable, TextClause) else selectable
    result = connection.execute(sa.select(sa.literal_column("*")).select_from(untyped.subquery(SUBQUERY_NAME)).limit(0))
    names = list(result.keys())
    descriptions = result.cursor.description or []
    result.close()

    types = _declared_types(selectable)
    if connection.dialect.name == "postgresql":
        for name, description in zip(names, descriptions):
            types.setdefault(name, POSTGRES_TYPES.get(description[1], OTHER_TYPE))
    elif connection.dialect.name == "sqlite":
        types = {**_sqlite_table_types(connection, selectable), **types}
    elif connection.dialect.name == "duckdb":
        for name, description in zip(names, descriptions):
            types.setdefault(name, duckdb_type(str(description[1])))
    unknown = [name for name in names if name not in types]
    if unknown:
        types |= _probe_types(connection, untyped.subquery(SUBQUERY_NAME), unknown)

    columns = [SqlColumn(name, kind_of(types[name]), types[name]) for name in names]
    if isinstance(selectable, TextClause):
        relation = selectable.columns(*(column.ref() for column in columns)).subquery(SUBQUERY_NAME)
    else:
        relation = selectable.subquery(SUBQUERY_NAME)
    return columns, relation


def _declared_types(selectable) -> dict[str, TypeEngine]:
    if not isinstance(selectable, (sa.Select, TextualSelect)):
        return {}
    return {
        column.key: column.type for column in selectable.selected_columns if column.key != "*" and not isinstance(column.type, NullType)
    }


def _sqlite_table_types(connection: Connection, selectable) -> dict[str, TypeEngine]:
    """Declared types of the columns of the tables a select reads (SQLite keeps them per table)."""
    if not isinstance(selectable, sa.Select):
        return {}
    inspector = sa.inspect(connection)
    types: dict[str, TypeEngine] = {}
    for source in selectable.get_final_froms():
        if isinstance(source, TableClause) and inspector.has_table(source.name, schema=source.schema):
            for column in inspector.get_columns(source.name, schema=source.schema):
                if not isinstance(column["type"], NullType):  # no declared type: guess from the values
                    types.setdefault(column["name"], column["type"])
    return types


def _probe_types(connection: Connection, relation: sa.Subquery, names: list[str]) -> dict[str, TypeEngine]:
    """Types guessed from the first rows' values, for databases that report none."""
    probed = (sa.column(quoted_name(name, quote=True)) for name in names)
    rows = connection.execute(sa.select(*probed).select_from(relation).limit(PROBE_ROWS)).all()
    types = {}
    for index, name in enumerate(names):
        values = [row[index] for row in rows if row[index] is not None]
        types[name] = _type_of_values(values)
    return types


def _type_of_values(values: list) -> TypeEngine:
    if values and all(isinstance(value, bool) for value in values):
        return sa.Boolean()
    if values and all(isinstance(value, int) and not isinstance(value, bool) for value in values):
        return sa.BigInteger()
    if values and all(isinstance(value, (int, float, decimal.Decimal)) for value in values):
        return sa.Double()
    if values and all(isinstance(value, (dt.date, dt.datetime)) for value in values):
        return sa.DateTime()
    if values and all(isinstance(value, str) and ISO_DATETIME.fullmatch(value) for value in values):
        return sa.DateTime()
    return sa.Text()
