"""Tables and queries behind any Airflow SQL connection (common-sql's DbApiHook)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, column, inspect, literal_column, select, table, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import NullType

if TYPE_CHECKING:  # pandas is imported when data is read, not when a DAG file is parsed
    import pandas as pd

from quality_gates.sources.base import DEFAULT_CHUNK_SIZE, SourceConfigurationError, SourceError

# Connection type → the provider package that brings its hook (the common SQL databases).
PROVIDER_PACKAGES = {
    "postgres": "apache-airflow-providers-postgres",
    "mysql": "apache-airflow-providers-mysql",
    "sqlite": "apache-airflow-providers-sqlite",
    "mssql": "apache-airflow-providers-microsoft-mssql",
    "oracle": "apache-airflow-providers-oracle",
    "snowflake": "apache-airflow-providers-snowflake",
    "redshift": "apache-airflow-providers-amazon",
    "gcpbigquery": "apache-airflow-providers-google",
    "google_cloud_platform": "apache-airflow-providers-google",
    "databricks": "apache-airflow-providers-databricks",
    "trino": "apache-airflow-providers-trino",
    "presto": "apache-airflow-providers-presto",
    "vertica": "apache-airflow-providers-vertica",
    "exasol": "apache-airflow-providers-exasol",
    "teradata": "apache-airflow-providers-teradata",
    "odbc": "apache-airflow-providers-odbc",
    "jdbc": "apache-airflow-providers-jdbc",
    "hive_cli": "apache-airflow-providers-apache-hive",
    "impala": "apache-airflow-providers-apache-impala",
    "druid": "apache-airflow-providers-apache-druid",
    "pinot": "apache-airflow-providers-apache-pinot",
    "ydb": "apache-airflow-providers-ydb",
}


def _hook_error(conn_id: str, conn_type: str | None, exc: Exception) -> str:
    if "Unknown hook type" in str(exc):
        package = PROVIDER_PACKAGES.get((conn_type or "").lower())
        install = f"install {package} on the workers" if package else "install the Airflow provider package that defines it"
        return f"connection '{conn_id}' has type '{conn_type}', which no installed Airflow provider knows: {install}"
    return f"connection '{conn_id}' (type {conn_type}): cannot create its hook: {type(exc).__name__}: {exc}"


class SqlSource:
    """Rows of ``table`` (optionally filtered by ``where``) or of a ``sql`` query.

    ``key_columns`` name a failing row in failure samples of pushed-down checks (the row's
    position otherwise); ``timeout_seconds`` is each statement's timeout where the database has one.

    ``where`` is either a mapping ``{column: value}`` (identifiers quoted, values bound) or a
    SQL condition with ``:name`` placeholders whose values come from ``parameters``. Values are
    always bound, never formatted into the SQL text, so a partition such as ``x'; drop --``
    is just a string.
    """

    template_fields = ("conn_id", "sql", "table", "where", "parameters")

    def __init__(
        self,
        conn_id: str,
        sql: str | None = None,
        table: str | None = None,
        where: str | Mapping[str, Any] | None = None,
        parameters: Mapping[str, Any] | None = None,
        key_columns: str | list[str] | None = None,
        timeout_seconds: float | None = None,
    ):
        if (sql is None) == (table is None):
            raise SourceConfigurationError("SqlSource needs exactly one of sql= or table=")
        if sql is not None and where is not None:
            raise SourceConfigurationError("SqlSource: where= applies to table=; put the condition in sql=")
        self.conn_id = conn_id
        self.sql = sql
        self.table = table
        self.where = where
        self.parameters = dict(parameters or {})
        # Columns that name a row in failure cases (e.g. the primary key).
        self.key_columns = [key_columns] if isinstance(key_columns, str) else list(key_columns or [])
        self.timeout_seconds = timeout_seconds

    def describe(self) -> str:
        what = f"table {self.table}" if self.table else "query"
        return f"{what} (connection '{self.conn_id}')"

    def default_dataset(self) -> str | None:
        return self.table

    def compute(self, engine: str = "auto"):
        """The query on the connection's engine: gates compute in the database (``engine`` only
        matters for files)."""
        from quality_gates.engines.computation import SqlQuery

        engine = self.engine()
        try:
            statement = self.statement(engine)
        except SQLAlchemyError as exc:
            raise SourceError(f"cannot read {self.describe()}: {str(getattr(exc, 'orig', None) or exc).strip()}") from exc
        return SqlQuery(engine, statement, self.describe(), tuple(self.key_columns), self.timeout_seconds)

    def engine(self):
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException

        try:
            connection = BaseHook.get_connection(self.conn_id)
        except AirflowNotFoundException:
            raise SourceConfigurationError(f"Airflow connection '{self.conn_id}' does not exist") from None
        try:
            hook = connection.get_hook()
        except Exception as exc:  # Airflow raises a bare AirflowException for a type no provider knows
            raise SourceConfigurationError(_hook_error(self.conn_id, connection.conn_type, exc)) from exc
        if not hasattr(hook, "get_sqlalchemy_engine"):
            raise SourceConfigurationError(f"connection '{self.conn_id}' (type {connection.conn_type}) is not a SQL connection")
        return hook.get_sqlalchemy_engine()

    def statement(self, engine=None):
        """The SELECT to run, with every user value as a bound parameter."""
        if self.sql is not None:
            return text(self.sql).bindparams(**self.parameters) if self.parameters else text(self.sql)
        schema, _, name = self.table.rpartition(".")
        source = table(name, schema=schema or None)
        if engine is not None and not inspect(engine).has_table(name, schema=schema or None):
            raise SourceError(f"table {self.table} does not exist (connection '{self.conn_id}')")
        query = select(literal_column("*")).select_from(source)
        if isinstance(self.where, Mapping):
            # Untyped binds: the database casts the value to the column's type ('2024-06-01'
            # compares with a DATE column), where a typed VARCHAR bind would not.
            conditions = [
                column(key) == bindparam(f"where_{i}", value, type_=NullType()) for i, (key, value) in enumerate(self.where.items())
            ]
            query = query.where(and_(*conditions))
        elif self.where:
            condition = text(self.where)
            query = query.where(condition.bindparams(**self.parameters) if self.parameters else condition)
        return query

    def read_chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[pd.DataFrame]:
        import pandas as pd
        from pandas.errors import DatabaseError

        engine = self.engine()
        try:
            statement = self.statement(engine)
            # A server-side cursor: the database sends chunk_size rows at a time, so a table of
            # any size is validated in bounded memory.
            with engine.connect().execution_options(stream_results=True, max_row_buffer=chunk_size) as connection:
                yield from pd.read_sql(statement, connection, chunksize=chunk_size)
        except (SQLAlchemyError, DatabaseError) as exc:
            cause = exc.__cause__ if isinstance(exc, DatabaseError) and exc.__cause__ else exc
            message = str(getattr(cause, "orig", None) or cause).strip().splitlines()[0]
            raise SourceError(f"cannot read {self.describe()}: {message}") from exc
