"""Pushed-down schema checks compile for the warehouses, and each compiled statement parses as
that warehouse's SQL (sqlglot's parser for the dialect). Trino, Databricks and Redshift compile
with their own SQLAlchemy dialects (the ``dialects`` extra); Snowflake's and BigQuery's dialect
packages pin protobuf < 7, which an Airflow install needs, so they compile with a minimal
dialect of the same name (the SQL our code writes for them is what is checked)."""

from __future__ import annotations

import pandera.pandas as pa
import pytest
import sqlalchemy as sa
from sqlalchemy.engine.default import DefaultDialect

from quality_gates.checks.profiles.sql_columns import SqlColumn
from quality_gates.engines.schema_sql import plan_schema

sqlglot = pytest.importorskip("sqlglot")


class _Minimal(DefaultDialect):
    supports_statement_cache = True


class Snowflake(_Minimal):
    name = "snowflake"


class BigQuery(_Minimal):
    name = "bigquery"


def _dialects():
    from databricks.sqlalchemy import DatabricksDialect
    from sqlalchemy_redshift.dialect import RedshiftDialect_psycopg2
    from trino.sqlalchemy.dialect import TrinoDialect

    return {
        "snowflake": Snowflake(),
        "bigquery": BigQuery(),
        "trino": TrinoDialect(),
        "databricks": DatabricksDialect(),
        "redshift": RedshiftDialect_psycopg2(),
    }


SCHEMA = pa.DataFrameSchema(
    {
        "order_id": pa.Column(int, unique=True),
        "amount": pa.Column(float, [pa.Check.in_range(0, 100), pa.Check.lt(90)], nullable=False),
        "status": pa.Column(
            str,
            [pa.Check.isin(["new", "paid"]), pa.Check.str_length(3, 4), pa.Check.str_matches("p|n"), pa.Check.str_endswith("d")],
            nullable=True,
        ),
    },
    unique=["order_id", "status"],
)
COLUMNS = [
    SqlColumn("order_id", "numeric", sa.BigInteger()),
    SqlColumn("amount", "numeric", sa.Double()),
    SqlColumn("status", "categorical", sa.String()),
]


def statements(dialect_name: str) -> dict[str, sa.Select]:
    relation = sa.select(sa.literal_column("*")).select_from(sa.table("orders", schema="analytics")).subquery("profiled")
    plan = plan_schema(SCHEMA, COLUMNS, relation, dialect_name, key_columns=("order_id",))
    assert not plan.residual  # every check has a SQL form on the warehouses
    queries = {"aggregate": plan.aggregate_query()}
    queries |= {f"sample {check.key}": plan.sample_query(check, 20) for check in plan.row_checks}
    for check in plan.unique_checks:
        queries |= {
            f"unique {check.columns}": plan.unique_query(check),
            f"unique sample {check.columns}": plan.unique_sample_query(check, 20),
        }
    return queries


@pytest.mark.parametrize("name", ["snowflake", "bigquery", "trino", "databricks", "redshift"])
def test_pushed_down_schema_checks_compile_to_the_warehouses_sql(name):
    dialect = _dialects()[name]
    for label, query in statements(name).items():
        sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        parsed = sqlglot.parse_one(sql, read=name)
        assert parsed is not None, label
        if label == "aggregate":
            assert "FILTER" not in sql.upper()  # counted with SUM(CASE ...): no warehouse here has FILTER everywhere
            assert sql.count("CASE WHEN") == 8  # one per row check (2 not-null, 2 amount, 4 status)


def test_regex_search_is_spelled_per_warehouse():
    spelled = {"snowflake": "regexp_like", "bigquery": "regexp_contains", "trino": "regexp_like", "databricks": "RLIKE", "redshift": "~"}
    for name, word in spelled.items():
        sql = str(statements(name)["aggregate"].compile(dialect=_dialects()[name], compile_kwargs={"literal_binds": True}))
        assert word in sql, name
