"""DAGs the Airflow tests run with dag.test(); module level, as Airflow 3.3 requires."""

import datetime as dt

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, Asset

from quality_gates.operators import PartitionAnomalyGateOperator, SchemaGateOperator
from quality_gates.sources import CallableSource, SqlSource

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def orders(scenario: str = "good"):
    import pandas as pd

    frame = pd.DataFrame({"order_id": range(100), "amount": [10.0] * 100, "status": ["paid"] * 100})
    if scenario == "bad":
        frame.loc[:4, "amount"] = -1.0
    if scenario == "empty":
        frame = frame.iloc[:0]
    return frame


def gate_dag(dag_id: str, **gate_kwargs) -> DAG:
    with DAG(dag_id, schedule=None, start_date=START, params={"scenario": "good"}) as dag:
        gate_kwargs.setdefault("source", CallableSource(orders, op_kwargs={"scenario": "{{ params.scenario }}"}))
        gate = SchemaGateOperator(task_id="gate", schema="orders.yaml", dataset="orders", **gate_kwargs)
        gate >> EmptyOperator(task_id="downstream") >> EmptyOperator(task_id="further_downstream")
    return dag


for _mode in ("fail", "skip", "warn"):
    globals()[f"gate_{_mode}"] = gate_dag(f"gate_{_mode}", mode=_mode, outlets=[Asset(f"validated_orders_{_mode}")])

gate_dead_store = gate_dag("gate_dead_store", store_conn_id="dead_store", retries=1, retry_delay=dt.timedelta(seconds=0))
gate_missing_store_conn = gate_dag("gate_missing_store_conn", store_conn_id="no_such_store", retries=1, retry_delay=dt.timedelta(seconds=0))
gate_sql = gate_dag(
    "gate_sql",
    source=SqlSource("warehouse", table="orders", where={"day": "{{ params.day }}"}),
    partition="{{ params.day }}",
    chunk_size=7,
)
gate_missing_table = gate_dag(
    "gate_missing_table", source=SqlSource("warehouse", table="no_such_table"), retries=1, retry_delay=dt.timedelta(seconds=0)
)


def daily_orders(day: str = "2024-01-01", corruption: str = "none"):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(int(day.replace("-", "")))
    rows = 1_000
    frame = pd.DataFrame(
        {
            "amount": rng.gamma(2.0, 10.0, rows).round(2),
            "status": rng.choice(["new", "paid", "shipped"], rows, p=[0.2, 0.5, 0.3]),
            "quantity": rng.integers(1, 5, rows),
        }
    )
    if corruption == "negative_amounts":
        frame.loc[frame.index[:60], "amount"] *= -1
    if corruption == "missing_segment":  # the source system of new orders did not deliver: ~20% of rows gone
        frame = frame[frame["status"] != "new"]
    if corruption == "quiet":  # a holiday: a quarter of the usual orders, otherwise alike
        frame = frame.iloc[:250]
    return frame


with DAG("anomaly_gate", schedule=None, start_date=START, params={"corruption": "none"}) as anomaly_gate:
    PartitionAnomalyGateOperator(
        task_id="gate",
        source=CallableSource(daily_orders, op_kwargs={"day": "{{ ds }}", "corruption": "{{ params.corruption }}"}),
        dataset="daily_orders",
        min_history=5,
    ) >> EmptyOperator(task_id="downstream")

with DAG("anomaly_gate_calibrated", schedule=None, start_date=START, params={"corruption": "none"}) as anomaly_gate_calibrated:
    PartitionAnomalyGateOperator(
        task_id="gate",
        source=CallableSource(daily_orders, op_kwargs={"day": "{{ ds }}", "corruption": "{{ params.corruption }}"}),
        dataset="daily_orders_calibrated",
        min_history=5,
        max_alarm_rate=0.01,
    ) >> EmptyOperator(task_id="downstream")

# The first of every month is a quiet closing day: holidays given as a list of dates.
CLOSING_DAYS = [dt.date(year, month, 1) for year in range(2030, 2046) for month in range(1, 13)]

with DAG("anomaly_gate_holidays", schedule=None, start_date=START, params={"corruption": "none"}) as anomaly_gate_holidays:
    PartitionAnomalyGateOperator(
        task_id="gate",
        source=CallableSource(daily_orders, op_kwargs={"day": "{{ ds }}", "corruption": "{{ params.corruption }}"}),
        dataset="daily_orders_holidays",
        min_history=3,
        history=4,  # earlier holidays are looked up beyond this window
        holidays=CLOSING_DAYS,
    ) >> EmptyOperator(task_id="downstream")

with DAG("anomaly_gate_sql", schedule=None, start_date=START) as anomaly_gate_sql:
    PartitionAnomalyGateOperator(
        task_id="gate",
        source=SqlSource("warehouse", table="daily_orders", where={"day": "{{ ds }}"}),  # profiled in the database
        dataset="daily_orders_sql",
        min_history=5,
    ) >> EmptyOperator(task_id="downstream")


def _alerting():
    from quality_gates.notifiers import EmailChannel, QualityGateNotifier, RetryPolicy, WebhookChannel

    return QualityGateNotifier(
        retry=RetryPolicy(backoff=0.1),
        channels=[
            EmailChannel(to=["oncall@example.com"], smtp_conn_id="test_smtp", from_email="gates@example.com"),
            WebhookChannel(http_conn_id="test_webhook", endpoint="/hooks/quality", timeout=5),
        ],
        link="https://airflow.example.com/dags/{{ ti.dag_id }}/runs/{{ ti.run_id }}",
    )


for _mode in ("fail", "warn"):
    _notifier = _alerting()
    globals()[f"alerting_gate_{_mode}"] = gate_dag(
        f"alerting_gate_{_mode}",
        mode=_mode,
        on_failure_callback=_notifier,
        on_success_callback=_notifier,
        on_warning_callback=_notifier,
    )


def _slack_alerting():
    from quality_gates.notifiers import QualityGateNotifier, SlackChannel

    return QualityGateNotifier(channels=[SlackChannel(slack_webhook_conn_id="test_slack")])


alerting_gate_slack = gate_dag("alerting_gate_slack", on_failure_callback=_slack_alerting())


def _any_notifier():
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    from quality_gates.notifiers import NotifierChannel, QualityGateNotifier

    mail = SmtpNotifier(
        to="team@example.com",
        from_email="gates@example.com",
        smtp_conn_id="test_smtp",
        subject="{{ quality_gate_alert.subject }}",
        html_content="<pre>{{ quality_gate_alert.text }}</pre>",
    )
    return QualityGateNotifier(channels=[NotifierChannel(mail)], on_change_only=False)


alerting_gate_any_notifier = gate_dag("alerting_gate_any_notifier", on_failure_callback=_any_notifier())
