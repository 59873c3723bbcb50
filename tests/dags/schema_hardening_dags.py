"""DAGs for issue 11 findings 1 and 5: every form of `schema=`, and data with duplicate column names."""

import datetime as dt

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from quality_gates.operators import PartitionAnomalyGateOperator, SchemaGateOperator
from quality_gates.sources import CallableSource, FileSource
from tests.dags.order_schemas import ORDERS, Orders

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

SCHEMA_FORMS = {
    "yaml": "orders.yaml",
    "object": ORDERS,  # a DataFrameSchema is callable: Airflow must not call it as a template callable
    "model": Orders,  # a class is callable too
    "import_path": "tests.dags.order_schemas:ORDERS",
}


def orders(scenario: str = "good"):
    import pandas as pd

    frame = pd.DataFrame({"order_id": range(20), "amount": [10.0] * 20, "status": ["paid"] * 20})
    if scenario == "bad":
        frame.loc[:1, "amount"] = -1.0
    if scenario == "duplicate_columns":  # e.g. a join that kept both sides' `amount`, or SELECT a, a
        frame = pd.concat([frame, frame[["amount"]], frame[["status"]]], axis=1)
    return frame


for _form, _schema in SCHEMA_FORMS.items():
    with DAG(f"schema_form_{_form}", schedule=None, start_date=START, params={"scenario": "good"}) as _dag:
        SchemaGateOperator(
            task_id="gate",
            source=CallableSource(orders, op_kwargs={"scenario": "{{ params.scenario }}"}),
            schema=_schema,
            dataset=f"orders_{_form}",
        ) >> EmptyOperator(task_id="downstream")
    globals()[_dag.dag_id] = _dag

for _mistake in ("misspelt", "twice"):  # finding 2 (`colums:`) and finding 3 (a column defined twice)
    with DAG(f"schema_yaml_{_mistake}", schedule=None, start_date=START) as _dag:
        SchemaGateOperator(
            task_id="gate", source=CallableSource(orders, op_kwargs={"scenario": "bad"}), schema=f"schemas/orders_{_mistake}.yaml"
        ) >> EmptyOperator(task_id="downstream")
    globals()[_dag.dag_id] = _dag

with DAG("schema_forms_mapped", schedule=None, start_date=START) as schema_forms_mapped:
    # Mapped tasks render through another path of Airflow's templater: every form works there too.
    SchemaGateOperator.partial(task_id="gate", source=CallableSource(orders), dataset="orders_mapped").expand(
        schema=list(SCHEMA_FORMS.values())
    ) >> EmptyOperator(task_id="downstream")

with DAG("duplicate_columns_anomaly", schedule=None, start_date=START) as duplicate_columns_anomaly:
    PartitionAnomalyGateOperator(
        task_id="gate",
        source=CallableSource(orders, op_kwargs={"scenario": "duplicate_columns"}),
        dataset="orders_duplicate_columns",
        min_history=3,
    ) >> EmptyOperator(task_id="downstream")

with DAG("duplicate_columns_anomaly_parquet", schedule=None, start_date=START, params={"path": ""}) as duplicate_columns_anomaly_parquet:
    PartitionAnomalyGateOperator(  # a local Parquet file: profiled by polars, which refuses duplicate names
        task_id="gate", source=FileSource("{{ params.path }}"), dataset="orders_duplicate_parquet", min_history=3
    ) >> EmptyOperator(task_id="downstream")
