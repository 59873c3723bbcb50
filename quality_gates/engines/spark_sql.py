"""SQLAlchemy statements run as Spark SQL: one definition of the model and serving sums serves
the databases and Spark alike.

A statement is compiled with ``SparkSqlDialect`` (backtick identifiers, named ``:parameters``)
and run by ``spark.sql(text, args=...)``, Spark's parameterised queries: values are never
formatted into the text. Only the statement's (small) result is collected, as Rows. The dialect
is named ``databricks``: Spark SQL is the SQL Databricks runs, so dialect-specific spellings
(``monotonically_increasing_id()``, ``unix_micros``) are chosen once for both.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.sql.compiler import IdentifierPreparer


class _Backticks(IdentifierPreparer):
    def __init__(self, dialect: Any):
        super().__init__(dialect, initial_quote="`", escape_quote="`")


class SparkSqlDialect(DefaultDialect):
    name = "databricks"
    paramstyle = "named"
    preparer = _Backticks
    supports_statement_cache = True


def temp_view(frame: Any, prefix: str) -> str:
    """Register ``frame`` as a session-scoped view with a fresh name."""
    name = f"{prefix}_{uuid4().hex[:12]}"
    frame.createOrReplaceTempView(name)
    return name


class SparkRows:
    """The part of a SQLAlchemy result the sums code reads."""

    def __init__(self, rows: list[tuple]):
        self.rows = rows

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.rows)

    def scalar_one(self) -> Any:
        (row,) = self.rows
        return row[0]

    def scalars(self) -> Iterator[Any]:
        return (row[0] for row in self.rows)

    def one(self) -> tuple:
        (row,) = self.rows
        return row


class SparkSqlConnection:
    """Runs SQLAlchemy statements on a Spark session, like a SQLAlchemy connection's ``execute``."""

    dialect = SparkSqlDialect()

    def __init__(self, spark: Any):
        self.spark = spark

    def execute(self, statement: Any) -> SparkRows:
        compiled = statement.compile(dialect=self.dialect)
        frame = self.spark.sql(str(compiled), args=dict(compiled.params) or None)
        return SparkRows([tuple(row) for row in frame.collect()])
