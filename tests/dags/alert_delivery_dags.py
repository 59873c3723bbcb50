"""Gates whose alerts go through flaky channels (tests/airflow/test_alert_delivery.py)."""

import datetime as dt

from airflow.sdk import DAG

from quality_gates.notifiers import EmailChannel, QualityGateNotifier, RetryPolicy, SlackChannel, WebhookChannel
from quality_gates.operators import SchemaGateOperator
from quality_gates.sources import CallableSource

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
QUICK_RETRIES = RetryPolicy(attempts=3, backoff=0.1)  # pauses of 0.1 s and 0.2 s


def bad_orders():
    import pandas as pd

    return pd.DataFrame({"order_id": range(10), "amount": [-1.0] * 2 + [10.0] * 8, "status": ["paid"] * 10})


def alerting_dag(dag_id: str, *channels) -> DAG:
    with DAG(dag_id, schedule=None, start_date=START) as dag:
        SchemaGateOperator(
            task_id="gate",
            schema="orders.yaml",
            dataset=f"{dag_id}_orders",
            source=CallableSource(bad_orders),
            on_failure_callback=QualityGateNotifier(channels=list(channels), retry=QUICK_RETRIES),
        )
    return dag


delivery_webhook = alerting_dag("delivery_webhook", WebhookChannel(http_conn_id="flaky_webhook", endpoint="hooks/quality", timeout=5))
delivery_slack = alerting_dag("delivery_slack", SlackChannel(slack_webhook_conn_id="flaky_slack"))
delivery_email = alerting_dag(
    "delivery_email", EmailChannel(to="oncall@example.com", smtp_conn_id="flaky_smtp", from_email="gates@example.com")
)
