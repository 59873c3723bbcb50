"""Schema checks, partition profiles and column values computed by Spark.

Only aggregates and bounded samples leave Spark, collected as Rows (never ``toPandas``):

* schema checks: one aggregation with a filtered count per check (pandera's built-in checks
  translated to Spark Column expressions, pandas' semantics: NaN is missing), at most
  ``max_failure_cases`` failing rows per failing check, one grouped aggregation per uniqueness
  check; checks without a Spark form (custom checks, coerced dtypes) run by pandera on chunks of
  only the columns they read. The counts fill the same ``ChunkedSchemaValidator`` tallies as
  every other engine, so check rows, ``mostly`` and severities come from one place;
* partition profiles: one aggregation for the exact metrics of every column (moments, null,
  zero and negative fractions, extremes), numeric quantiles by ``percentile_approx`` over all
  rows (``QUANTILE_ACCURACY``: rank error at most rows / 10 000), the distinct-row count, and a
  uniform sample of ``sample_rows`` rows for the sample-based metrics (top values, distinct
  ratio), as the SQL engine does;
* column values: only the requested columns, streamed to the worker chunk by chunk.

Map, array and struct columns are profiled and checked through their JSON text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from quality_gates.checks.errors import PushdownError, require_unique_column_names
from quality_gates.engines.computation import DEFAULT_CHUNK_SIZE, SparkFrame
from quality_gates.engines.schema import check_pushdown_option
from quality_gates.engines.spark_session import spark_error

if TYPE_CHECKING:
    import pandas as pd

    from quality_gates.checks.profiles.model import PartitionProfile
    from quality_gates.checks.schema_validation import SchemaValidation

QUANTILE_ACCURACY = 10_000  # percentile_approx: the returned value's rank is within rows / accuracy
SAMPLE_SEED = 0
# Spark compiles a query stage to Java only while its rows have at most spark.sql.codegen.maxFields
# fields (default 100); the buffers of one aggregation over every column of a 15-column table
# exceed that, and the interpreted aggregation took twice the CPU (2M rows x 15 columns: 10.4 s
# vs 5.7 s). Raised for our aggregations only; Spark falls back by itself if the code gets too big.
CODEGEN_MAX_FIELDS = "10000"


def _run(computation: SparkFrame, work):
    """Spark's errors in the project's terms, naming the data."""
    try:
        return work()
    except PushdownError:
        raise
    except Exception as exc:
        from pyspark.errors import PySparkException

        if isinstance(exc, PySparkException) or type(exc).__module__.startswith(("py4j", "grpc")):
            raise spark_error(computation.name, exc) from exc
        raise


@contextmanager
def wide_aggregation(frame: Any) -> Iterator[None]:
    """Whole-stage code generation for one aggregation over many columns (``CODEGEN_MAX_FIELDS``);
    the session's setting is restored after. A server that forbids the setting (some managed
    Spark Connect services) runs the aggregation interpreted: slower, the same result."""
    conf = frame.sparkSession.conf
    key = "spark.sql.codegen.maxFields"
    try:
        before = conf.get(key, None)
        conf.set(key, CODEGEN_MAX_FIELDS)
    except Exception:  # pyspark and Spark Connect raise different types for a refused setting
        yield
        return
    try:
        yield
    finally:
        if before is None:
            conf.unset(key)
        else:
            conf.set(key, before)


@contextmanager
def passes(computation: SparkFrame) -> Iterator[Any]:
    """The frame for a statistic that reads it several times: persisted for the duration when
    ``computation.cache`` (a query or callable whose plan is costly to recompute); a table or
    file scan is used as is, since Spark re-reads only the columns each pass needs."""
    if not computation.cache:
        yield computation.frame
        return
    from pyspark import StorageLevel

    frame = computation.frame.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        yield frame
    finally:
        frame.unpersist()


# ---- columns ---------------------------------------------------------------------------------


def ref(name: str) -> Any:
    from pyspark.sql import functions as F

    return F.col(f"`{name.replace('`', '``')}`")


def kind_of(data_type: Any) -> str:
    from pyspark.sql import types as T

    from quality_gates.checks.profiles.model import BOOLEAN, CATEGORICAL, DATETIME, NUMERIC

    if isinstance(data_type, T.BooleanType):
        return BOOLEAN
    if isinstance(data_type, T.NumericType):
        return NUMERIC
    if isinstance(data_type, (T.DateType, T.TimestampType, T.TimestampNTZType)):
        return DATETIME
    return CATEGORICAL


def is_nested(data_type: Any) -> bool:
    from pyspark.sql import types as T

    return isinstance(data_type, (T.MapType, T.ArrayType, T.StructType))


def is_float(data_type: Any) -> bool:
    from pyspark.sql import types as T

    return isinstance(data_type, (T.FloatType, T.DoubleType))


def present(field: Any) -> Any:
    """The value, NULL where pandas sees a missing value (NaN too); nested values as JSON text."""
    from pyspark.sql import functions as F

    column = ref(field.name)
    if is_float(field.dataType):
        return F.when(~F.isnan(column), column)
    if is_nested(field.dataType):
        return F.to_json(column)
    return column


def frame_chunks(frame: Any, chunk_size: int, name: str) -> Iterator[pd.DataFrame]:
    """Rows of ``frame`` as pandas frames of at most ``chunk_size`` rows, built from Rows."""
    import pandas as pd

    fields = frame.schema.fields
    names = [field.name for field in fields]
    projected = frame.select(*(present(field).alias(field.name) if is_nested(field.dataType) else ref(field.name) for field in fields))
    rows: list = []
    empty = True
    for row in projected.toLocalIterator():
        rows.append(tuple(row))
        if len(rows) == chunk_size:
            empty = False
            yield _pandas(rows, fields)
            rows = []
    if rows or empty:
        yield _pandas(rows, fields) if rows else pd.DataFrame({n: pd.Series([], dtype=object) for n in names})


def _pandas(rows: list, fields: Sequence[Any]) -> pd.DataFrame:
    import pandas as pd

    from quality_gates.checks.profiles.model import DATETIME

    columns = list(zip(*rows)) if rows else [() for _ in fields]
    data = {}
    for field, values in zip(fields, columns):
        series = pd.Series(list(values))
        if kind_of(field.dataType) == DATETIME:
            series = pd.to_datetime(series, utc=True)
        elif is_float(field.dataType):
            series = series.astype("float64")
        data[field.name] = series
    return pd.DataFrame(data)


# ---- schema checks ---------------------------------------------------------------------------


def validate_spark(
    computation: SparkFrame,
    schema: Any,
    *,
    allow_empty: bool,
    max_failure_cases: int,
    pushdown: str = "auto",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> SchemaValidation:
    from quality_gates.checks.schema_validation import validate_schema
    from quality_gates.engines.spark_schema import measure

    check_pushdown_option(pushdown)
    frame = computation.frame
    require_unique_column_names((field.name for field in frame.schema.fields), computation.name)
    if pushdown == "never":
        return _run(
            computation,
            lambda: validate_schema(
                frame_chunks(frame, chunk_size, computation.name),
                schema,
                allow_empty=allow_empty,
                max_failure_cases=max_failure_cases,
                data=computation.name,
            ),
        )

    def work() -> SchemaValidation:
        with passes(computation) as read:
            return measure(
                replace(computation, frame=read),
                schema,
                allow_empty=allow_empty,
                max_failure_cases=max_failure_cases,
                pushdown=pushdown,
                chunk_size=chunk_size,
            )

    return _run(computation, work)


# ---- partition profiles ----------------------------------------------------------------------


def profile_spark(computation: SparkFrame, *, sample_rows: int, engine: str = "spark") -> PartitionProfile:
    from quality_gates.engines.spark_profile import profile

    require_unique_column_names((field.name for field in computation.frame.schema.fields), computation.name)

    def work() -> PartitionProfile:
        with passes(computation) as frame:
            return profile(frame, sample_rows)

    return _run(computation, work)


# ---- column values (reference profiles, drift's current side, skew) -------------------------


def column_values(computation: SparkFrame, *, columns: Sequence[str] | None) -> pd.DataFrame:
    import pandas as pd

    frame = computation.frame
    names = [field.name for field in frame.schema.fields]
    wanted = names if columns is None else [name for name in columns if name in names]
    projected = frame.select(*(ref(name) for name in wanted))
    chunks = list(_run(computation, lambda: list(frame_chunks(projected, DEFAULT_CHUNK_SIZE, computation.name))))
    return chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
