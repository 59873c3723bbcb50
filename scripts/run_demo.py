"""`make demo`: run the example pipeline with real Airflow (dag.test) and the embedded SQLite
results store, on a clean, a broken, a drifted and a skewed day, then say what happened."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pendulum

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "dags"))  # the example pipeline's helpers (Airflow adds it too, later)
DAG_ID = "trip_duration_pipeline"
HISTORY_DAYS = 30
MAX_SHOWN = 5  # problems printed per gate; all of them are in the store
SCENARIOS = [
    ("2024-06-01", "good", "a clean day of trips"),
    ("2024-06-02", "broken", "a broken day: rows that break the schema"),
    ("2024-06-03", "drifted", "a drifted day: every row plausible, the day as a whole is not"),
    ("2024-06-04", "worse_model", "a worse model: clean data, but the candidate was trained without the rush-hour feature"),
    ("2024-06-05", "skewed", "a skewed day: clean trips, but serving computes distance_km in miles"),
]
SERVING_DAG_ID = "fare_dispute_serving"
SERVING_SCENARIOS = [
    ("2024-06-05", "fresh", "serving, an hour after the day: most labels have not arrived yet"),
    ("2024-06-06", "settled", "serving, a week later: the labels are in"),
    ("2024-06-07", "degraded", "serving, a week later, with a degraded model"),
]


@contextlib.contextmanager
def quiet(log_path: Path):
    """Send Airflow's own task logs to a file so that the report stays readable."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush(), sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log_path.open("a") as log:
        os.dup2(log.fileno(), 1), os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush(), sys.stderr.flush()
            os.dup2(saved[0], 1), os.dup2(saved[1], 2)


def seed_history(data_dir: Path, log_path: Path) -> None:
    """A month of earlier days, replayed with `quality-gates backtest --record`."""
    import pandas as pd
    from trips_example.data import generate_trips

    from quality_gates.cli import main as cli

    first = dt.date.fromisoformat(SCENARIOS[0][0]) - dt.timedelta(days=HISTORY_DAYS)
    history = pd.concat([generate_trips(first + dt.timedelta(days=i)) for i in range(HISTORY_DAYS)], ignore_index=True)
    path = data_dir / "history" / "trips_history.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    history.to_parquet(path, index=False)
    command = ["backtest", str(path), "--dataset", "trips", "--partition-column", "pickup_date", "--record"]
    print(f"== History: {HISTORY_DAYS} earlier days, replayed with `quality-gates {' '.join(command[:1])} … --record` ==")
    with quiet(log_path):
        status = cli(command)
    if status != 0:
        raise SystemExit(f"backtest failed; see {log_path}")
    print(f"  {_last_line(log_path)}\n")


def _last_line(path: Path) -> str:
    lines = [line for line in path.read_text().splitlines() if line.startswith("trips:")]
    return lines[-1] if lines else "(see the log)"


@contextlib.contextmanager
def alert_sink():
    """A local webhook that receives the pipeline's alerts (the DAG's `quality_gates_demo_alerts`)."""
    received: list[dict] = []

    class Sink(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    connection = {"conn_type": "http", "host": "127.0.0.1", "port": server.server_address[1], "schema": "http"}
    os.environ["AIRFLOW_CONN_QUALITY_GATES_DEMO_ALERTS"] = json.dumps(connection)
    try:
        yield received
    finally:
        server.shutdown()


def print_alerts(alerts: list[dict]) -> None:
    for alert in alerts:
        print(f"  Alert sent to the local webhook: {alert['subject']}")
        for line in alert["text"].splitlines():
            print(f"    | {line}")


def report(dag, dag_run, store) -> None:
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    print(f"  DAG run {dag_run.run_id}: {dag_run.state}")
    for task_id in [t.task_id for t in dag.topological_sort()]:
        print(f"    {task_id:<24} {states.get(task_id)}")
    for stored in sorted(store.recent(dag_id=dag.dag_id, run_id=dag_run.run_id), key=lambda s: s.id):
        result = stored.result
        print(
            f"  Gate {stored.identity.task_id} ({result.gate} gate, dataset '{result.dataset}', partition {result.partition_key}):"
            f" {result.status.upper()} after {len(result.checks)} checks on {result.row_count or 0:,} rows"
        )
        for check in result.checks:  # what a serving evaluation rests on: coverage, delay, balance
            if check.details.get("kind") == "serving_evaluation" and check.status == "passed":
                print(f"    · {check.check_name}: {check.details['explanation']}")
        # Failures first: they are why a task was blocked.
        problems = sorted(result.problems, key=lambda c: c.status != "failed")
        for check in problems[:MAX_SHOWN]:
            where = check.column or "(dataset)"
            print(f"    ✗ {where}: {check.check_name} [{check.status}]")
            if check.details.get("kind") == "anomaly_explanation":
                print(f"        {check.details['message']}")
                continue
            print(f"        expected: {check.expected}")
            print(f"        observed: {check.observed}")
            if check.details.get("message"):
                print(f"        {check.details['message']}")
        if len(problems) > MAX_SHOWN:
            print(f"    … and {len(problems) - MAX_SHOWN} more in check_results")
    blocked = [task for task, state in states.items() if state in ("upstream_failed", "skipped")]
    if blocked:
        print(f"  Blocked, did not run: {', '.join(sorted(blocked))}")


def run_serving_demo(dag, store, log_path: Path) -> dict[str, dict[str, str]]:
    """The serving evaluation DAG over logged predictions whose labels arrive late."""
    data_dir = Path(os.environ.get("QUALITY_GATES_DEMO_DATA", Path(os.environ["AIRFLOW_HOME"]) / "demo_data"))
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["AIRFLOW_CONN_QUALITY_GATES_DEMO_SERVING"] = f"sqlite:///{data_dir / 'serving_log.db'}"
    print(f"Serving evaluation '{dag.dag_id}': {' → '.join(t.task_id for t in dag.topological_sort())}\n")
    outcomes = {}
    for day, scenario, words in SERVING_SCENARIOS:
        print(f"== {day}: {words} (scenario '{scenario}') ==")
        with quiet(log_path):
            dag_run = dag.test(logical_date=pendulum.parse(day), run_conf={"scenario": scenario})
        report(dag, dag_run, store)
        outcomes[scenario] = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
        print()
    return outcomes


def main() -> int:
    from airflow.dag_processing.dagbag import DagBag

    from quality_gates.hooks import QualityStoreHook

    log_path = ROOT / ".demo" / "airflow-task-logs.txt"
    with quiet(log_path):
        bag = DagBag(dag_folder=str(ROOT / "dags"))
    if bag.import_errors:
        print(f"DAG import errors: {bag.import_errors}")
        return 1
    dag = bag.get_dag(DAG_ID)
    with quiet(log_path):
        store = QualityStoreHook().get_store()
    print(f"Example pipeline '{DAG_ID}': {' → '.join(t.task_id for t in dag.topological_sort())}\n")
    seed_history(Path(os.environ.get("QUALITY_GATES_DEMO_DATA", Path(os.environ["AIRFLOW_HOME"]) / "demo_data")), log_path)
    outcomes = {}
    with alert_sink() as alerts:
        for day, scenario, words in SCENARIOS:
            print(f"== {day}: {words} (scenario '{scenario}') ==")
            sent = len(alerts)
            with quiet(log_path):
                dag_run = dag.test(logical_date=pendulum.parse(day), run_conf={"scenario": scenario})
            report(dag, dag_run, store)
            print_alerts(alerts[sent:])
            outcomes[scenario] = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
            print()
    outcomes.update(run_serving_demo(bag.get_dag(SERVING_DAG_ID), store, log_path))
    print(
        f"Results are stored in {store.location} (tables gate_runs, check_results, partitions, partition_profiles, reference_profiles, model_baselines)."
    )
    print(f"Airflow's task logs: {log_path}")
    print(f'Look yourself:  sqlite3 {store.engine.url.database} "select dag_id, task_id, partition_key, status from gate_runs"')
    print(
        "See them in Airflow's UI: `make ui`, then http://localhost:8080 (user admin, password printed by `make ui`);"
        ' DAG trip_duration_pipeline → a gate task → tab "Quality checks", or "Data quality" in the navigation.'
    )
    # The demo proves something only if each gate did its job.
    expected = (
        outcomes["good"].get("serve_predictions") == "success"
        and outcomes["broken"].get("validate_trips") == "failed"
        and outcomes["drifted"].get("validate_trips") == "success"
        and outcomes["drifted"].get("detect_trip_anomalies") == "failed"
        and outcomes["good"].get("deploy_model") == "success"
        and outcomes["good"].get("check_trips_freshness") == "success"
        and outcomes["good"].get("reconcile_features") == "success"
        and outcomes["worse_model"].get("gate_model") == "failed"
        and outcomes["worse_model"].get("deploy_model") == "upstream_failed"
        and outcomes["skewed"].get("check_feature_skew") == "failed"
        and outcomes["skewed"].get("deploy_model") == "upstream_failed"
        and outcomes["fresh"].get("evaluate_serving") == "success"
        and outcomes["settled"].get("model_healthy") == "success"
        and outcomes["degraded"].get("evaluate_serving") == "failed"
    )
    return 0 if expected else 1


if __name__ == "__main__":
    sys.exit(main())
