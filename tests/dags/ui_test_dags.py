"""DAGs the UI tests attach seeded gate results to: one everybody may read, one a restricted user may not."""

import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

for _dag_id in ("ui_orders", "ui_secret"):
    with DAG(_dag_id, schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC")) as _dag:
        EmptyOperator(task_id="noop")
    globals()[_dag_id] = _dag
