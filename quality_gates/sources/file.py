"""CSV and Parquet files, local or on object storage (Airflow's ObjectStoragePath)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported when data is read, not when a DAG file is parsed
    import pandas as pd

from quality_gates.sources.base import DEFAULT_CHUNK_SIZE, SourceConfigurationError, SourceError

_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
FILE_ENGINES = ("auto", "duckdb", "polars", "pandas")
_COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".zip": "zip", ".xz": "xz", ".zst": "zstd"}


class FileSource:
    template_fields = ("path", "format")

    def __init__(self, path: str | Path, format: str | None = None):
        self.path = str(path)
        self.format = format

    def describe(self) -> str:
        return f"file {self.path}"

    def default_dataset(self) -> str | None:
        return None  # paths usually carry the partition: no stable name to derive

    def _resolved_format(self) -> str:
        if self.format:
            if self.format not in ("csv", "parquet"):
                raise SourceConfigurationError(f"{self.path}: unknown format '{self.format}' (use csv or parquet)")
            return self.format
        suffixes = [s.lower() for s in Path(self.path).suffixes]
        for suffix in reversed(suffixes):
            if suffix in _FORMATS:
                return _FORMATS[suffix]
        raise SourceConfigurationError(f"{self.path}: cannot tell the format from the name; pass format='csv' or 'parquet'")

    def compute(self, engine: str = "auto"):
        """Local Parquet files (a path or a glob) are scanned in place: by DuckDB (``auto``,
        ``duckdb``) or a polars lazy scan (``polars``). CSV and object storage are read in chunks
        (pandas' type inference decides CSV types, as before), unless ``engine="duckdb"``."""
        from quality_gates.engines.computation import DuckDBFiles, PandasChunks, PolarsFrame

        if engine not in FILE_ENGINES:
            raise SourceConfigurationError(f"{self.path}: engine must be one of {', '.join(FILE_ENGINES)}, not {engine!r}")
        file_format = self._resolved_format()
        local = "://" not in self.path
        if not local or engine == "pandas" or (file_format == "csv" and engine != "duckdb"):
            return PandasChunks(self.read_chunks, self.describe())
        paths = self._local_paths()
        if engine == "auto":
            engine = next((name for name, module in (("duckdb", "duckdb_engine"), ("polars", "polars")) if _installed(module)), "pandas")
            if engine == "pandas":
                return PandasChunks(self.read_chunks, self.describe())
        if engine == "polars":
            import polars as pl

            from quality_gates.engines.duckdb_files import check_same_schema

            if file_format == "parquet":
                check_same_schema(paths)

            scan = pl.scan_parquet(paths) if file_format == "parquet" else pl.scan_csv(paths)
            return PolarsFrame(scan, self.describe())
        return DuckDBFiles.scan(paths, file_format, self.describe())

    def _local_paths(self) -> list[str]:
        if any(ch in self.path for ch in "*?["):
            paths = sorted(str(p) for p in Path("/").glob(str(Path(self.path).resolve()).lstrip("/")))
            if not paths:
                raise SourceError(f"no file matches {self.path}")
            return paths
        if not Path(self.path).exists():
            raise SourceError(f"file not found: {self.path}")
        return [self.path]

    def _open_path(self):
        if "://" in self.path:
            from airflow.sdk import ObjectStoragePath

            return ObjectStoragePath(self.path)
        return Path(self.path)

    def read_chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[pd.DataFrame]:
        import pandas as pd

        file_format = self._resolved_format()
        path = self._open_path()
        try:
            if not path.exists():
                raise SourceError(f"file not found: {self.path}")
            with path.open("rb") as handle:
                if file_format == "parquet":
                    yield from _parquet_chunks(handle, chunk_size)
                else:
                    # CSV is read whole: pandas infers types per chunk, and a chunk of empty
                    # cells would change a column's type half-way through the file.
                    yield pd.read_csv(handle, compression=_COMPRESSIONS.get(Path(self.path).suffix.lower()))
        except SourceError:
            raise
        except (OSError, ValueError) as exc:
            raise SourceError(f"cannot read {self.path}: {exc}") from exc


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _parquet_chunks(handle, chunk_size: int) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(handle)
    empty = True
    for batch in parquet.iter_batches(batch_size=chunk_size):
        empty = False
        yield batch.to_pandas()
    if empty:
        yield parquet.schema_arrow.empty_table().to_pandas()
