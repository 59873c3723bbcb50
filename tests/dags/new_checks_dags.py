"""DAGs for the freshness, cross-table and quarantine gates (issue 16), run with dag.test()."""

import datetime as dt

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from quality_gates.operators import (
    AggregateMatch,
    CrossTableGateOperator,
    FreshnessGateOperator,
    Relationship,
    RowCountMatch,
    SchemaGateOperator,
    TableTarget,
)
from quality_gates.sources import CallableSource, SqlSource

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
    "freshness_interval",
    warn_after=dt.timedelta(hours=2),
    error_after=dt.timedelta(hours=6),
    relative_to="data_interval_end",
    require_advance=True,
)
freshness_naive_berlin = freshness_dag(
    "freshness_naive_berlin",
    error_after=dt.timedelta(hours=1),
    relative_to="data_interval_end",
    naive_timezone="Europe/Berlin",
)
freshness_wait = freshness_dag(
    "freshness_wait",
    warn_after=dt.timedelta(minutes=30),
    error_after=dt.timedelta(hours=1),
    wait=True,
    poll_interval=dt.timedelta(seconds=1),
    wait_timeout=dt.timedelta(seconds=90),
)
freshness_wait_timeout = freshness_dag(
    "freshness_wait_timeout",
    error_after=dt.timedelta(hours=1),
    wait=True,
    poll_interval=dt.timedelta(seconds=1),
    wait_timeout=dt.timedelta(seconds=2),
)
freshness_not_a_timestamp = freshness_dag("freshness_not_a_timestamp", timestamp_column="amount", error_after=dt.timedelta(hours=1))
freshness_query = freshness_dag(
    "freshness_query",
    source=SqlSource("warehouse", sql="SELECT loaded_at FROM events WHERE amount > :floor", parameters={"floor": 0}),
    error_after=dt.timedelta(hours=6),
)

# --- cross-table checks ---
ORDERS_TODAY = SqlSource("warehouse", table="orders", where={"day": "{{ ds }}"})
STAGING_TODAY = SqlSource("warehouse", table="orders_staging", where={"day": "{{ ds }}"})


def cross_table_dag(dag_id: str, *checks) -> DAG:
    with DAG(dag_id, schedule=None, start_date=START) as dag:
        CrossTableGateOperator(task_id="gate", source=ORDERS_TODAY, dataset="orders", checks=list(checks)) >> EmptyOperator(
            task_id="downstream"
        )
    return dag


cross_table_same_db = cross_table_dag(
    "cross_table_same_db",
    Relationship("customer_id", to=SqlSource("warehouse", table="customers"), field="id"),
    RowCountMatch(compare_to=STAGING_TODAY),
    AggregateMatch(compare_to=STAGING_TODAY, group_by="day", sum="amount", tolerance=0.001),
)
cross_table_across_db = cross_table_dag(
    "cross_table_across_db",
    Relationship("customer_id", to=SqlSource("warehouse_b", table="customers"), field="id"),
    RowCountMatch(compare_to=SqlSource("warehouse_b", table="orders_staging", where={"day": "{{ ds }}"}), tolerance=0.05),
    AggregateMatch(
        compare_to=SqlSource("warehouse_b", sql="SELECT day, amount FROM orders_staging WHERE day = :day", parameters={"day": "{{ ds }}"}),
        group_by="day",
        sum="amount",
    ),
)
cross_table_missing_other = cross_table_dag(
    "cross_table_missing_other",
    Relationship("customer_id", to=SqlSource("warehouse", table="no_such_customers"), field="id"),
    RowCountMatch(compare_to=STAGING_TODAY),
)

# --- quarantine ---


def orders_with_problems():
    import pandas as pd

    frame = pd.DataFrame({"order_id": range(100), "amount": [10.0] * 100, "status": ["paid"] * 100})
    frame.loc[[3, 7], "amount"] = -1.0
    frame.loc[7, "status"] = "lost"  # row 7 fails two checks
    frame.loc[[98, 99], "order_id"] = [0, 1]  # 0, 1, 98, 99: every occurrence of a repeated id
    return iter([frame.iloc[:50], frame.iloc[50:]])  # two chunks: duplicates across chunks


def quarantine_dag(dag_id: str, **gate_kwargs) -> DAG:
    with DAG(dag_id, schedule=None, start_date=START, params={"out": "/tmp"}) as dag:
        SchemaGateOperator(
            task_id="gate", source=CallableSource(orders_with_problems), schema="orders.yaml", dataset="orders", **gate_kwargs
        ) >> EmptyOperator(task_id="downstream")
    return dag


quarantine_parquet = quarantine_dag(
    "quarantine_parquet",
    mode="quarantine",
    failed_rows_target="{{ params.out }}/failed_{{ ds }}.parquet",
    valid_rows_target="{{ params.out }}/valid_{{ ds }}.parquet",
)
quarantine_table_fail_mode = quarantine_dag("quarantine_table_fail_mode", failed_rows_target=TableTarget("warehouse", "orders_quarantine"))
quarantine_unwritable = quarantine_dag("quarantine_unwritable", failed_rows_target="{{ params.out }}/failed.parquet")

# --- schema YAML sections: freshness: and sql_checks: ---
for _dag_id, _schema in (("schema_sections", "shop_orders.yaml"), ("schema_sections_bad_sql", "shop_orders_bad_sql.yaml")):
    with DAG(_dag_id, schedule=None, start_date=START) as _dag:
        SchemaGateOperator(
            task_id="gate",
            source=SqlSource("warehouse", table="shop_orders", where={"day": "{{ ds }}"}),
            schema=_schema,
            dataset="shop_orders",
        ) >> EmptyOperator(task_id="downstream")
    globals()[_dag_id] = _dag
