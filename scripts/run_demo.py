"""`make demo`: run the example pipeline on a clean and on a corrupted partition with real
Airflow (dag.test) and the embedded SQLite results store, then say what happened."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pendulum

ROOT = Path(__file__).resolve().parent.parent
DAG_ID = "trip_duration_pipeline"
SCENARIOS = [("2024-06-01", "good", "a clean day of trips"), ("2024-06-02", "broken", "a corrupted day of trips")]


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


def report(dag, dag_run, store) -> None:
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    print(f"  DAG run {dag_run.run_id}: {dag_run.state}")
    for task_id in [t.task_id for t in dag.topological_sort()]:
        print(f"    {task_id:<20} {states.get(task_id)}")
    for stored in store.recent(dag_id=DAG_ID, run_id=dag_run.run_id):
        result = stored.result
        print(f"  Gate {stored.identity.task_id} ({result.gate} gate, dataset '{result.dataset}', partition {result.partition_key}):"
              f" {result.status.upper()} after {len(result.checks)} checks on {result.row_count:,} rows")
        for check in result.problems:
            where = check.column or "(dataset)"
            print(f"    ✗ {where}: {check.check_name} [{check.status}]")
            print(f"        expected: {check.expected}")
            print(f"        observed: {check.observed}")
    blocked = [task for task, state in states.items() if state in ("upstream_failed", "skipped")]
    if blocked:
        print(f"  Blocked, did not run: {', '.join(sorted(blocked))}")


def main() -> int:
    from airflow.dag_processing.dagbag import DagBag

    from quality_gates.hooks import QualityStoreHook

    log_path = ROOT / ".demo" / "airflow-task-logs.txt"
    bag = DagBag(dag_folder=str(ROOT / "dags"))
    if bag.import_errors:
        print(f"DAG import errors: {bag.import_errors}")
        return 1
    dag = bag.get_dag(DAG_ID)
    store = QualityStoreHook().get_store()
    print(f"Example pipeline '{DAG_ID}': {' → '.join(t.task_id for t in dag.topological_sort())}\n")
    outcomes = []
    for day, scenario, words in SCENARIOS:
        print(f"== {day}: {words} (scenario '{scenario}') ==")
        with quiet(log_path):
            dag_run = dag.test(logical_date=pendulum.parse(day), run_conf={"scenario": scenario})
        report(dag, dag_run, store)
        outcomes.append(dag_run.state)
        print()
    print(f"Results are stored in {store.location} (tables gate_runs and check_results).")
    print(f"Airflow's task logs: {log_path}")
    print(f"Look yourself:  sqlite3 {store.engine.url.database} \"select dag_id, partition_key, status, row_count from gate_runs\"")
    # The demo proves something only if the clean day passed and the broken day was blocked.
    return 0 if [str(s) for s in outcomes] == ["success", "failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
