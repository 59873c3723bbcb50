"""Which results store a gate writes to: operator argument, Airflow config, default connection, SQLite."""

from __future__ import annotations

import pytest

from quality_gates.hooks.store import QualityStoreHook, StoreConfigurationError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ("AIRFLOW_CONN_QUALITY_GATES_DEFAULT", "AIRFLOW__QUALITY_GATES__STORE_CONN_ID", "AIRFLOW__QUALITY_GATES__SQLITE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))


def test_no_connection_means_an_sqlite_file_in_airflow_home(tmp_path):
    assert QualityStoreHook().get_url() == f"sqlite:///{tmp_path / 'quality_gates.db'}"


def test_sqlite_path_from_airflow_config(monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW__QUALITY_GATES__SQLITE_PATH", str(tmp_path / "elsewhere" / "results.db"))
    assert QualityStoreHook().get_url() == f"sqlite:///{tmp_path / 'elsewhere' / 'results.db'}"


def test_default_connection_is_used_when_it_exists(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_QUALITY_GATES_DEFAULT", "postgresql://qg:s3cret@db.internal:5433/quality?sslmode=require")
    assert QualityStoreHook().get_url() == "postgresql+psycopg2://qg:s3cret@db.internal:5433/quality?sslmode=require"


def test_config_section_names_the_connection(monkeypatch):
    monkeypatch.setenv("AIRFLOW__QUALITY_GATES__STORE_CONN_ID", "results_db")
    monkeypatch.setenv("AIRFLOW_CONN_RESULTS_DB", "postgresql://u@h/results")
    assert QualityStoreHook().get_url() == "postgresql+psycopg2://u@h/results"


def test_operator_argument_wins_over_config(monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW__QUALITY_GATES__STORE_CONN_ID", "results_db")
    monkeypatch.setenv("AIRFLOW_CONN_MINE", f"sqlite:///{tmp_path / 'mine.db'}")
    assert QualityStoreHook("mine").get_url() == f"sqlite:///{tmp_path / 'mine.db'}"


def test_a_named_connection_that_does_not_exist_is_an_error(monkeypatch):
    monkeypatch.setenv("AIRFLOW__QUALITY_GATES__STORE_CONN_ID", "missing_db")
    with pytest.raises(StoreConfigurationError, match="^results store connection 'missing_db' does not exist$"):
        QualityStoreHook().get_url()


def test_unsupported_connection_type(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_QUALITY_GATES_DEFAULT", "mysql://u@h/db")
    with pytest.raises(StoreConfigurationError, match="has type 'mysql'; use postgres or sqlite"):
        QualityStoreHook().get_url()
