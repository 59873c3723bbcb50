"""Where a source's data can be computed: one typed object per capability.

A source turns itself into one of these (``source.compute()``); a gate never asks the source
what it is. The registry (``quality_gates.engines.registry``) picks each statistic's
implementation from the object's ``capability``, the way pandera picks a backend from the type
of the data. Only aggregates and bounded samples leave a ``SqlQuery`` or ``DuckDBFiles``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import pandas as pd
    import sqlalchemy as sa

DEFAULT_CHUNK_SIZE = 100_000


class Capability(StrEnum):
    """Where the statistics of a gate can run."""

    PANDAS = "pandas"  # rows in the worker, as pandas frames (streamed in chunks when large)
    POLARS = "polars"  # a polars DataFrame or LazyFrame (a lazy scan reads only what it needs)
    DUCKDB = "duckdb"  # DuckDB scanning files in place (SQL through duckdb-engine)
    SQL = "sql"  # a query on a SQLAlchemy engine: the database computes, aggregates come back
    SPARK = "spark"  # a Spark DataFrame (issue 13)


class Computation:
    """Base of the typed computations; ``name`` names the data in every message."""

    capability: ClassVar[Capability]
    name: str


@dataclass(frozen=True)
class PandasChunks(Computation):
    """Rows read into the worker: ``read(chunk_size)`` yields frames of at most that many rows."""

    read: Callable[[int], Iterator[pd.DataFrame]]
    name: str
    capability: ClassVar[Capability] = Capability.PANDAS

    @classmethod
    def of(cls, frame: pd.DataFrame, name: str = "the data frame") -> PandasChunks:
        return cls(lambda _size: iter([frame]), name)

    def chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[pd.DataFrame]:
        return self.read(chunk_size)

    def frame(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Every row in one frame (only ``columns``, when given, are kept chunk by chunk)."""
        import pandas as pd

        from quality_gates.checks.errors import require_unique_column_names

        parts = []
        for chunk in self.chunks():
            require_unique_column_names(chunk.columns, self.name)  # a frame-valued "column" would follow
            parts.append(chunk if columns is None else chunk[[c for c in columns if c in chunk.columns]])
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


@dataclass(frozen=True)
class PolarsFrame(Computation):
    """A polars ``DataFrame`` or ``LazyFrame``; a ``scan_parquet`` reads only the columns used."""

    frame: Any
    name: str
    capability: ClassVar[Capability] = Capability.POLARS

    def lazy(self) -> Any:
        return self.frame.lazy() if hasattr(self.frame, "lazy") else self.frame


@dataclass(frozen=True)
class SqlQuery(Computation):
    """``selectable`` (a SELECT or a text query, values bound) run on ``engine``.

    ``key_columns`` name a row in failure cases (e.g. the primary key); without them a failure
    case carries the row's values only. ``timeout_seconds`` caps each statement where the
    database supports it (PostgreSQL ``statement_timeout``, DuckDB and others: none).
    """

    engine: sa.Engine
    selectable: Any
    name: str
    key_columns: tuple[str, ...] = ()
    timeout_seconds: float | None = None
    capability: ClassVar[Capability] = Capability.SQL

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


@dataclass(frozen=True)
class DuckDBFiles(SqlQuery):
    """Parquet or CSV files scanned in place by DuckDB (projection and filter pushdown): every SQL
    implementation runs on it unchanged, as on any ``SqlQuery``."""

    paths: tuple[str, ...] = field(default=())
    file_format: str = "parquet"
    capability: ClassVar[Capability] = Capability.DUCKDB

    @classmethod
    def scan(cls, paths: Sequence[str], file_format: str, name: str, **options: Any) -> DuckDBFiles:
        import sqlalchemy as sa

        from quality_gates.engines.duckdb_files import check_same_schema, duckdb_engine, scan_function

        paths = tuple(str(p) for p in paths)
        if file_format == "parquet":
            check_same_schema(paths)
        relation = scan_function(paths, file_format)
        selectable: Any = sa.select(sa.literal_column("*")).select_from(relation)
        return cls(duckdb_engine(), selectable, name, paths=paths, file_format=file_format, **options)


@dataclass(frozen=True)
class SparkFrame(Computation):
    """A Spark DataFrame (classic or Spark Connect): statistics run as Spark aggregations and
    only aggregates and bounded samples come back, as Rows (no pandas conversion in Spark).

    ``key_columns`` name a row in failure cases, as for ``SqlQuery``. ``cache``: persist the
    frame while a statistic reads it several times (a query or callable, costly to recompute).
    """

    frame: Any
    name: str
    key_columns: tuple[str, ...] = ()
    cache: bool = False
    capability: ClassVar[Capability] = Capability.SPARK
