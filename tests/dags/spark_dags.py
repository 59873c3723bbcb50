"""DAGs of the Spark tests: gates computed by Spark on a Parquet-backed table. Module level, as
Airflow 3.3 requires; parsing them never imports pyspark (tests/spark/test_spark_source.py)."""

import datetime as dt

from airflow.sdk import DAG

from quality_gates.operators import DriftGateOperator, PartitionAnomalyGateOperator, ReferenceProfileOperator, SchemaGateOperator
from quality_gates.sources import SparkSource

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
ORDERS = SparkSource("spark_test", path="{{ params.path }}", where={"day": "{{ params.day }}"}, key_columns="order_id")


def _dag(dag_id: str, gate_class=SchemaGateOperator, **gate_kwargs) -> DAG:
    with DAG(dag_id, schedule=None, start_date=START, params={"path": "", "day": ""}) as dag:
        if gate_class is SchemaGateOperator:
            gate_kwargs.setdefault("schema", "orders.yaml")
        gate_class(task_id="gate", dataset="orders", **gate_kwargs)
    return dag


spark_schema = _dag("spark_schema", source=ORDERS)
spark_anomaly = _dag("spark_anomaly", PartitionAnomalyGateOperator, source=ORDERS, partition="{{ params.day }}")
spark_reference = _dag("spark_reference", ReferenceProfileOperator, source=ORDERS, columns=["amount", "status"], version="v1")
spark_drift = _dag("spark_drift", DriftGateOperator, reference="orders", current=ORDERS, columns=["amount", "status"])
spark_no_connection = _dag("spark_no_connection", source=SparkSource("no_such_spark", table="orders"))
spark_bad_sql = _dag("spark_bad_sql", source=SparkSource("spark_test", sql="SELEC order_id FROM range(3)"))


def nested_orders(spark):
    """Orders with map, array and struct columns (types that have no numeric profile)."""
    return spark.sql(
        "SELECT id AS order_id, map('k', id) AS attributes, array(id, id + 1) AS items, "
        "named_struct('city', 'c' || id, 'zip', id) AS address FROM range(50)"
    )


# Spark's bad inputs, each through a real gate run.
spark_unreachable = _dag("spark_unreachable", source=SparkSource("spark_down", table="orders"))
spark_missing_table = _dag("spark_missing_table", source=SparkSource("spark_test", table="no_such_orders"), retries=0)
spark_missing_column = _dag("spark_missing_column", source=SparkSource("spark_test", path="{{ params.path }}", where={"no_such_day": "x"}))
spark_nested = _dag(
    "spark_nested", PartitionAnomalyGateOperator, source=SparkSource("spark_test", fn=nested_orders), partition="2024-06-01"
)
