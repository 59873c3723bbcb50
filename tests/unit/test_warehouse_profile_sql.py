"""Partition profiles compile for the warehouses, and each statement parses as that warehouse's
SQL (sqlglot's parser for the dialect), as tests/unit/test_warehouse_sql.py does for schema checks:
every statement a profile may run (the aggregate scan, the exact pass, the hash bucket, the
Bernoulli sample and distinct count of the fallback), for every column kind."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.sql.compiler import IdentifierPreparer

from quality_gates.checks.errors import UnsupportedDialectError
from quality_gates.checks.profiles.sql_columns import SqlColumn, kind_of
from quality_gates.checks.profiles.sql_dialects import dialect_for
from quality_gates.checks.profiles.sql_engine import profile_statements
from tests.unit.test_warehouse_sql import _dialects

sqlglot = pytest.importorskip("sqlglot")

TYPES = {
    "order_id": sa.BigInteger(),
    "amount": sa.Double(),
    "price": sa.Numeric(10, 2),
    "status": sa.String(),
    "paid": sa.Boolean(),
    "created_at": sa.DateTime(),
    "shipped_at": sa.DateTime(timezone=True),
    "day": sa.Date(),
    "payload": sa.types.NullType(),  # a type the profile reads through its text form
}
COLUMNS = [SqlColumn(name, kind_of(type_), type_) for name, type_ in TYPES.items()]
# Words that tell the warehouse's own spelling was used (and not another database's).
SPELLED = {
    "snowflake": ("HASH(", "UNIFORM(", "EPOCH_MICROSECOND"),
    "bigquery": ("FARM_FINGERPRINT(", "UNIX_MICROS(", "IS_NAN(", "RAND()"),
    "trino": ("XXHASH64(", "TO_UNIXTIME(", "IS_FINITE("),
    "databricks": ("XXHASH64(", "UNIX_MICROS(", "RAND()"),
    "redshift": ("MD5(", "STRTOL(", "DATEDIFF("),
}


class _Backticks(IdentifierPreparer):
    def __init__(self, dialect):
        super().__init__(dialect, initial_quote="`")


class BigQuery(DefaultDialect):
    """The minimal BigQuery dialect, quoting names with backticks (a "name" is a string there)."""

    name = "bigquery"
    preparer = _Backticks
    supports_statement_cache = True


def compiled(name: str) -> dict[str, str]:
    relation = sa.select(sa.literal_column("*")).select_from(sa.table("orders", schema="analytics")).subquery("profiled")
    statements = profile_statements(dialect_for(name), COLUMNS, relation, rows=10_000_000, sample_rows=100_000)
    dialect = BigQuery() if name == "bigquery" else _dialects()[name]
    return {label: str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True})) for label, query in statements.items()}


@pytest.mark.parametrize("name", ["snowflake", "bigquery", "trino", "databricks", "redshift"])
def test_profile_statements_compile_to_the_warehouses_sql(name):
    statements = compiled(name)
    assert set(statements) == {"aggregate", "exact pass", "bucket", "bernoulli sample", "distinct rows"}
    for label, sql in statements.items():
        assert sqlglot.parse_one(sql, read=name) is not None, label
        assert "inf" not in sql.replace("Infinity", "").lower().split(), label  # no Python float spelled into SQL
    text = " ".join(statements.values()).upper()
    for word in SPELLED[name]:
        assert word in text, (name, word)
    assert "FILTER" not in statements["aggregate"].upper()  # counted with CASE: not every warehouse has FILTER


def test_any_other_dialect_names_the_supported_ones():
    with pytest.raises(UnsupportedDialectError, match="SQL profiling runs on postgresql, sqlite, duckdb, snowflake, .*, not mysql"):
        dialect_for("mysql")
