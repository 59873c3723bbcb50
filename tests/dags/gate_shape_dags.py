"""DAGs for the one gate shape: errors of any kind are recorded, keys are checked up front, and
the verdict and its artifacts are kept together (tests/airflow/test_gate_shape_runs.py)."""

import datetime as dt

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from quality_gates.operators import PartitionAnomalyGateOperator, SchemaGateOperator
from quality_gates.sources import CallableSource, SqlSource

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
RETRY_ONCE = {"retries": 1, "retry_delay": dt.timedelta(seconds=0)}


def orders_then_a_crash():
    """A reader that yields one good chunk, then fails on a line it cannot parse."""
    import pandas as pd

    yield pd.DataFrame({"order_id": range(10), "amount": [10.0] * 10, "status": ["paid"] * 10})
    raise ValueError("line 12 of orders.csv: could not convert 'ten' to float")


def small_orders():
    import pandas as pd

    return pd.DataFrame({"order_id": range(10), "amount": [10.0] * 10, "status": ["paid"] * 10})


def daily_orders(day: str):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(int(day.replace("-", "")))
    return pd.DataFrame({"amount": rng.gamma(2.0, 10.0, 500).round(2), "quantity": rng.integers(1, 5, 500)})


def _schema_gate_dag(dag_id: str, source, **gate_kwargs) -> DAG:
    with DAG(dag_id, schedule=None, start_date=START, params={"dataset": "orders", "partition": "2024-01-01"}) as dag:
        gate_kwargs.setdefault("dataset", "{{ params.dataset }}")
        gate_kwargs.setdefault("partition", "{{ params.partition }}")
        SchemaGateOperator(task_id="gate", source=source, schema="orders.yaml", **gate_kwargs) >> EmptyOperator(task_id="downstream")
    return dag


shape_source_crash = _schema_gate_dag("shape_source_crash", CallableSource(orders_then_a_crash), **RETRY_ONCE)
# 'mysql' stands for any connection type whose provider is not installed on the worker.
shape_missing_provider = _schema_gate_dag("shape_missing_provider", SqlSource("legacy_mysql", table="orders"), **RETRY_ONCE)
shape_keys = _schema_gate_dag("shape_keys", CallableSource(small_orders), **RETRY_ONCE)

with DAG("shape_anomaly_artifacts", schedule=None, start_date=START) as shape_anomaly_artifacts:
    PartitionAnomalyGateOperator(
        task_id="gate",
        source=CallableSource(daily_orders, op_kwargs={"day": "{{ ds }}"}),
        dataset="shape_daily_orders",
        min_history=3,
        cold_start="pass",
        **RETRY_ONCE,
    ) >> EmptyOperator(task_id="downstream")
