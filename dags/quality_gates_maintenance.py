"""Optional maintenance: prune old gate results from the results store once a week.

Keeps what gates still use (baseline windows, production model baselines, reference profiles);
see docs/retention.md. Paused when created: unpause it in the UI to enable it. Tune the age
with the Airflow Variable ``quality_gates_retention`` (default ``180d``).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task

with DAG(
    dag_id="quality_gates_maintenance",
    schedule="@weekly",
    start_date=pendulum.datetime(2024, 6, 1, tz="UTC"),
    catchup=False,
    is_paused_upon_creation=True,
    tags=["quality-gates", "maintenance"],
) as dag:

    @task
    def prune_results(older_than: str) -> dict[str, int]:
        from quality_gates.hooks.store import QualityStoreHook
        from quality_gates.store.retention import execute_prune, parse_age, plan_prune

        store = QualityStoreHook().get_store()
        plan = execute_prune(store.engine, plan_prune(store.engine, parse_age(older_than)))
        for line in plan.describe(done=True):
            print(line)
        return {"gate_runs": len(plan.gate_run_ids), "check_results": plan.check_results, "partitions": len(plan.partition_ids)}

    prune_results(older_than="{{ var.value.get('quality_gates_retention', '180d') }}")  # templated at run time
