"""DAGs whose runs the browser tests (tests/e2e) show in Airflow's UI; module level, as Airflow 3.3 requires.

``e2e_orders`` fails its schema gate on a hostile status value (the UI must show it as text). The
history of daily profiles for the dataset chart comes from ``anomaly_gate`` in gate_test_dags.py.
"""

import datetime as dt

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from quality_gates.operators import SchemaGateOperator
from quality_gates.sources import CallableSource

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
HOSTILE_STATUS = "<script>alert(1)</script>"


def e2e_orders(scenario: str = "good"):
    import pandas as pd

    frame = pd.DataFrame({"order_id": range(50), "amount": [12.5] * 50, "status": ["paid"] * 50})
    if scenario == "hostile":
        frame.loc[:2, "status"] = HOSTILE_STATUS
        frame.loc[3:5, "amount"] = -1.0
    return frame


with DAG("e2e_orders", schedule=None, start_date=START, params={"scenario": "good"}) as e2e_orders_dag:
    SchemaGateOperator(
        task_id="validate_orders",
        source=CallableSource(e2e_orders, op_kwargs={"scenario": "{{ params.scenario }}"}),
        schema="orders.yaml",
        dataset="e2e_orders",
    ) >> EmptyOperator(task_id="load_orders")
