"""Quarantine: every row that failed a schema check goes to a target, with the checks it failed.

While the schema gate validates chunk by chunk, ``QuarantineSpool`` splits each chunk into
failing and valid rows and spools them to local Parquet files (the source is read once).
Duplicates are only known at the end, so the spool keeps 64-bit hashes of unique keys and
moves every occurrence of a repeated key to the failing side when the spool is read back.
Targets write all chunks in one transaction (a table) or to a temporary file renamed into
place (Parquet): a crash leaves either the whole quarantine or none of it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quality_gates.checks.errors import RetryableError
from quality_gates.checks.results import CheckKind, CheckResult, Severity, Status

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from sqlalchemy import Engine

FAILED_CHECKS_COLUMN = "quality_failed_checks"
GATE_RUN_COLUMN = "quality_gate_run_id"
PARTITION_COLUMN = "quality_partition"
QUARANTINE_CHECK = "quarantine"
WRITE_CHUNK_ROWS = 100_000


class QuarantineWriteError(RetryableError):
    """A quarantine target could not be written (nothing of this try was kept there)."""


@dataclass(frozen=True)
class UniqueKey:
    label: str  # the check label on a quarantined row, e.g. "order_id.unique"
    columns: tuple[str, ...]


@dataclass
class SpoolCounts:
    failing_rows: int = 0
    valid_rows: int = 0
    labels: dict[str, int] = field(default_factory=dict)  # check label -> failing rows


class QuarantineSpool:
    """The ``on_chunk`` callback of the schema validator: failing and valid rows to local files."""

    def __init__(self, unique_keys: Sequence[UniqueKey] = (), *, keep_valid: bool = False, directory: str | None = None):
        self.unique_keys = list(unique_keys)
        self.keep_valid = keep_valid or bool(self.unique_keys)  # duplicates may be among the valid rows
        self.directory = Path(tempfile.mkdtemp(prefix="quality-gates-quarantine-", dir=directory))
        self._writers: dict[str, Any] = {}
        self._hashes: dict[str, list[np.ndarray]] = {k.label: [] for k in self.unique_keys}
        self._repeated: dict[str, np.ndarray] = {}
        self.counts = SpoolCounts()

    # -- while validating --
    def __call__(self, chunk: pd.DataFrame, failing: list[tuple[str, np.ndarray]]) -> None:
        import numpy as np
        import pandas as pd

        labels: dict[int, list[str]] = {}
        for label, rows in failing:
            for row in np.unique(rows):
                labels.setdefault(int(row), []).append(label)
        for key in self.unique_keys:
            self._hashes[key.label].append(_key_hashes(chunk, key.columns))
        failed = chunk.index.isin(list(labels))
        if failed.any():
            bad = chunk[failed].copy()
            bad[FAILED_CHECKS_COLUMN] = pd.Series([",".join(labels[int(i)]) for i in bad.index], index=bad.index, dtype="object")
            self._spool("failing", bad)
        if self.keep_valid:
            self._spool("valid", chunk[~failed].assign(**{FAILED_CHECKS_COLUMN: pd.Series("", index=chunk.index[~failed], dtype="object")}))

    def _spool(self, side: str, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=True)
        writer = self._writers.get(side)
        if writer is None:
            writer = self._writers[side] = pq.ParquetWriter(self.directory / f"{side}.parquet", table.schema)
        elif table.schema != writer.schema:
            table = table.cast(writer.schema)
        writer.write_table(table)

    def finish(self) -> SpoolCounts:
        """Close the spool; count where every row goes and which checks quarantined how many."""
        import numpy as np

        for writer in self._writers.values():
            writer.close()
        self._writers = {}
        for key in self.unique_keys:
            hashes = np.concatenate(self._hashes[key.label]) if self._hashes[key.label] else np.empty(0, np.uint64)
            hashes = hashes[hashes != _NULL_KEY]
            ordered = np.sort(hashes)
            self._repeated[key.label] = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
        counts = SpoolCounts()
        for frame in self.failing_rows():
            counts.failing_rows += len(frame)
            for text in frame[FAILED_CHECKS_COLUMN]:
                for label in text.split(","):
                    counts.labels[label] = counts.labels.get(label, 0) + 1
        if self.keep_valid:
            counts.valid_rows = sum(len(frame) for frame in self.valid_rows())
        self.counts = counts
        self._hashes = {}
        return counts

    # -- reading back --
    def _read(self, side: str) -> Iterator[pd.DataFrame]:
        import pyarrow.parquet as pq

        path = self.directory / f"{side}.parquet"
        if not path.exists():
            return
        for batch in pq.ParquetFile(path).iter_batches(batch_size=WRITE_CHUNK_ROWS):
            yield batch.to_pandas()

    def _duplicates(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        import numpy as np

        return {key.label: np.isin(_key_hashes(frame, key.columns), self._repeated[key.label]) for key in self.unique_keys}

    def failing_rows(self) -> Iterator[pd.DataFrame]:
        """Every failing row with the comma-separated labels of the checks it failed."""
        for frame in self._read("failing"):
            yield _with_duplicate_labels(frame, self._duplicates(frame))
        if self.unique_keys:
            for frame in self._read("valid"):
                duplicates = self._duplicates(frame)
                moved = _any(duplicates, len(frame))
                if moved.any():
                    yield _with_duplicate_labels(frame, duplicates)[moved]

    def valid_rows(self) -> Iterator[pd.DataFrame]:
        for frame in self._read("valid"):
            moved = _any(self._duplicates(frame), len(frame))
            yield frame[~moved].drop(columns=[FAILED_CHECKS_COLUMN])

    def cleanup(self) -> None:
        for writer in self._writers.values():
            writer.close()
        shutil.rmtree(self.directory, ignore_errors=True)


_NULL_KEY = 0  # hash given to keys with a null: nulls are never duplicates


def unique_keys_of(schema: Any) -> list[UniqueKey]:
    """The schema's uniqueness constraints, labelled as the validator names their checks."""
    from quality_gates.checks.schema_validation import check_label

    keys = [UniqueKey(check_label("unique", str(name)), (name,)) for name, column in schema.columns.items() if column.unique]
    if schema.unique:
        columns = (schema.unique,) if isinstance(schema.unique, str) else tuple(schema.unique)
        keys.append(UniqueKey(check_label("unique", ",".join(columns)), columns))
    return keys


def _key_hashes(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    import numpy as np
    import pandas as pd

    if any(c not in frame.columns for c in columns):
        return np.zeros(len(frame), dtype=np.uint64)
    values = frame[list(columns)]
    hashes = pd.util.hash_pandas_object(values, index=False).to_numpy().copy()
    hashes[values.isna().any(axis=1).to_numpy()] = _NULL_KEY
    return hashes


def _any(flags: dict[str, np.ndarray], rows: int) -> np.ndarray:
    import numpy as np

    result = np.zeros(rows, dtype=bool)
    for flag in flags.values():
        result |= flag
    return result


def _with_duplicate_labels(frame: pd.DataFrame, duplicates: dict[str, np.ndarray]) -> pd.DataFrame:
    if not any(flag.any() for flag in duplicates.values()):
        return frame
    frame = frame.copy()
    labels = frame[FAILED_CHECKS_COLUMN].to_numpy(dtype=object).copy()
    for label, flag in duplicates.items():
        for i in flag.nonzero()[0]:
            labels[i] = f"{labels[i]},{label}" if labels[i] else label
    frame[FAILED_CHECKS_COLUMN] = labels
    return frame


def stamped(frames: Iterable[pd.DataFrame], gate_run_id: int, partition: str) -> Iterator[pd.DataFrame]:
    """Rows as written to a target: without the spool's row numbers, with the gate run and partition."""
    for frame in frames:
        yield frame.reset_index(drop=True).assign(**{GATE_RUN_COLUMN: gate_run_id, PARTITION_COLUMN: partition})


# --- targets -------------------------------------------------------------------------------------


class ParquetFileTarget:
    """A local Parquet file, written under a temporary name and renamed into place when complete."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def describe(self) -> str:
        return f"file {self.path}"

    def write(self, frames: Iterable[pd.DataFrame]) -> int:
        import pyarrow as pa
        import pyarrow.parquet as pq

        partial = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.partial")
        rows, writer = 0, None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for frame in frames:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(partial, table.schema)
                elif table.schema != writer.schema:
                    table = table.cast(writer.schema)
                writer.write_table(table)
                rows += len(frame)
            if writer is None:
                return 0
            writer.close()
            writer = None
            os.replace(partial, self.path)  # atomic on one file system
        except OSError as exc:
            raise QuarantineWriteError(f"cannot write the quarantine to {self.describe()}: {exc}") from exc
        finally:
            if writer is not None:
                writer.close()
            if partial.exists():  # a failed write leaves nothing behind
                partial.unlink()
        return rows


class TableWriteTarget:
    """A table in a database (created on first use), all chunks in one transaction."""

    def __init__(self, engine: Engine, table: str, where: str):
        self.engine = engine
        self.schema, _, self.table = table.rpartition(".")
        self.where = where

    def describe(self) -> str:
        return f"table {self.schema + '.' if self.schema else ''}{self.table} ({self.where})"

    def write(self, frames: Iterable[pd.DataFrame]) -> int:
        from sqlalchemy.exc import SQLAlchemyError

        rows = 0
        try:
            with self.engine.begin() as connection:
                for frame in frames:
                    if connection.dialect.name == "postgresql":
                        _copy_into(connection, frame, self.table, self.schema or None)
                    else:
                        frame.to_sql(
                            self.table, connection, schema=self.schema or None, if_exists="append", index=False, chunksize=WRITE_CHUNK_ROWS
                        )
                    rows += len(frame)
        except (SQLAlchemyError, ValueError) as exc:
            message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise QuarantineWriteError(f"cannot write the quarantine to {self.describe()}: {message}") from exc
        return rows


def _copy_into(connection: Any, frame: pd.DataFrame, table: str, schema: str | None) -> None:
    """PostgreSQL's COPY in the open transaction (about 20× the rows/s of INSERTs); the table is
    created from the frame's columns when missing, identifiers quoted by SQLAlchemy."""
    import io

    frame.head(0).to_sql(table, connection, schema=schema, if_exists="append", index=False)
    quote = connection.dialect.identifier_preparer.quote
    target = f"{quote(schema)}.{quote(table)}" if schema else quote(table)
    columns = ", ".join(quote(str(c)) for c in frame.columns)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="\\N")
    buffer.seek(0)
    statement = f"COPY {target} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if hasattr(cursor, "copy_expert"):  # psycopg2
            cursor.copy_expert(statement, buffer)
        else:  # psycopg 3 (what Airflow's PostgresHook may use)
            with cursor.copy(statement) as copy:
                copy.write(buffer.getvalue())
    finally:
        cursor.close()


# --- what the gate records -----------------------------------------------------------------------


def quarantine_checks(
    checks: Sequence[CheckResult], counts: SpoolCounts, *, failed_target: str, valid_target: str | None, continue_with_valid: bool
) -> list[CheckResult]:
    """The schema checks, plus one ``quarantine`` check saying how many rows went where.

    With ``continue_with_valid`` (mode="quarantine") a check whose failing rows were all moved out
    is a warning, not a failure: the data that goes on satisfies it. Checks that no row can be
    blamed for (a missing column, an empty partition) still fail.
    """
    from quality_gates.checks.schema_validation import check_label

    out: list[CheckResult] = []
    for check in checks:
        moved = counts.labels.get(check_label(check.check_name, check.column))
        if moved and check.status in (Status.FAILED, Status.WARNED):
            details = {**check.details, "quarantined_rows": moved}
            status = Status.WARNED if continue_with_valid else check.status
            out.append(
                CheckResult(
                    check.check_name,
                    check.column,
                    status,
                    check.severity,
                    check.observed,
                    check.expected,
                    {**details, "message": f"{moved:,} failing rows quarantined to {failed_target}"},
                )
            )
        else:
            out.append(check)
    where = f"{counts.failing_rows:,} failing rows to {failed_target}"
    if valid_target is not None:
        where += f"; {counts.valid_rows:,} valid rows to {valid_target}"
    out.append(
        CheckResult(
            QUARANTINE_CHECK,
            None,
            Status.PASSED,
            Severity.WARN,
            where,
            "failing rows quarantined",
            {
                "kind": CheckKind.QUARANTINE.value,
                "failing_rows": counts.failing_rows,
                "valid_rows": counts.valid_rows if valid_target else None,
                "failed_rows_target": failed_target,
                "valid_rows_target": valid_target,
                "rows_by_check": dict(sorted(counts.labels.items())),
            },
        )
    )
    return out
