"""DAGs of the Parquet schema-gate tests: files checked by one polars select over a lazy scan, and
the bad inputs of files (a missing column, a check without a polars form under
pushdown="require", files that do not share a schema, a file that is not Parquet)."""

import datetime as dt

import pandera.pandas as pa
from airflow.sdk import DAG

from quality_gates.operators import SchemaGateOperator
from quality_gates.sources import FileSource

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
FILES = FileSource("{{ params.path }}")

with DAG("files_schema_require", schedule=None, start_date=START, params={"path": ""}) as files_schema_require:
    SchemaGateOperator(
        task_id="gate",
        dataset="orders",
        source=FILES,
        pushdown="require",
        schema=pa.DataFrameSchema({"amount": pa.Column(float, pa.Check(lambda s: s.round() == s, name="whole_amount"))}),
    )

with DAG("files_schema_polars", schedule=None, start_date=START, params={"path": ""}) as files_schema_polars:
    SchemaGateOperator(task_id="gate", dataset="orders", source=FILES, schema="orders.yaml", pushdown="require")
