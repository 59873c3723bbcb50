"""One local Spark session per test worker (a JVM start costs ~10 s): local[2], no UI, UTC."""

from __future__ import annotations

import pytest

pytest.importorskip("pyspark")

from tests.airflow.conftest import dagbag, gate_store, run_dag  # noqa: F401  (the dag.test() fixtures)


@pytest.fixture(scope="session")
def spark():
    from quality_gates.engines.spark_session import local_session

    session = local_session("local[2]", {"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"})
    yield session
    session.stop()


@pytest.fixture
def parquet(tmp_path, spark):
    """parquet(frame) -> (the Spark DataFrame over the frame written as Parquet, the frame as read back by pandas)."""
    import pandas as pd

    def write(frame: pd.DataFrame, name: str = "part"):
        path = tmp_path / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        return spark.read.parquet(str(path)), pd.read_parquet(path)

    return write


@pytest.fixture
def spark_connection(monkeypatch, spark):
    """The Airflow connection 'spark_test': the session's master (the running session is reused)."""
    monkeypatch.setenv("AIRFLOW_CONN_SPARK_TEST", '{"conn_type": "spark", "host": "local[2]"}')
    return "spark_test"
