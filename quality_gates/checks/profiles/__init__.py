"""Partition profiles: ``profile_partition`` picks the engine that fits the data.

pandas frames use the pandas engine (or polars with ``engine="polars"``), polars frames the
polars engine, and SQL sources (anything with ``engine()`` and ``statement(engine)``, such as
``quality_gates.sources.SqlSource``) are profiled inside their database. polars is imported
only when asked for, as it is an optional dependency.
"""

from __future__ import annotations

import sys
from typing import Any

from quality_gates.checks.errors import require_unique_column_names
from quality_gates.checks.profiles.model import SAMPLE_ROWS, ColumnProfile, PartitionProfile

__all__ = ["ColumnProfile", "ENGINES", "PartitionProfile", "profile_partition"]

ENGINES = ("auto", "pandas", "polars", "sql")


def profile_partition(data: Any, *, engine: str = "auto", sample_rows: int = SAMPLE_ROWS) -> PartitionProfile:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if _is_sql_source(data):
        if engine not in ("auto", "sql"):
            raise ValueError(f"a SQL source is profiled in its database (engine 'auto' or 'sql'), not with {engine!r}")
        from quality_gates.checks.profiles.sql_engine import profile_sql

        connectable = data.engine()
        describe = getattr(data, "describe", None)
        named = {"data": describe()} if callable(describe) else {}
        return profile_sql(connectable, data.statement(connectable), sample_rows=sample_rows, **named)
    if engine == "sql":
        raise ValueError("engine 'sql' needs a SQL source (with engine() and statement(engine)), not in-memory data")

    import pandas as pd

    if isinstance(data, pd.DataFrame):
        require_unique_column_names(data.columns)  # polars refuses them; pandas would profile a frame as a column
        if engine == "polars":
            import polars as pl

            from quality_gates.checks.profiles.polars_engine import profile_polars

            return profile_polars(pl.from_pandas(data), sample_rows=sample_rows)
        from quality_gates.checks.profiles.pandas_engine import profile_frame

        return profile_frame(data, sample_rows=sample_rows)
    if _is_polars_frame(data):
        if engine == "pandas":
            from quality_gates.checks.profiles.pandas_engine import profile_frame

            frame = data.collect() if hasattr(data, "collect") else data
            return profile_frame(frame.to_pandas(), sample_rows=sample_rows)
        from quality_gates.checks.profiles.polars_engine import profile_polars

        return profile_polars(data, sample_rows=sample_rows)
    raise TypeError(
        f"cannot profile a {type(data).__module__}.{type(data).__qualname__}: give a pandas or polars "
        "DataFrame, a polars LazyFrame, or a SQL source"
    )


def _is_sql_source(data: Any) -> bool:
    return callable(getattr(data, "engine", None)) and callable(getattr(data, "statement", None))


def _is_polars_frame(data: Any) -> bool:
    polars = sys.modules.get("polars")  # a polars object means polars is already imported
    return polars is not None and isinstance(data, (polars.DataFrame, polars.LazyFrame))
