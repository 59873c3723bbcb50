"""DAGs for the freshness, cross-table and quarantine gates (issue 16), run with dag.test()."""

import datetime as dt

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from quality_gates.operators import FreshnessGateOperator
from quality_gates.sources import SqlSource

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
EVENTS = SqlSource("warehouse", table="events")


def freshness_dag(dag_id: str, **gate_kwargs) -> DAG:
    with DAG(dag_id, schedule=None, start_date=START) as dag:
        gate_kwargs.setdefault("source", EVENTS)
        gate_kwargs.setdefault("timestamp_column", "loaded_at")
        FreshnessGateOperator(task_id="gate", dataset="events", **gate_kwargs) >> EmptyOperator(task_id="downstream")
    return dag


freshness_now = freshness_dag("freshness_now", warn_after=dt.timedelta(hours=2), error_after=dt.timedelta(hours=6))
freshness_interval = freshness_dag(
    "freshness_interval", warn_after=dt.timedelta(hours=2), error_after=dt.timedelta(hours=6),
    relative_to="data_interval_end", require_advance=True,
)
freshness_naive_berlin = freshness_dag(
    "freshness_naive_berlin", error_after=dt.timedelta(hours=1), relative_to="data_interval_end", naive_timezone="Europe/Berlin",
)
freshness_wait = freshness_dag(
    "freshness_wait", warn_after=dt.timedelta(minutes=30), error_after=dt.timedelta(hours=1),
    wait=True, poll_interval=dt.timedelta(seconds=1), wait_timeout=dt.timedelta(seconds=30),
)
freshness_wait_timeout = freshness_dag(
    "freshness_wait_timeout", error_after=dt.timedelta(hours=1),
    wait=True, poll_interval=dt.timedelta(seconds=1), wait_timeout=dt.timedelta(seconds=2),
)
freshness_not_a_timestamp = freshness_dag("freshness_not_a_timestamp", timestamp_column="amount", error_after=dt.timedelta(hours=1))
freshness_query = freshness_dag(
    "freshness_query", source=SqlSource("warehouse", sql="SELECT loaded_at FROM events WHERE amount > :floor", parameters={"floor": 0}),
    error_after=dt.timedelta(hours=6),
)
