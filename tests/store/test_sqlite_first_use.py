"""SQLite store: first use by many processes at once, and stores left half-migrated."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from quality_gates.checks.results import CheckResult, GateResult, RunIdentity, Severity, Status
from quality_gates.store import migrate
from quality_gates.store.repository import ResultStore

GATES = 25
NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]


def _result() -> GateResult:
    check = CheckResult("not_empty", None, Status.PASSED, Severity.ERROR, "10 rows", "at least 1 row", {})
    return GateResult("schema", "orders", "2024-05-01", (check,), 10, NOW, NOW)


def _gate(url: str, index: int, barrier) -> int:
    barrier.wait()
    return ResultStore.open(url).record(RunIdentity("dag", f"gate_{index}", "run"), _result())


def _run_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM gate_runs")).scalar_one()
    finally:
        engine.dispose()


def test_twenty_five_processes_starting_on_one_fresh_file_all_record(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(GATES)
        with context.Pool(GATES) as pool:
            ids = pool.starmap(_gate, [(url, i, barrier) for i in range(GATES)])
    assert len(set(ids)) == GATES
    assert _run_count(url) == GATES


# Runs in a child process: pauses inside the first-use migrations (after a table of 0002 was
# created) and says so through a marker file, so that the test can SIGKILL it right there.
_PAUSING_GATE = """
import sys, time
from pathlib import Path
from sqlalchemy import Engine, event

def pause(conn, cursor, statement, *args):
    if statement.lstrip().upper().startswith("CREATE TABLE PARTITIONS"):
        Path(sys.argv[2]).touch()
        time.sleep(600)

event.listen(Engine, "after_cursor_execute", pause)
from quality_gates.store.repository import ResultStore
ResultStore.open(sys.argv[1])
"""


def test_a_process_killed_during_the_first_use_migrations_leaves_a_usable_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    marker = tmp_path / "paused"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    child = subprocess.Popen([sys.executable, "-c", _PAUSING_GATE, url, str(marker)], env=env)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, "the migrating process ended before it reached the pause"
            assert time.monotonic() < deadline, "the migrating process never reached the pause"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    store = ResultStore.open(url)
    store.record(RunIdentity("dag", "gate", "after_kill"), _result())
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    assert _run_count(url) == 1


def _old_row(connection) -> None:
    """A gate run as the first revisions wrote it (only the columns of 0001)."""
    connection.execute(
        text(
            "INSERT INTO gate_runs (dag_id, task_id, run_id, map_index, try_number, dataset, partition_key, gate, status, started_at,"
            " finished_at, row_count, summary) VALUES ('dag', 'gate', 'before', -1, 1, 'orders', '2024-05-01', 'schema', 'passed',"
            " '2024-05-01 12:00:00.000000', '2024-05-01 12:00:00.000000', 10, '{}')"
        )
    )


def _half_migrated(tmp_path: Path, *, upgraded_to: str, stamped: str | None, dropped: tuple[str, ...]) -> str:
    """What an older version left behind when killed mid-migration: its DDL was not transactional."""
    url = f"sqlite:///{tmp_path / 'half.db'}"
    engine = create_engine(url)
    migrate.upgrade(engine, upgraded_to)
    with engine.begin() as connection:
        _old_row(connection)
        for table in dropped:
            connection.execute(text(f"DROP TABLE {table}"))
        if stamped is None:
            connection.execute(text("DELETE FROM quality_gates_alembic_version"))
        else:
            connection.execute(text("UPDATE quality_gates_alembic_version SET version_num = :v"), {"v": stamped})
    engine.dispose()
    return url


@pytest.mark.parametrize(
    ("upgraded_to", "stamped", "dropped"),
    [
        ("0002", "0001", ("partition_profiles",)),  # killed between the two tables of 0002
        ("0002", "0001", ()),  # killed after 0002's last table, before its version was written
        ("head", "0004", ()),  # every table there, the version far behind
    ],
    ids=["partial-revision", "applied-not-stamped", "several-revisions-not-stamped"],
)
def test_a_store_half_migrated_by_an_older_version_is_repaired_and_keeps_its_results(tmp_path, upgraded_to, stamped, dropped):
    url = _half_migrated(tmp_path, upgraded_to=upgraded_to, stamped=stamped, dropped=dropped)
    store = ResultStore.open(url)
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    assert store.find(RunIdentity("dag", "gate", "before")).result.status is Status.PASSED
    store.record(RunIdentity("dag", "gate", "after"), _result())
    assert {"partitions", "partition_profiles", "alert_states"} <= set(inspect(store.engine).get_table_names())


def test_the_first_revision_half_applied_with_an_empty_version_table_is_repaired(tmp_path):
    """The state seen in the field: `table gate_runs already exists` on every later gate."""
    url = _half_migrated(tmp_path, upgraded_to="0001", stamped=None, dropped=("check_results",))
    with create_engine(url).begin() as connection:
        connection.execute(text("DELETE FROM gate_runs"))
    store = ResultStore.open(url)
    store.record(RunIdentity("dag", "gate", "after"), _result())
    assert migrate.current_revision(store.engine) == migrate.head_revision()


def test_leftover_tables_holding_rows_are_never_dropped(tmp_path):
    url = _half_migrated(tmp_path, upgraded_to="0001", stamped=None, dropped=("check_results",))
    from quality_gates.checks.errors import StoreConfigurationError

    with pytest.raises(
        StoreConfigurationError, match=r"half-migrated: gate_runs was created by a migration that never finished, but holds values"
    ):
        ResultStore.open(url)


def test_a_half_applied_add_column_is_undone_and_applied_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'columns.db'}"
    engine = create_engine(url)
    migrate.upgrade(engine, "0007")
    with engine.begin() as connection:  # 0008 killed after its first column
        _old_row(connection)
        connection.execute(text("ALTER TABLE gate_runs ADD COLUMN mode VARCHAR(10)"))
    engine.dispose()
    store = ResultStore.open(url)
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    assert {"mode", "action"} <= {c["name"] for c in inspect(store.engine).get_columns("gate_runs")}
    assert store.find(RunIdentity("dag", "gate", "before")) is not None
