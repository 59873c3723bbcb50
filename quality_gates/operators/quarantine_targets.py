"""Where a schema gate writes quarantined (or valid) rows: a table behind an Airflow connection,
or a Parquet path. Both are templated (``"quarantine/{{ ds }}.parquet"``)."""

from __future__ import annotations

from typing import Any

from quality_gates.sources.base import SourceConfigurationError


class TableTarget:
    """A table on an Airflow SQL connection; created from the data's columns when missing."""

    template_fields = ("conn_id", "table")

    def __init__(self, conn_id: str, table: str):
        self.conn_id = conn_id
        self.table = table

    def describe(self) -> str:
        return f"table {self.table} (connection '{self.conn_id}')"

    def writer(self) -> Any:
        from quality_gates.checks.quarantine import TableWriteTarget
        from quality_gates.sources.sql import SqlSource

        return TableWriteTarget(SqlSource(self.conn_id, table=self.table).engine(), self.table, f"connection '{self.conn_id}'")


class ParquetTarget:
    """A local Parquet file (written under a temporary name, renamed when complete)."""

    template_fields = ("path",)

    def __init__(self, path: str):
        self.path = str(path)

    def describe(self) -> str:
        return f"file {self.path}"

    def writer(self) -> Any:
        from quality_gates.checks.quarantine import ParquetFileTarget

        if "://" in self.path:
            raise SourceConfigurationError(f"quarantine target {self.path}: only local Parquet paths are supported")
        return ParquetFileTarget(self.path)


def as_target(value: TableTarget | ParquetTarget | str | None) -> TableTarget | ParquetTarget | None:
    if value is None or isinstance(value, (TableTarget, ParquetTarget)):
        return value
    if isinstance(value, str) and value.endswith((".parquet", ".pq")):
        return ParquetTarget(value)
    raise ValueError(f"a quarantine target is a TableTarget(conn_id, table) or a path ending in .parquet, not {value!r}")
