"""SparkSource: what it reads, and each bad input with its exact message."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from quality_gates.checks.errors import ConfigurationError, RetryableError, SourceConfigurationError, SourceError
from quality_gates.engines import Family, compute
from quality_gates.sources import SparkSource


def test_importing_the_package_and_parsing_spark_dags_starts_no_jvm():
    code = (
        "import sys, runpy; import quality_gates, quality_gates.sources, quality_gates.operators; "
        "runpy.run_path('tests/dags/spark_dags.py'); "
        "print(sorted(m for m in sys.modules if m.startswith(('pyspark', 'py4j', 'pandera'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_table_where_and_sql_with_named_parameters(spark, spark_connection):
    spark.range(10).selectExpr("id", "id % 3 AS bucket").createOrReplaceTempView("numbers")
    filtered = SparkSource(spark_connection, table="numbers", where={"bucket": 1}).compute()
    assert filtered.frame.count() == 3
    condition = SparkSource(spark_connection, table="numbers", where="bucket = :b AND id > :low", parameters={"b": 1, "low": 1}).compute()
    assert sorted(r.id for r in condition.frame.collect()) == [4, 7]
    # A value is bound, never SQL: a quote in it is just a character.
    assert (
        SparkSource(spark_connection, sql="SELECT * FROM numbers WHERE CAST(bucket AS STRING) = :b", parameters={"b": "1' OR '1'='1"})
        .compute()
        .frame.count()
        == 0
    )
    called = SparkSource(spark_connection, fn=lambda session, n: session.range(n), op_kwargs={"n": 5}).compute()
    assert called.frame.count() == 5 and called.name.endswith("<lambda> (connection 'spark_test')")


def test_missing_table_is_retryable_and_named(spark_connection):
    with pytest.raises(
        SourceError,
        match=r"^table no_such_table does not exist \(Spark table no_such_table "
        r"\(connection 'spark_test'\)\)$",
    ):
        SparkSource(spark_connection, table="no_such_table").compute()


def test_missing_column_is_a_configuration_error_naming_it(spark, spark_connection):
    spark.range(3).createOrReplaceTempView("three")
    with pytest.raises(SourceConfigurationError) as error:
        SparkSource(spark_connection, table="three", where="nope = :v", parameters={"v": 1}).compute()
    assert str(error.value).startswith(
        "Spark table three (connection 'spark_test'): [UNRESOLVED_COLUMN.WITH_SUGGESTION] "
        "A column, variable, or function parameter with name `nope` cannot be resolved."
    )


def test_sql_syntax_error_is_a_configuration_error_naming_the_query(spark_connection):
    with pytest.raises(ConfigurationError, match=r"(?s)^Spark SQL syntax error in sql= of Spark SQL query .*query: SELEC 1$"):
        SparkSource(spark_connection, sql="SELEC 1").compute()


def test_analysis_error_in_sql_names_the_query(spark_connection):
    with pytest.raises(
        SourceConfigurationError, match=r"(?s)^Spark SQL query \(connection 'spark_test'\): \[UNRESOLVED_COLUMN.*query: SELECT nope$"
    ):
        SparkSource(spark_connection, sql="SELECT nope").compute()


def test_not_a_spark_connection(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_PG", "postgresql://u@localhost/db")
    with pytest.raises(SourceConfigurationError, match=r"^connection 'warehouse_pg' \(type postgres\) is not a Spark connection"):
        SparkSource("warehouse_pg", table="t").compute()


def test_unreachable_spark_connect_server_is_retryable_never_a_pass(monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AIRFLOW_CONN_SPARK_REMOTE", f'{{"conn_type": "spark_connect", "host": "sc://127.0.0.1", "port": {port}}}')
    with pytest.raises(
        RetryableError, match=rf"^Spark Connect server sc://127.0.0.1:{port} \(connection 'spark_remote'\) is unreachable: "
    ):
        SparkSource("spark_remote", table="orders").compute()


def test_both_table_and_sql_is_a_configuration_error():
    with pytest.raises(SourceConfigurationError, match=r"^SparkSource needs exactly one of table=, path=, sql= or fn= \(got table, sql\)$"):
        SparkSource("spark_test", table="t", sql="SELECT 1")


def test_callable_must_return_a_spark_dataframe(spark_connection):
    with pytest.raises(SourceError, match=r"^Spark callable .* returned list, expected a Spark DataFrame$"):
        compute(Family.SCHEMA, SparkSource(spark_connection, fn=lambda session: [1]).compute(), None)
