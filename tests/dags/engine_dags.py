"""DAGs of the engine tests: gates computing in PostgreSQL/SQLite, DuckDB over Parquet, and the
configuration errors of the engine layer. Module level, as Airflow 3.3 requires."""

import datetime as dt

import pandera.pandas as pa
from airflow.sdk import DAG

from quality_gates.operators import DriftGateOperator, PartitionAnomalyGateOperator, ReferenceProfileOperator, SchemaGateOperator
from quality_gates.sources import FileSource, SqlSource

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
PARQUET = FileSource("{{ params.path }}")


class MySqlSource:
    """A source on a database the engines do not support (a SQLAlchemy mock engine for MySQL)."""

    template_fields = ()

    def compute(self, engine: str = "auto"):
        import sqlalchemy as sa

        from quality_gates.engines import SqlQuery

        mysql = sa.create_mock_engine("mysql://", lambda *args, **kwargs: None)
        return SqlQuery(mysql, sa.select(sa.literal_column("*")).select_from(sa.table("orders")), "table orders (connection 'mysql')")

    def describe(self) -> str:
        return "table orders (connection 'mysql')"

    def default_dataset(self) -> str | None:
        return "orders"


def _dag(dag_id: str, gate_class=SchemaGateOperator, **gate_kwargs) -> DAG:
    with DAG(dag_id, schedule=None, start_date=START, params={"path": ""}) as dag:
        if gate_class is SchemaGateOperator:
            gate_kwargs.setdefault("schema", "orders.yaml")
        gate_class(task_id="gate", dataset="orders", **gate_kwargs)
    return dag


engines_schema_parquet = _dag("engines_schema_parquet", source=PARQUET)
engines_schema_table = _dag(
    "engines_schema_table", source=SqlSource("warehouse", table="orders", key_columns="order_id"), pushdown="require"
)
engines_pushdown_required = _dag(
    "engines_pushdown_required",
    source=SqlSource("warehouse", table="orders"),
    pushdown="require",
    schema=pa.DataFrameSchema({"amount": pa.Column(float, pa.Check(lambda s: s.round() == s, name="whole_amount"))}),
)
engines_unsupported_dialect = _dag("engines_unsupported_dialect", source=MySqlSource())
engines_statement_timeout = _dag(
    "engines_statement_timeout",
    source=SqlSource("warehouse", sql="SELECT order_id, amount, status FROM orders, pg_sleep(2)", timeout_seconds=0.5),
)
engines_anomaly_parquet = _dag("engines_anomaly_parquet", PartitionAnomalyGateOperator, source=PARQUET, partition="{{ params.day }}")
engines_reference_table = _dag(
    "engines_reference_table",
    ReferenceProfileOperator,
    source=SqlSource("warehouse", table="orders"),
    columns=["amount", "status"],
    version="v1",
)
engines_drift_parquet = _dag(
    "engines_drift_parquet",
    DriftGateOperator,
    reference=SqlSource("warehouse", table="orders"),
    current=PARQUET,
    columns=["amount", "status"],
)
# Partition profiles (the anomaly gate) on the same bad inputs: a statement timeout, a dialect
# no engine handles.
engines_profile_timeout = _dag(
    "engines_profile_timeout",
    PartitionAnomalyGateOperator,
    source=SqlSource("warehouse", sql="SELECT order_id, amount, status FROM orders, pg_sleep(2)", timeout_seconds=0.5),
    partition="2024-01-05",
)
engines_profile_unsupported_dialect = _dag(
    "engines_profile_unsupported_dialect", PartitionAnomalyGateOperator, source=MySqlSource(), partition="2024-01-05"
)
