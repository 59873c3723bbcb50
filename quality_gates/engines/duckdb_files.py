"""DuckDB over Parquet and CSV files: the scan relation, its engine, and the files' schema check.

The paths are bound parameters of ``read_parquet`` / ``read_csv`` (never formatted into SQL).
Files of one source must share a schema: DuckDB would otherwise align columns by position, so
a renamed or retyped column is named before anything is computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import sqlalchemy as sa

from quality_gates.checks.errors import SourceConfigurationError, SourceError


@cache
def duckdb_engine() -> sa.Engine:
    """One in-memory DuckDB per worker process; it holds no data, only scans files."""
    try:
        import duckdb_engine  # noqa: F401  (registers the "duckdb" SQLAlchemy dialect)
    except ImportError:
        raise SourceConfigurationError("scanning files with DuckDB needs duckdb and duckdb-engine: "
                                       "pip install 'airflow-quality-gates[duckdb]'") from None
    return sa.create_engine("duckdb:///:memory:", poolclass=sa.pool.SingletonThreadPool)


def scan_function(paths: Sequence[str], file_format: str) -> sa.TableValuedAlias:
    files = sa.literal(list(paths), sa.ARRAY(sa.String))
    if file_format == "parquet":
        return sa.func.read_parquet(files).table_valued().alias("files")
    return sa.func.read_csv(files).table_valued().alias("files")


def check_same_schema(paths: Sequence[str]) -> None:
    """Every file has the first file's columns and types (read from the footers only)."""
    import pyarrow.parquet as pq

    first = None
    for path in paths:
        try:
            schema = pq.read_schema(path)
        except FileNotFoundError:
            raise SourceError(f"file not found: {path}") from None
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc}") from exc
        if first is None:
            first, first_path = schema, path
            continue
        _compare(first, first_path, schema, path)


def _compare(expected, expected_path: str, actual, path: str) -> None:
    expected_types = {f.name: f.type for f in expected}
    actual_types = {f.name: f.type for f in actual}
    for name, kind in expected_types.items():
        if name not in actual_types:
            raise SourceConfigurationError(f"{path}: column '{name}' of {expected_path} is missing: "
                                           "the files of one source must share a schema")
        if actual_types[name] != kind:
            raise SourceConfigurationError(f"{path}: column '{name}' is {actual_types[name]}, but {kind} in {expected_path}: "
                                           "the files of one source must share a schema")
    extra = [name for name in actual_types if name not in expected_types]
    if extra:
        raise SourceConfigurationError(f"{path}: column '{extra[0]}' is not in {expected_path}: "
                                       "the files of one source must share a schema")
