"""Partition profiles and column values on each capability.

Partition profiles are computed where the data is (pandas, polars, or one SQL aggregate scan plus
a bounded sample). Reference profiles and drift need every value of the columns they compare
(exact quantile sketches, KS statistics): they read only those columns, pushed down as a
projection to the database, DuckDB or a polars scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa

from quality_gates.engines.computation import DEFAULT_CHUNK_SIZE, PandasChunks, PolarsFrame, SqlQuery
from quality_gates.engines.sql_session import connect, read_error

if TYPE_CHECKING:
    import pandas as pd

    from quality_gates.checks.profiles.model import PartitionProfile


def profile_pandas(computation: PandasChunks, *, sample_rows: int, engine: str = "pandas") -> PartitionProfile:
    from quality_gates.checks.profiles import profile_partition

    return profile_partition(computation.frame(), engine=engine, sample_rows=sample_rows)


def profile_polars(computation: PolarsFrame, *, sample_rows: int, engine: str = "polars") -> PartitionProfile:
    from quality_gates.checks.profiles import profile_partition

    return profile_partition(computation.frame, engine="pandas" if engine == "pandas" else "polars", sample_rows=sample_rows)


def profile_sql(computation: SqlQuery, *, sample_rows: int, engine: str = "sql") -> PartitionProfile:
    from quality_gates.checks.profiles.sql_engine import profile_sql as profile_in_database

    with connect(computation) as connection:
        try:
            return profile_in_database(connection, computation.selectable, sample_rows=sample_rows, data=computation.name)
        except sa.exc.DBAPIError as exc:
            raise read_error(computation, exc) from exc


def column_values(computation: PandasChunks | PolarsFrame | SqlQuery, *, columns: Sequence[str] | None) -> pd.DataFrame:
    """Every row of only those of ``columns`` that exist (all columns when None), read through the
    engine's projection. A column that is not there is absent from the frame: each gate says what
    that means (a missing column finding, a configuration error)."""
    if isinstance(computation, PandasChunks):
        return computation.frame(columns)
    if isinstance(computation, PolarsFrame):
        lazy = computation.lazy()
        names = lazy.collect_schema().names()
        return (lazy.select(_present(columns, names)) if columns is not None else lazy).collect().to_pandas()
    return _sql_columns(computation, columns)


def _sql_columns(computation: SqlQuery, columns: Sequence[str] | None) -> pd.DataFrame:
    import pandas as pd

    from quality_gates.checks.profiles.sql_columns import discover

    with connect(computation) as connection:
        try:
            found, relation = discover(connection, computation.selectable)
            names = [column.name for column in found]
            wanted = names if columns is None else _present(columns, names)
            chunks = pd.read_sql(
                sa.select(*(column.ref() for column in found if column.name in wanted)).select_from(relation),
                connection.execution_options(stream_results=True),
                chunksize=DEFAULT_CHUNK_SIZE,
            )
            frames = list(chunks)
            return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        except sa.exc.DBAPIError as exc:
            raise read_error(computation, exc) from exc


def _present(columns: Sequence[str], names: Sequence[str]) -> list[str]:
    return [name for name in columns if name in names]
