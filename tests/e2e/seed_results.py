"""Fill a fresh AIRFLOW_HOME with real gate runs for the browser tests.

Run as ``python -m tests.e2e.seed_results OUTPUT.json`` in the environment of the api-server under
test (AIRFLOW_HOME, dags folder, results store connection). Every result comes from a real
``dag.test()`` run of tests/dags (ui_e2e_dags.py and the anomaly gate of gate_test_dags.py); what was seeded is written to OUTPUT.json so the
tests know which runs, tasks and partitions to open.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

SECRET_DAG = "ui_secret"
DAILY_PARTITIONS = 10  # min_history 5 for the anomaly gate, and a readable chart


def _run(bag, dag_id: str, day: dt.datetime, **conf) -> dict:
    dag_run = bag.get_dag(dag_id).test(logical_date=day, run_conf=conf)
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    return {"dag_id": dag_id, "run_id": dag_run.run_id, "states": states, "partition": day.date().isoformat()}


def _copy_to_secret_dag(run: dict) -> dict:
    """Record a real gate result again under the DAG the restricted user may not read.

    ``ui_secret`` (tests/dags/ui_test_dags.py) is the DAG that tests.ui.restricted_auth denies;
    it has no gate of its own, so it gets the hostile run's stored result.
    """
    from quality_gates.checks.results import RunIdentity
    from quality_gates.hooks.store import QualityStoreHook

    store = QualityStoreHook().get_store()
    stored = store.find(RunIdentity(run["dag_id"], "validate_orders", run["run_id"]))
    store.record(RunIdentity(SECRET_DAG, "validate_orders", run["run_id"]), stored.result)
    return {**run, "dag_id": SECRET_DAG}


def seed() -> dict:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        raise RuntimeError(f"tests/dags does not parse: {bag.import_errors}")
    start = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    daily = [
        _run(bag, "anomaly_gate", start + dt.timedelta(days=i), corruption="negative_amounts" if i == DAILY_PARTITIONS - 1 else "none")
        for i in range(DAILY_PARTITIONS)
    ]
    hostile = _run(bag, "e2e_orders", start + dt.timedelta(days=1), scenario="hostile")
    return {
        "passed_run": _run(bag, "e2e_orders", start, scenario="good"),
        "hostile_run": hostile,
        "secret_run": _copy_to_secret_dag(hostile),
        "daily_runs": daily,
        "flagged_run": daily[-1],
    }


if __name__ == "__main__":
    seeded = seed()
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump(seeded, out, indent=2)
