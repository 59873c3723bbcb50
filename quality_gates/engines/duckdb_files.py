"""DuckDB over Parquet and CSV files: the scan relation, its engine, and the files' schema check.

The paths are bound parameters of ``read_parquet`` / ``read_csv`` (never formatted into SQL).
Files of one source must share a schema: DuckDB would otherwise align columns by position, so
a renamed or retyped column is named before anything is computed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from quality_gates.checks.errors import SourceConfigurationError, SourceError, require_unique_column_names

# Unset: DuckDB's own default (80% of RAM). GROUP BY spills under a limit, DISTINCT aggregates
# cannot: at 300MB a 10M-row Parquet file's profile peaks at about 420 MB in the worker, imports
# included (510-660 MB unset), but its SQL schema checks (count(DISTINCT) of 10M ids) ran out of
# memory at 300MB and, in one run of two, at 400MB. A limit is the user's choice of failure mode.
DUCKDB_MEMORY_LIMIT = os.environ.get("QUALITY_GATES_DUCKDB_MEMORY_LIMIT")


@cache
def duckdb_engine() -> sa.Engine:
    """One in-memory DuckDB per worker process; it holds no data, only scans files."""
    try:
        import duckdb_engine  # noqa: F401  (registers the "duckdb" SQLAlchemy dialect)
    except ImportError:
        raise SourceConfigurationError(
            "scanning files with DuckDB needs duckdb and duckdb-engine: pip install 'airflow-quality-gates[duckdb]'"
        ) from None
    # DuckDB runs inside the worker: its memory is the worker's. A limit makes its hash tables
    # (GROUP BY, DISTINCT) spill to disk instead of growing with the data (10M rows: 2 GB -> 740 MB).
    spill = Path(tempfile.gettempdir()) / "quality_gates_duckdb"
    # Statistics propagation is off: Parquet min/max statistics leave NaN out, and with the paths
    # as a bound parameter DuckDB 2.0 then folds isnan(x) to false and "x < inf" to true, so NaN
    # values counted as finite (a 5%-NaN column profiled as 0% missing).
    config = {"temp_directory": str(spill), "preserve_insertion_order": False, "disabled_optimizers": "statistics_propagation"}
    if DUCKDB_MEMORY_LIMIT:
        config["memory_limit"] = DUCKDB_MEMORY_LIMIT
    engine = sa.create_engine("duckdb:///:memory:", poolclass=sa.pool.SingletonThreadPool, connect_args={"config": config})

    @sa.event.listens_for(engine, "connect")
    def _quiet(dbapi_connection, _record) -> None:
        # DuckDB prints a progress bar to stdout (the task log) for any query over 2 s; it is a
        # per-connection setting, not a startup option.
        dbapi_connection.execute("SET enable_progress_bar = false")

    return engine


def scan_function(paths: Sequence[str], file_format: str) -> sa.TableValuedAlias:
    files = sa.literal(list(paths), sa.ARRAY(sa.String))
    if file_format == "parquet":
        return sa.func.read_parquet(files).table_valued().alias("files")
    return sa.func.read_csv(files).table_valued().alias("files")


def check_same_schema(paths: Sequence[str]) -> None:
    """Every file has distinct column names and the first file's columns and types (read from
    the footers only)."""
    import pyarrow.parquet as pq

    first = None
    for path in paths:
        try:
            schema = pq.read_schema(path)
        except FileNotFoundError:
            raise SourceError(f"file not found: {path}") from None
        except (OSError, ValueError) as exc:  # pyarrow: ArrowInvalid (a ValueError) for a file that is not Parquet
            raise SourceError(f"cannot read {path}: {exc}") from exc
        # DuckDB would rename a repeated column and polars refuses it with its own error: name them.
        require_unique_column_names(schema.names, f"file {path}")
        if first is None:
            first, first_path = schema, path
            continue
        _compare(first, first_path, schema, path)


def _compare(expected, expected_path: str, actual, path: str) -> None:
    expected_types = {f.name: f.type for f in expected}
    actual_types = {f.name: f.type for f in actual}
    for name, kind in expected_types.items():
        if name not in actual_types:
            raise SourceConfigurationError(
                f"{path}: column '{name}' of {expected_path} is missing: the files of one source must share a schema"
            )
        if actual_types[name] != kind:
            raise SourceConfigurationError(
                f"{path}: column '{name}' is {actual_types[name]}, but {kind} in {expected_path}: "
                "the files of one source must share a schema"
            )
    extra = [name for name in actual_types if name not in expected_types]
    if extra:
        raise SourceConfigurationError(
            f"{path}: column '{extra[0]}' is not in {expected_path}: the files of one source must share a schema"
        )
