"""A process killed while writing a quarantine leaves none of it (table: one transaction; Parquet:
a temporary file renamed into place only when complete)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import sqlalchemy as sa

WRITER = textwrap.dedent("""
    import os, signal, sys
    import pandas as pd
    import sqlalchemy as sa
    from quality_gates.checks.quarantine import ParquetFileTarget, TableWriteTarget

    def frames():
        for n in range(10):
            if n == 3:  # three chunks written: die without any chance to clean up
                os.kill(os.getpid(), signal.SIGKILL)
            yield pd.DataFrame({"id": range(n * 1000, (n + 1) * 1000), "quality_failed_checks": "amount.greater_than"})

    kind, where = sys.argv[1], sys.argv[2]
    target = TableWriteTarget(sa.create_engine(where), "quarantined", "test") if kind == "table" else ParquetFileTarget(where)
    target.write(frames())
""")


def run_writer(kind: str, where: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WRITER, kind, where], capture_output=True, text=True, timeout=120, check=False)


def test_killed_table_write_leaves_no_rows(store_url):
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS quarantined")
    finished = run_writer("table", store_url)
    assert finished.returncode == -signal.SIGKILL, finished.stderr
    if sa.inspect(engine).has_table("quarantined"):  # pysqlite commits CREATE TABLE on its own; the rows are all-or-nothing
        assert engine.dialect.name == "sqlite"
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM quarantined").scalar() == 0
    engine.dispose()


def test_killed_parquet_write_leaves_no_file(tmp_path):
    target = tmp_path / "quarantine" / "failed.parquet"
    finished = run_writer("parquet", str(target))
    assert finished.returncode == -signal.SIGKILL, finished.stderr
    assert not target.exists()


def test_completed_writes_keep_every_row(store_url, tmp_path):
    import pandas as pd

    from quality_gates.checks.quarantine import ParquetFileTarget, TableWriteTarget

    frames = [pd.DataFrame({"id": range(n * 10, n * 10 + 10)}) for n in range(3)]
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS quarantined")
    assert TableWriteTarget(engine, "quarantined", "test").write(iter(frames)) == 30
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM quarantined").scalar() == 30
    assert ParquetFileTarget(tmp_path / "q.parquet").write(iter(frames)) == 30
    assert len(pd.read_parquet(tmp_path / "q.parquet")) == 30
    assert [p.name for p in tmp_path.iterdir() if "parquet" in p.name] == ["q.parquet"]  # no partial file left
    engine.dispose()
