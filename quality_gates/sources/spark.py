"""Data in Spark: a table (or files) filtered by ``where``, a Spark SQL query, or a callable
returning a Spark DataFrame; the session comes from an Airflow connection (see
``engines.spark_session``). Parsing a DAG that uses it never imports pyspark or starts a JVM."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from quality_gates.sources.base import DEFAULT_CHUNK_SIZE, SourceConfigurationError, SourceError


class SparkSource:
    """Exactly one of ``table`` (a catalog table), ``path`` (files of ``file_format``), ``sql``
    (Spark SQL; ``:name`` placeholders bound from ``parameters``) or ``fn`` (called as
    ``fn(spark, **op_kwargs)``, returns a DataFrame).

    ``where`` filters a table or path: a mapping ``{column: value}`` (values as literals of the
    DataFrame API) or a Spark SQL condition with ``:name`` placeholders from ``parameters``.
    Values are never formatted into SQL text.
    """

    template_fields = ("conn_id", "table", "path", "sql", "where", "parameters", "op_kwargs")

    def __init__(
        self,
        conn_id: str = "spark_default",
        *,
        table: str | None = None,
        path: str | None = None,
        file_format: str = "parquet",
        sql: str | None = None,
        fn: Callable[..., Any] | None = None,
        where: str | Mapping[str, Any] | None = None,
        parameters: Mapping[str, Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        key_columns: str | list[str] | None = None,
    ):
        given = [name for name, value in (("table", table), ("path", path), ("sql", sql), ("fn", fn)) if value is not None]
        if len(given) != 1:
            raise SourceConfigurationError(
                f"SparkSource needs exactly one of table=, path=, sql= or fn= (got {', '.join(given) or 'none'})"
            )
        if where is not None and (sql is not None or fn is not None):
            raise SourceConfigurationError("SparkSource: where= applies to table= or path=; put the condition in sql= or fn=")
        if fn is not None and not callable(fn):
            raise SourceConfigurationError(f"SparkSource: fn= must be callable, got {type(fn).__name__}")
        self.conn_id = conn_id
        self.table, self.path, self.file_format, self.sql, self.fn = table, path, file_format, sql, fn
        self.where = where
        self.parameters = dict(parameters or {})
        self.op_kwargs = dict(op_kwargs or {})
        self.key_columns = [key_columns] if isinstance(key_columns, str) else list(key_columns or [])

    def describe(self) -> str:
        if self.table:
            what = f"Spark table {self.table}"
        elif self.path:
            what = f"{self.file_format} files {self.path} in Spark"
        elif self.sql:
            what = "Spark SQL query"
        else:
            what = f"Spark callable {getattr(self.fn, '__qualname__', repr(self.fn))}"
        return f"{what} (connection '{self.conn_id}')"

    def default_dataset(self) -> str | None:
        return self.table or self.path

    def compute(self, engine: str = "auto"):
        """The DataFrame, computed by Spark (``engine`` only matters for files)."""
        from quality_gates.engines.computation import SparkFrame
        from quality_gates.engines.spark_session import session_for

        # A query or callable may join or aggregate: cached while a gate reads it several times.
        costly = self.sql is not None or self.fn is not None
        return SparkFrame(self.frame(session_for(self.conn_id)), self.describe(), tuple(self.key_columns), cache=costly)

    def frame(self, spark: Any) -> Any:
        try:
            return self._frame(spark)
        except (SourceError, SourceConfigurationError):
            raise
        except Exception as exc:
            raise _named_error(self, exc) from exc

    def _frame(self, spark: Any) -> Any:
        from pyspark.sql import functions as F

        if self.sql is not None:
            return spark.sql(self.sql, args=self.parameters or None)
        if self.fn is not None:
            frame = self.fn(spark, **self.op_kwargs)
            if not hasattr(frame, "schema") or not hasattr(frame, "agg"):
                raise SourceError(f"{self.describe()} returned {type(frame).__name__}, expected a Spark DataFrame")
            return frame
        frame = spark.table(self.table) if self.table else spark.read.format(self.file_format).load(self.path)
        if isinstance(self.where, Mapping):
            for column, value in self.where.items():
                frame = frame.where(F.col(f"`{column.replace('`', '``')}`") == F.lit(value))
        elif self.where:
            frame.createOrReplaceTempView(view := f"qg_source_{id(self):x}")
            frame = spark.sql(f"SELECT * FROM {view} WHERE {self.where}", args=self.parameters or None)
        return frame

    def read_chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[pd.DataFrame]:
        """Rows into the worker, chunk by chunk (for gates without a Spark implementation)."""
        from quality_gates.engines.spark import frame_chunks

        computation = self.compute()
        yield from frame_chunks(computation.frame, chunk_size, computation.name)


def _named_error(source: SparkSource, exc: Exception) -> Exception:
    from pyspark.errors import AnalysisException, ParseException

    from quality_gates.engines.spark_session import first_line, spark_error

    if isinstance(exc, ParseException) and source.sql is not None:
        return SourceConfigurationError(
            f"Spark SQL syntax error in sql= of {source.describe()}: {first_line(exc)}\nquery: {source.sql.strip()}"
        )
    if isinstance(exc, AnalysisException) and getattr(exc, "getCondition", lambda: None)() == "TABLE_OR_VIEW_NOT_FOUND" and source.table:
        return SourceError(f"table {source.table} does not exist ({source.describe()})")
    error = spark_error(source.describe(), exc)
    if isinstance(exc, AnalysisException) and source.sql is not None:
        error.args = (f"{error}\nquery: {source.sql.strip()}",)
    return error
