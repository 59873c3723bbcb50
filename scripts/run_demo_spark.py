"""`make demo-spark`: the trips pipeline's gates computed by a local Spark (local[2]) on a
Parquet-backed table, on a clean, a broken and a drifted day (real Airflow, dag.test)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pendulum

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_demo import ROOT, quiet, report, seed_history

DAG_ID = "trips_spark_pipeline"
SCENARIOS = [
    ("2024-06-01", "good", "a clean day of trips"),
    ("2024-06-02", "broken", "a broken day: rows that break the schema"),
    ("2024-06-03", "drifted", "a drifted day: every row plausible, the day as a whole is not"),
]


def main() -> int:
    from airflow.dag_processing.dagbag import DagBag

    from quality_gates.hooks import QualityStoreHook

    # pickup_date partitions stay text, as the schema (shared with the pandas pipeline) declares.
    os.environ.setdefault(
        "AIRFLOW_CONN_SPARK_DEFAULT",
        json.dumps(
            {
                "conn_type": "spark",
                "host": "local[2]",
                "extra": {"conf": {"spark.sql.sources.partitionColumnTypeInference.enabled": "false"}},
            }
        ),
    )
    log_path = ROOT / ".demo-spark" / "airflow-task-logs.txt"
    with quiet(log_path):
        bag = DagBag(dag_folder=str(ROOT / "dags"))
        store = QualityStoreHook().get_store()
    dag = bag.get_dag(DAG_ID)
    print(f"Spark pipeline '{DAG_ID}': {' → '.join(t.task_id for t in dag.topological_sort())}\n")
    seed_history(Path(os.environ.get("QUALITY_GATES_DEMO_DATA", Path(os.environ["AIRFLOW_HOME"]) / "demo_data")), log_path)
    outcomes = {}
    for day, scenario, words in SCENARIOS:
        print(f"== {day}: {words} (scenario '{scenario}') ==")
        with quiet(log_path):
            dag_run = dag.test(logical_date=pendulum.parse(day), run_conf={"scenario": scenario})
        report(dag, dag_run, store)
        outcomes[scenario] = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
        print()
    print(f"Results are stored in {store.location}; Airflow's task logs: {log_path}")
    expected = (
        outcomes["good"].get("publish_trips") == "success"
        and outcomes["broken"].get("validate_trips") == "failed"
        and outcomes["drifted"].get("validate_trips") == "success"
        and outcomes["drifted"].get("detect_trip_anomalies") == "failed"
    )
    return 0 if expected else 1


if __name__ == "__main__":
    sys.exit(main())
