"""One local Spark session for all of tests/spark (a JVM start costs ~10-20 s): local[2], no UI, UTC.

Every test here is in one xdist group, so that `pytest -n 2 --dist loadgroup` starts one JVM, not
one per worker. The data is tiny: a JIT that stops at its quick tier (C1), a serial GC and one
shuffle partition cost the JVM less CPU than the settings made for big data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pyspark")

from tests.airflow.conftest import dagbag, gate_store, run_dag  # noqa: F401  (the dag.test() fixtures)

HERE = Path(__file__).resolve().parent
TEST_CONF = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "2",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.xdist_group("spark"))


@pytest.fixture
def store_url(tmp_path) -> str:
    """The results store of the gate runs here: SQLite only (the store's backends are tested in
    tests/store and tests/airflow; here the point is Spark, and every run on a second store costs)."""
    return f"sqlite:///{tmp_path / 'quality_gates.db'}"


@pytest.fixture(scope="session")
def spark():
    from quality_gates.engines.spark_session import local_session

    session = local_session("local[2]", TEST_CONF)
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
