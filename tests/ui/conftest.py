"""Route tests with Airflow's own FastAPI app, its auth manager and real tokens.

Users (SimpleAuthManager roles): admin; viewer (read only); editor (role "user": may edit DAGs);
restricted (role "user", but no access at all to DAG ui_secret, see restricted_auth.py); nobody
(authenticated, no role: no permission).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from tests.ui.restricted_auth import SECRET_DAG

UI_ENV = {
    "AIRFLOW__CORE__AUTH_MANAGER": "tests.ui.restricted_auth.RestrictedAuthManager",
    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin,viewer:viewer,editor:user,restricted:user,nobody:",
    "AIRFLOW__API_AUTH__JWT_SECRET": "quality-gates-ui-tests-" + "x" * 64,
    "AIRFLOW__API__BASE_URL": "http://testserver",
}
ROLES = {"admin": "admin", "viewer": "viewer", "editor": "user", "restricted": "user", "nobody": None}
READABLE_DAG, SECRET = "ui_orders", SECRET_DAG


@pytest.fixture(scope="session")
def ui_app(airflow_db):
    """Airflow's API server app (with our plugin mounted at /quality-gates), DAGs serialized."""
    saved = {k: os.environ.get(k) for k in UI_ENV}
    os.environ.update(UI_ENV)
    subprocess.run([sys.executable, "-m", "airflow", "dags", "reserialize"], check=True, capture_output=True, env=os.environ.copy())
    from airflow.api_fastapi.app import create_app, purge_cached_app

    purge_cached_app()
    app = create_app()
    yield app
    purge_cached_app()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def tokens(ui_app) -> dict[str, str]:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    manager = get_auth_manager()
    return {name: manager.generate_jwt(SimpleAuthManagerUser(username=name, role=role)) for name, role in ROLES.items()}


@pytest.fixture
def ui_store(store_url, store, monkeypatch):
    """The results store the app reads (the gates' default connection), on SQLite and PostgreSQL."""
    from tests.airflow.conftest import airflow_uri

    monkeypatch.setenv("AIRFLOW_CONN_QUALITY_GATES_DEFAULT", airflow_uri(store_url))
    return store


@pytest.fixture
def client(ui_app, ui_store):
    from fastapi.testclient import TestClient

    with TestClient(ui_app) as c:
        yield c


def auth(tokens, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[user]}"}


def seed_run(
    store,
    dag_id: str,
    *,
    task_id: str = "validate",
    run_id: str = "run_1",
    status: str = "failed",
    dataset: str = "orders",
    partition: str = "2024-06-01",
    started: dt.datetime | None = None,
    checks=None,
    gate: str = "schema",
    try_number: int = 1,
    map_index: int = -1,
) -> int:
    """Record one gate run as a gate would (through ResultStore.record)."""
    from quality_gates.checks.results import CheckResult, GateResult, RunIdentity, Severity, Status

    started = started or dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC)
    if checks is None:
        checks = [
            CheckResult(
                "not_nullable",
                "id",
                Status.PASSED,
                Severity.ERROR,
                "0 failing rows",
                "no nulls",
                {"rows_checked": 100, "failing_rows": 0, "failing_fraction": 0.0},
            )
        ]
        if status != "passed":
            checks.append(
                CheckResult(
                    "greater_than_or_equal_to",
                    "amount",
                    Status(status),
                    Severity.ERROR,
                    "3 of 100 rows (3.00%) fail, e.g. -1",
                    ">= 0",
                    {
                        "rows_checked": 100,
                        "failing_rows": 3,
                        "failing_fraction": 0.03,
                        "failure_cases": [{"row": 7, "value": -1.0}, {"row": 9, "value": "<script>alert(1)</script>"}],
                    },
                )
            )
    result = GateResult(gate, dataset, partition, tuple(checks), 100, started, started + dt.timedelta(seconds=2))
    return store.record(RunIdentity(dag_id, task_id, run_id, map_index, try_number), result)


def seed_partition(
    store,
    dataset: str,
    key: str,
    *,
    gate_run_id: int | None = None,
    anomalous: bool = False,
    column: str = "amount",
    value: float = 10.0,
    rows: int = 100,
) -> str:
    """Store a small profile for one partition, as the anomaly gate does after recording its run."""
    from quality_gates.checks.profiles.model import ColumnProfile, PartitionProfile

    profile = PartitionProfile(rows, {column: ColumnProfile("numeric", {"mean": value, "null_fraction": 0.0})}, {"row_count": float(rows)})
    return store.partitions.save(dataset, key, profile, anomalous=anomalous, gate_run_id=gate_run_id)


from tests.airflow.conftest import dagbag, run_dag  # noqa: E402,F401  (real dag.test() runs for the link tests)
