"""Profile families on each capability: partition profiles, reference profiles, drift's current side.

Partition profiles are computed where the data is (pandas, polars, or one SQL aggregate scan plus
a bounded sample). Reference profiles and drift's current side need every value of the columns
they compare (exact quantile sketches, KS statistics): they read only those columns, pushed down
as a projection to the database, DuckDB or a polars scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa

from quality_gates.engines.computation import PandasChunks, PolarsFrame, SqlQuery
from quality_gates.engines.sql_session import connect, read_error

if TYPE_CHECKING:
    import pandas as pd

    from quality_gates.checks.profiles.model import PartitionProfile
    from quality_gates.checks.profiles.reference import ReferenceProfile


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
            return profile_in_database(connection, computation.selectable, sample_rows=sample_rows)
        except sa.exc.DBAPIError as exc:
            raise read_error(computation, exc) from exc


def reference_pandas(computation: PandasChunks, *, columns: Sequence[str] | None) -> ReferenceProfile:
    from quality_gates.checks.profiles.reference import profile_reference

    return profile_reference(computation.frame(), columns=columns)


def reference_columns(computation: PolarsFrame | SqlQuery, *, columns: Sequence[str] | None) -> ReferenceProfile:
    from quality_gates.checks.profiles.reference import profile_reference

    return profile_reference(current_columns(computation, columns=columns), columns=columns)


def current_columns(computation: PandasChunks | PolarsFrame | SqlQuery, *, columns: Sequence[str] | None) -> pd.DataFrame:
    """Every row of only ``columns`` (all when None), read through the engine's projection."""
    from quality_gates.checks.errors import DriftInputError

    if isinstance(computation, PandasChunks):
        return computation.frame(columns)
    if isinstance(computation, PolarsFrame):
        lazy = computation.lazy()
        names = lazy.collect_schema().names()
        _require(columns, names, computation.name, DriftInputError)
        return (lazy.select(list(columns)) if columns else lazy).collect().to_pandas()
    return _sql_columns(computation, columns, DriftInputError)


def _sql_columns(computation: SqlQuery, columns: Sequence[str] | None, error: type[Exception]) -> pd.DataFrame:
    import pandas as pd

    relation = computation.selectable.subquery("source") if hasattr(computation.selectable, "subquery") else computation.selectable
    with connect(computation) as connection:
        try:
            names = list(connection.execute(sa.select(relation).limit(0)).keys())
            _require(columns, names, computation.name, error)
            query = sa.select(*(relation.c[name] for name in columns)) if columns else sa.select(relation)
            return pd.read_sql(query, connection)
        except sa.exc.DBAPIError as exc:
            raise read_error(computation, exc) from exc


def _require(columns: Sequence[str] | None, names: Sequence[str], where: str, error: type[Exception]) -> None:
    missing = [c for c in columns or () if c not in names]
    if missing:
        raise error(f"{where}: column '{missing[0]}' does not exist (columns: {', '.join(names)})")
