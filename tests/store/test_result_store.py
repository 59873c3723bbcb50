"""The results store on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from sqlalchemy import inspect, text

from quality_gates.checks.results import CheckResult, GateResult, RunIdentity, Severity, Status
from quality_gates.store import migrate

NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


def result(partition="2024-05-01", checks=None, status=Status.FAILED) -> GateResult:
    checks = (
        checks
        if checks is not None
        else (
            CheckResult("greater_than_or_equal_to", "amount", status, Severity.ERROR, "3 of 10 rows", ">= 0", {"failing_rows": 3}),
            CheckResult("not_empty", None, Status.PASSED, Severity.ERROR, "10 rows", "at least 1 row", {}),
        )
    )
    return GateResult("schema", "orders", partition, tuple(checks), 10, NOW, NOW + dt.timedelta(seconds=2))


def test_first_use_creates_the_documented_tables(store):
    tables = inspect(store.engine).get_table_names()
    assert {"gate_runs", "check_results", "quality_gates_alembic_version"} <= set(tables)
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    columns = {c["name"] for c in inspect(store.engine).get_columns("gate_runs")}
    assert columns == {
        "id",
        "dag_id",
        "task_id",
        "run_id",
        "map_index",
        "try_number",
        "dataset",
        "partition_key",
        "gate",
        "status",
        "started_at",
        "finished_at",
        "row_count",
        "summary",
        "mode",
        "action",
    }
    assert {c["name"] for c in inspect(store.engine).get_columns("check_results")} == {
        "id",
        "gate_run_id",
        "check_name",
        "column_name",
        "status",
        "severity",
        "observed",
        "expected",
        "details",
    }


def test_round_trip_gives_back_the_same_result_model(store):
    identity = RunIdentity("dag", "gate", "run_1", -1, 1)
    gate_run_id = store.record(identity, result())
    stored = store.get(gate_run_id)
    assert stored.identity == identity
    assert stored.result == result()
    assert stored.result.status is Status.FAILED


def test_each_try_has_its_own_row_and_reexecuting_a_try_replaces_it(store):
    first = RunIdentity("dag", "gate", "run_1", -1, 1)
    store.record(first, result())
    store.record(first, result(status=Status.PASSED))  # the same try executed again
    store.record(RunIdentity("dag", "gate", "run_1", -1, 2), result())
    with store.engine.connect() as connection:
        runs = connection.execute(text("SELECT try_number, status FROM gate_runs ORDER BY try_number")).all()
        check_count = connection.execute(text("SELECT count(*) FROM check_results")).scalar()
    assert [tuple(r) for r in runs] == [(1, "passed"), (2, "failed")]
    assert check_count == 4


def test_hostile_partition_keys_and_values_are_stored_verbatim(store):
    partition = "2024-05-01'); DROP TABLE gate_runs; --\"\\;"
    identity = RunIdentity("dag'; --", "gate", "run;1", 3, 1)
    gate_run_id = store.record(identity, result(partition=partition))
    stored = store.find(identity)
    assert (stored.id, stored.result.partition_key) == (gate_run_id, partition)
    assert "gate_runs" in inspect(store.engine).get_table_names()


def test_summary_and_details_are_queryable_json(store):
    gate_run_id = store.record(RunIdentity("dag", "gate", "run_1"), result())
    with store.engine.connect() as connection:
        summary, details = connection.execute(
            text(
                "SELECT r.summary, c.details FROM gate_runs r JOIN check_results c ON c.gate_run_id = r.id "
                "WHERE r.id = :id AND c.check_name = 'greater_than_or_equal_to'"
            ),
            {"id": gate_run_id},
        ).one()
    summary = json.loads(summary) if isinstance(summary, str) else summary
    details = json.loads(details) if isinstance(details, str) else details
    assert summary["status"] == "failed" and summary["counts"] == {"passed": 1, "warned": 0, "failed": 1, "error": 0}
    assert summary["problems"][0]["column"] == "amount"
    assert details == {"failing_rows": 3}


def test_ten_thousand_checks_in_one_run(store):
    checks = [CheckResult(f"check_{i}", f"col_{i % 50}", Status.PASSED, Severity.ERROR, "ok", "ok", {"i": i}) for i in range(10_000)]
    gate_run_id = store.record(RunIdentity("dag", "gate", "big"), result(checks=checks))
    assert len(store.get(gate_run_id).result.checks) == 10_000


def test_recent_lists_newest_first_and_filters(store):
    for i in range(3):
        store.record(RunIdentity("dag_a", "gate", f"run_{i}"), result())
    store.record(RunIdentity("dag_b", "gate", "run_0"), result())
    assert [r.identity.run_id for r in store.recent(dag_id="dag_a", limit=2)] == ["run_2", "run_1"]
    assert [r.identity.dag_id for r in store.recent(run_id="run_0")] == ["dag_b", "dag_a"]


def test_cli_db_upgrade_and_current(store_url, tmp_path):
    url = store_url if store_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade = subprocess.run([sys.executable, "-m", "quality_gates.cli", "db", "upgrade", "--url", url], capture_output=True, text=True)
    assert upgrade.returncode == 0, upgrade.stderr
    head = migrate.head_revision()
    assert f"is at revision {head}" in upgrade.stdout
    current = subprocess.run([sys.executable, "-m", "quality_gates.cli", "db", "current", "--url", url], capture_output=True, text=True)
    assert (current.returncode, current.stdout.strip().endswith(f"revision {head}, latest {head}")) == (0, True)


def test_upgrading_an_older_store_keeps_its_results(tmp_path):
    from quality_gates.store.repository import ResultStore

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = ResultStore.open(url, migrate_schema=False)
    migrate.upgrade(old.engine, "0001")
    recorded = result()
    # A row as revision 0001 wrote it: no mode and no action columns yet.
    with old.engine.begin() as connection:
        gate_run_id = connection.execute(
            text(
                "INSERT INTO gate_runs (dag_id, task_id, run_id, map_index, try_number, dataset, partition_key, gate, status, started_at,"
                " finished_at, row_count, summary) VALUES ('dag', 'gate', 'before_upgrade', -1, 1, 'orders', '2024-05-01', 'schema', 'failed',"
                " :started, :finished, 10, :summary) RETURNING id"
            ),
            {
                "started": f"{NOW:%Y-%m-%d %H:%M:%S.%f}",
                "finished": f"{NOW + dt.timedelta(seconds=2):%Y-%m-%d %H:%M:%S.%f}",
                "summary": json.dumps(recorded.summary()),
            },
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO check_results (gate_run_id, check_name, column_name, status, severity, observed, expected, details)"
                " VALUES (:id, :name, :column, :status, :severity, :observed, :expected, :details)"
            ),
            [
                {
                    "id": gate_run_id,
                    "name": c.check_name,
                    "column": c.column,
                    "status": c.status.value,
                    "severity": c.severity.value,
                    "observed": c.observed,
                    "expected": c.expected,
                    "details": json.dumps(dict(c.details)),
                }
                for c in recorded.checks
            ],
        )
    migrate.upgrade(old.engine)
    assert migrate.current_revision(old.engine) == migrate.head_revision()
    loaded = old.find(RunIdentity("dag", "gate", "before_upgrade")).result
    assert loaded == recorded and (loaded.mode, loaded.action) == (None, None)


def test_unreachable_store_is_reported_as_unavailable():
    from quality_gates.store.repository import ResultStore, StoreUnavailableError

    with pytest.raises(StoreUnavailableError, match="results store postgresql\\+psycopg2://postgres@127.0.0.1:1/x is unavailable"):
        ResultStore.open("postgresql+psycopg2://postgres@127.0.0.1:1/x")
