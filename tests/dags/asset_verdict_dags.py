"""A gate that owns an asset, and an asset-triggered consumer that refuses data that did not pass."""

import datetime as dt

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, Asset, task

from quality_gates.assets import require_passed
from quality_gates.operators import SchemaGateOperator
from quality_gates.sources import CallableSource

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
VERIFIED_ORDERS = Asset("verified_orders")


def orders(scenario: str = "good"):
    import pandas as pd

    frame = pd.DataFrame({"order_id": range(20), "amount": [10.0] * 20, "status": ["paid"] * 20})
    if scenario == "bad":
        frame.loc[:2, "amount"] = -1.0
    return frame


with DAG("verdict_producer", schedule=None, start_date=START, params={"scenario": "good"}) as verdict_producer:
    # Warn mode: bad data still produces the asset, with the verdict "warned" for consumers to judge.
    SchemaGateOperator(
        task_id="gate",
        source=CallableSource(orders, op_kwargs={"scenario": "{{ params.scenario }}"}),
        schema="orders.yaml",
        dataset="verified_orders",
        mode="warn",
        outlets=[VERIFIED_ORDERS],
    )

with DAG("verdict_consumer", schedule=[VERIFIED_ORDERS], start_date=START) as verdict_consumer:

    @task(inlets=[VERIFIED_ORDERS])
    def require_verified_orders():
        return require_passed(VERIFIED_ORDERS)

    require_verified_orders() >> EmptyOperator(task_id="train_model")

with DAG("verdict_consumer_skips", schedule=[VERIFIED_ORDERS], start_date=START) as verdict_consumer_skips:

    @task(inlets=[VERIFIED_ORDERS])
    def require_verified_orders_or_skip():
        return require_passed(VERIFIED_ORDERS, on_refusal="skip")

    require_verified_orders_or_skip() >> EmptyOperator(task_id="train_model")
