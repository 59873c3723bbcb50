"""The schema YAML's freshness: and sql_checks: sections in real runs, and their configuration errors."""

from __future__ import annotations

import datetime as dt

import pytest

from quality_gates.checks.errors import SchemaDefinitionError
from quality_gates.checks.schema_yaml.parser import parse_schema_text
from tests.airflow.conftest import run_dag_on
from tests.airflow.warehouse import point_warehouse, reset_table, warehouse_url

DAY = dt.datetime(2024, 8, 2, tzinfo=dt.UTC)


@pytest.fixture
def shop_orders(store_url, postgres_database, monkeypatch):
    engine = point_warehouse(monkeypatch, warehouse_url(store_url, postgres_database))
    rows = [
        {"order_id": i, "amount": 100.0, "refund": 10.0, "day": "2024-08-02", "loaded_at": dt.datetime(2024, 8, 1, 21, 0)}
        for i in range(20)
    ]
    rows[4]["refund"] = 150.0  # above its amount, and big
    rows[5]["refund"] = 60.0  # big, not above
    rows.append({"order_id": 99, "amount": 1.0, "refund": 5.0, "day": "2024-08-01", "loaded_at": dt.datetime(2024, 8, 1)})
    reset_table(
        engine,
        "shop_orders",
        "order_id BIGINT, amount DOUBLE PRECISION, refund DOUBLE PRECISION, day VARCHAR(10), loaded_at TIMESTAMP",
        rows,
    )
    yield engine
    engine.dispose()


def test_freshness_and_sql_checks_recorded_with_the_schema_checks(gate_store, shop_orders, dagbag):
    _, states = run_dag_on(dagbag, "schema_sections", DAY)
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="schema_sections")
    checks = {c.check_name: c for c in stored.result.checks}
    fresh = checks["freshness"]
    assert (fresh.status, fresh.details["age_seconds"]) == ("warned", 3 * 3600)  # 21:00 vs the interval's end at midnight
    refund = checks["refund_not_above_amount"]
    assert (refund.status, refund.observed) == ("failed", "1 failing rows of 20 (5.00%)")
    assert refund.details["examples"] == [{"order_id": 4, "refund": 150.0, "amount": 100.0}]
    assert refund.details["params"] == {"day": "2024-08-02"}  # rendered from "{{ ds }}", bound
    big = checks["few_big_refunds"]
    assert (big.status, big.details["failing_rows"], big.details["tolerated"]) == ("passed", 2, True)  # 10 % ≤ 1 - mostly
    assert checks["greater_than_or_equal_to"].status == "passed"


def test_sql_syntax_error_names_the_check_its_line_and_the_database_message(gate_store, shop_orders, dagbag):
    _, states = run_dag_on(dagbag, "schema_sections_bad_sql", DAY)
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="schema_sections_bad_sql")
    checks = {c.check_name: c for c in stored.result.checks}
    assert checks["refund_not_above_amount"].status == "failed"  # the other checks still ran
    typo = checks["typo"]
    assert (typo.status, typo.observed) == ("error", "query failed")
    prefix = f"{dagbag.dags['schema_sections_bad_sql'].fileloc.rsplit('/', 1)[0]}/shop_orders_bad_sql.yaml, line 9: sql_check 'typo': "
    assert typo.details["message"].startswith(prefix)
    database_says = 'syntax error at or near "AND"' if shop_orders.dialect.name == "postgresql" else 'near "AND": syntax error'
    assert database_says in typo.details["message"]


COLUMNS = "schema_type: dataframe\ncolumns:\n  a:\n    dtype: int64\n"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            "sql_checks:\n  - name: wipe\n    query: DELETE FROM t\n",
            "s.yaml, line 7: sql_checks: 'wipe': the query must be one SELECT statement returning the failing rows",
        ),
        (
            "sql_checks:\n  - name: two\n    query: SELECT 1; DROP TABLE t\n",
            "s.yaml, line 7: sql_checks: 'two': the query must be one SELECT statement returning the failing rows",
        ),
        (
            "sql_checks:\n  - name: p\n    query: SELECT a FROM t WHERE day = :day\n",
            "s.yaml, line 7: sql_checks: 'p': the query uses undeclared parameter(s) :day; declare them under params",
        ),
        (
            "sql_checks:\n  - name: p\n    query: SELECT a FROM t\n    params: {day: x}\n",
            "s.yaml, line 7: sql_checks: 'p': params day are not used in the query",
        ),
        (
            "freshness:\n  column: ts\n  warn_after: soon\n",
            "s.yaml, line 7: freshness: expected a duration such as 30m, 2h or 1d, got 'soon'",
        ),
        ("freshness:\n  colum: ts\n", "s.yaml, line 6: freshness: unknown freshness option 'colum' (did you mean 'column'?)"),
    ],
)
def test_bad_sections_are_configuration_errors_with_lines(section, message):
    with pytest.raises(SchemaDefinitionError) as raised:
        parse_schema_text(COLUMNS + section, "s.yaml")
    assert str(raised.value) == message
