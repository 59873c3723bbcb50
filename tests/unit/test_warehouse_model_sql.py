"""The model gate's sums and the serving gate's join compile to each warehouse's SQL, and each
compiled statement parses as that warehouse's SQL (sqlglot), like the schema checks in
test_warehouse_sql.py. Warehouses cannot run here: the statements are recorded, not executed."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from quality_gates.checks.model_metrics.serving_sql import DelayedLabelTables, Window, aggregate_delayed_labels
from quality_gates.checks.model_metrics.spec import EvaluationSpec
from quality_gates.engines.model_sums_sql import ModelStatements
from quality_gates.engines.spark_sql import SparkRows, SparkSqlDialect
from tests.unit.test_warehouse_sql import _dialects

sqlglot = pytest.importorskip("sqlglot")
WAREHOUSES = ["snowflake", "bigquery", "trino", "databricks", "redshift"]
COLUMNS = ["trip_id", "label", "score", "predicted", "zone", "fare", "fare_estimate"]
SPECS = [
    EvaluationSpec("classification", "label", "predicted", "score", ("zone",), id_column="trip_id"),
    EvaluationSpec("classification", "label", score_column="score"),
    EvaluationSpec("regression", "fare", "fare_estimate", slice_columns=("zone",), id_column="trip_id"),
]


def _parses(sql: str, dialect_name: str) -> None:
    read = "spark" if dialect_name == "databricks" else dialect_name
    assert sqlglot.parse_one(sql, read=read) is not None, sql


def _compiled(statement, dialect) -> str:
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def model_statements(dialect_name: str, spec: EvaluationSpec) -> list[sa.Select]:
    table = sa.table("evaluation", *(sa.column(name) for name in COLUMNS), schema="ml")
    floats = {"score", "fare", "fare_estimate", "label"}
    statements = ModelStatements(table, table.c, floats, spec, dialect_name)
    built = [statements.counts(), statements.groups(), statements.missing_prediction_examples()]
    if spec.score_column:
        built.append(statements.score_groups())
    if spec.id_column:
        built += [statements.duplicate_id_count(), statements.duplicate_id_examples()]
    return built


@pytest.mark.parametrize("name", WAREHOUSES)
def test_model_sums_compile_to_the_warehouses_sql(name):
    dialect = _dialects()[name]
    for spec in SPECS:
        for statement in model_statements(name, spec):
            sql = _compiled(statement, dialect)
            _parses(sql, name)
            if "qg_bucket" in sql and name in ("snowflake", "redshift"):
                assert "row_number() OVER (ORDER BY NULL)" in sql
    spark = _compiled(model_statements("databricks", SPECS[0])[1], SparkSqlDialect())
    assert "monotonically_increasing_id()" in spark and "`" not in spark.replace("`zone`", "")


class RecordingConnection:
    """Records each statement the join would run; answers with no rows."""

    def __init__(self, dialect):
        self.dialect = dialect
        self.statements: list = []

    def execute(self, statement):
        self.statements.append(statement)
        return NoRows([])


class NoRows(SparkRows):
    def scalar_one(self):
        return 0


@pytest.mark.parametrize("name", WAREHOUSES)
def test_the_serving_join_compiles_to_the_warehouses_sql(name):
    dialect = _dialects()[name]
    connection = RecordingConnection(dialect)
    tables = DelayedLabelTables("ml.predictions", "ml.labels", score_column="score", slice_columns=("channel",))
    day = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    window = Window(day, day + dt.timedelta(days=1), day + dt.timedelta(days=3))
    relations = (tables.predictions(), tables.labels())  # as given: no inspection of the warehouse's keys
    aggregate_delayed_labels(connection, tables, window, task="classification", with_scores=True, relations=relations)
    assert len(connection.statements) >= 4
    seconds = {
        "snowflake": "datediff",
        "bigquery": "unix_micros",
        "trino": "to_unixtime",
        "databricks": "unix_micros",
        "redshift": "datediff",
    }
    for statement in connection.statements:
        sql = _compiled(statement, dialect)
        _parses(sql, name)
    assert any(seconds[name] in _compiled(s, dialect).lower() for s in connection.statements)
