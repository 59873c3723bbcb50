"""Server time per page of the results UI on a big PostgreSQL store (target: under 300 ms).

The store holds 100,000 gate runs, 1,000,000 check results and two years of daily partition
profiles (benchmarks/ui_seed.py). Pages and their JSON API are requested through Airflow's own
FastAPI app (``create_app()``, plugin mounted, simple auth manager) with a token from its real
token endpoint, in a child process with a private AIRFLOW_HOME whose metadata DB knows the DAGs.
Airflow's own ``GET /api/v2/dags`` is timed in the same run as a reference.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from benchmarks import ui_seed
from benchmarks.common import PG_SERVER, markdown_table, write_results

DATABASE = "quality_gates_bench_ui"
TARGET_MS = 300.0
REPEATS = 9
DEEP_PAGES = 200  # the deep overview page is the 201st page of 50 runs (10,000 runs in)
DAG, SCHEMA_TASK, ANOMALY_TASK = "dag_007", "validate_orders", "detect_anomalies"
DATASET, COLUMN = "dataset_007", "amount"
DAGS_FILE = f"""
import datetime as dt
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

for i in range({(ui_seed.GATES + 1) // 2}):
    with DAG(f"dag_{{i:03d}}", schedule="@daily", start_date=dt.datetime(2024, 1, 1), catchup=False) as dag:
        EmptyOperator(task_id="{SCHEMA_TASK}") >> EmptyOperator(task_id="{ANOMALY_TASK}")
    globals()[dag.dag_id] = dag
"""


def main() -> str:
    from quality_gates.store.repository import ResultStore

    store_url = _ensure_database()
    start = time.perf_counter()
    store = ResultStore.open(store_url)  # migrations to head, the UI's indexes included
    seeding = ui_seed.seed(store.engine)
    seeding["total"] = time.perf_counter() - start
    counts = ui_seed.counts(store.engine)
    per_run = ui_seed.record_path_seconds(store)
    store.engine.dispose()
    generated = seeding["gate_runs"] + seeding["check_results"]
    record_path = per_run * counts["gate_runs"]

    with tempfile.TemporaryDirectory(prefix="qg-bench-ui-") as home:
        env = _airflow_env(Path(home), store_url)
        measured = _run_measurement(env)

    airflow_ms = next(m["median_ms"] for m in measured if m["reference"])
    rows = [
        [
            m["page"],
            f"`{m['path']}`",
            f"{m['median_ms']:.0f}",
            f"{m['min_ms']:.0f}–{m['max_ms']:.0f}",
            f"{TARGET_MS:.0f}",
            f"{m['median_ms'] / TARGET_MS:.2f}",
            f"{m['median_ms'] / airflow_ms:.1f}",
            "reference" if m["reference"] else ("pass" if m["median_ms"] < TARGET_MS else "FAIL"),
        ]
        for m in measured
    ]
    table = markdown_table(
        ["page", "request", "median ms", "range ms", "target ms", "median / target", "× Airflow's list DAGs", "result"], rows
    )
    data = ", ".join(f"{n:,} {t}" for t, n in counts.items())
    seed_line = ", ".join(f"{t} {s:.1f} s" for t, s in seeding.items())
    text = (
        f"Store: PostgreSQL with {data}.\n\nSeeded in the server with generate_series: {seed_line}. "
        f"Gate runs and check results took {generated:.1f} s; written through ResultStore.record, as gates write "
        f"them, they would take ~{record_path:.0f} s ({per_run * 1000:.1f} ms per run of {ui_seed.CHECKS_PER_RUN} checks, "
        f"measured on 200 runs): {record_path / generated:.0f}× longer.\n\n"
        f"Median of {REPEATS} requests after one warm-up, through Airflow's create_app() with a real token.\n\n{table}"
    )
    write_results(
        "ui_pages",
        "Results UI: server time per page",
        text,
        {"counts": counts, "seeding_seconds": seeding, "record_path_seconds_per_run": per_run, "pages": measured, "target_ms": TARGET_MS},
    )
    return text


def _ensure_database() -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(f"postgresql+psycopg2://{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).scalar():
            connection.exec_driver_sql(f'CREATE DATABASE "{DATABASE}"')
    admin.dispose()
    return f"postgresql+psycopg2://{PG_SERVER}/{DATABASE}"


def _airflow_env(home: Path, store_url: str) -> dict[str, str]:
    """A private AIRFLOW_HOME whose metadata DB knows the store's DAGs (the UI lists only those)."""
    (home / "dags").mkdir()
    (home / "dags" / "bench_ui_dags.py").write_text(DAGS_FILE)
    (home / "passwords.json").write_text(json.dumps({"admin": "admin"}))
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__API_AUTH__JWT_SECRET": "bench-only-secret",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
        "AIRFLOW_CONN_QUALITY_GATES_DEFAULT": store_url.replace("postgresql+psycopg2://", "postgresql://"),
    }
    for command in (["db", "migrate"], ["dags", "reserialize"]):
        subprocess.run([sys.executable, "-m", "airflow", *command], env=env, check=True, capture_output=True)
    return env


def _run_measurement(env: dict[str, str]) -> list[dict]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.ui_pages", "--measure"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"page measurement failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- in the child process, with AIRFLOW_HOME set before Airflow is imported ---


def _measure() -> list[dict]:
    from airflow.api_fastapi.app import create_app
    from fastapi.testclient import TestClient

    client = TestClient(create_app())
    answer = client.post("/auth/token", json={"username": "admin", "password": "admin"})
    answer.raise_for_status()
    token = answer.json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    client.cookies.set("_token", token)

    failed_run = _run_id(client, SCHEMA_TASK, "failed")
    flagged_run = _run_id(client, ANOMALY_TASK, "failed")
    deep_cursor = quote(_cursor_after(client, DEEP_PAGES), safe="")
    since = (dt.date.today() - dt.timedelta(days=90)).isoformat()
    filtered = f"dataset={DATASET}&status=failed&status=warned&since={since}"
    task = f"dags/{DAG}/runs/{failed_run}/tasks/{SCHEMA_TASK}"
    anomaly_task = f"dags/{DAG}/runs/{flagged_run}/tasks/{ANOMALY_TASK}"
    # (page, path, text the answer must contain: a page that errors or shows nothing is not timed)
    pages = [
        ("overview, first page", "/quality-gates/", 'data-testid="qg-run-row"'),
        ("overview, filtered", f"/quality-gates/?{filtered}", 'data-testid="qg-run-row"'),
        (f"overview, page {DEEP_PAGES + 1}", f"/quality-gates/?cursor={deep_cursor}", 'data-testid="qg-run-row"'),
        ("DAG tab", f"/quality-gates/dags/{DAG}", 'data-testid="qg-cell"'),
        ("task-instance tab (schema gate)", f"/quality-gates/{task}", 'data-testid="qg-check-row"'),
        ("task-instance tab (anomaly gate)", f"/quality-gates/{anomaly_task}", 'data-testid="qg-check-row"'),
        ("dataset page", f"/quality-gates/dataset?dataset={DATASET}&column={COLUMN}", 'data-testid="qg-chart"'),
        ("API: gate runs, first page", "/quality-gates/api/gate-runs", '"runs"'),
        ("API: gate runs, filtered", f"/quality-gates/api/gate-runs?{filtered}", '"runs"'),
        (f"API: gate runs, page {DEEP_PAGES + 1}", f"/quality-gates/api/gate-runs?cursor={deep_cursor}", '"runs"'),
        ("API: DAG grid", f"/quality-gates/api/dags/{DAG}/grid", DAG),
        ("API: task instance", f"/quality-gates/api/{task}", '"checks"'),
        ("API: dataset", f"/quality-gates/api/dataset?dataset={DATASET}", DATASET),
        ("API: dataset series", f"/quality-gates/api/dataset/series?dataset={DATASET}&column={COLUMN}", COLUMN),
    ]
    results = [_time(client, page, path, must_contain) | {"reference": False} for page, path, must_contain in pages]
    reference = _time(client, "Airflow's own REST API: list DAGs", "/api/v2/dags?limit=50", '"dags"')
    return results + [reference | {"reference": True}]


def _time(client, page: str, path: str, must_contain: str) -> dict:
    seconds = []
    for attempt in range(REPEATS + 1):
        start = time.perf_counter()
        answer = client.get(path)
        elapsed = time.perf_counter() - start
        if answer.status_code != 200 or must_contain not in answer.text:
            raise RuntimeError(f"{page}: GET {path} answered {answer.status_code} without {must_contain!r}: {answer.text[:500]}")
        if attempt:  # the first request warms caches (templates, plugin app, connection pool)
            seconds.append(elapsed)
    return {
        "page": page,
        "path": path,
        "median_ms": statistics.median(seconds) * 1000,
        "min_ms": min(seconds) * 1000,
        "max_ms": max(seconds) * 1000,
        "bytes": len(answer.content),
    }


def _run_id(client, task_id: str, status: str) -> str:
    answer = client.get("/quality-gates/api/gate-runs", params={"dag_id": DAG, "status": status, "limit": 50})
    answer.raise_for_status()
    return next(run["run_id"] for run in answer.json()["runs"] if run["task_id"] == task_id)


def _cursor_after(client, pages: int) -> str:
    cursor = None
    for _ in range(pages):
        answer = client.get("/quality-gates/api/gate-runs", params={"cursor": cursor} if cursor else {})
        answer.raise_for_status()
        cursor = answer.json()["next_cursor"]
    return cursor


if __name__ == "__main__":
    if sys.argv[1:] == ["--measure"]:
        print(json.dumps(_measure()))
    else:
        print(main())
