"""A store that never answers, a statement that runs too long, a lock held too long: the gate
fails (retryable) within the configured timeout instead of hanging."""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from quality_gates.checks.results import GateResult, RunIdentity
from quality_gates.hooks.store import QualityStoreHook, StoreConfigurationError
from quality_gates.store.engine import StoreTimeouts
from quality_gates.store.repository import ResultStore, StoreUnavailableError
from tests.silent_server import GUARD_SECONDS, silent_server

NOW = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)


def _in_thread(function):
    """Run with a generous guard: a missing timeout fails the test instead of hanging the suite."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function).result(timeout=GUARD_SECONDS + 30)


def test_a_store_that_accepts_and_never_answers_is_unavailable_after_the_connect_timeout():
    with silent_server() as port:
        url = f"postgresql+psycopg2://postgres@127.0.0.1:{port}/silent"

        def open_store():
            with pytest.raises(StoreUnavailableError, match=re.escape(f"results store {url} is unavailable: ") + ".*timeout expired"):
                ResultStore.open(url, timeouts=StoreTimeouts(connect_timeout=1))

        _in_thread(open_store)


def test_connect_timeout_comes_from_the_connections_extras(monkeypatch):
    with silent_server() as port:
        monkeypatch.setenv("AIRFLOW_CONN_SILENT_STORE", f"postgresql://postgres@127.0.0.1:{port}/silent?connect_timeout=1")

        def open_store():
            with pytest.raises(StoreUnavailableError, match="timeout expired"):
                QualityStoreHook("silent_store").get_store()

        _in_thread(open_store)


def test_statement_timeout_cancels_a_long_query_on_postgres(postgres_database, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SLOW_STORE", postgres_database.replace("+psycopg2", "") + "?statement_timeout=0.2")
    store = QualityStoreHook("slow_store").get_store()
    with store.engine.connect() as connection, pytest.raises(OperationalError, match="canceling statement due to statement timeout"):
        connection.execute(text("SELECT pg_sleep(30)"))


def test_lock_timeout_fails_a_write_blocked_by_another_transaction_as_unavailable(postgres_database):
    store = ResultStore.open(postgres_database, timeouts=StoreTimeouts(lock_timeout=0.2))
    identity = RunIdentity("dag", "locked_gate", "run")
    result = GateResult("schema", "orders", "p", (), 1, NOW, NOW)
    store.record(identity, result)
    holder = create_engine(postgres_database)
    try:
        with holder.begin() as connection:
            connection.execute(text("LOCK TABLE gate_runs IN ACCESS EXCLUSIVE MODE"))
            with pytest.raises(StoreUnavailableError, match="canceling statement due to lock timeout"):
                _in_thread(lambda: store.record(identity, result))
    finally:
        holder.dispose()


def test_sqlite_busy_timeout_fails_a_write_blocked_by_another_process_as_unavailable(tmp_path, monkeypatch):
    path = tmp_path / "busy.db"
    monkeypatch.setenv("AIRFLOW_CONN_BUSY_STORE", f'{{"conn_type": "sqlite", "host": "{path}", "extra": {{"busy_timeout": 0.2}}}}')
    store = QualityStoreHook("busy_store").get_store()
    holder = create_engine(f"sqlite:///{path}", isolation_level="AUTOCOMMIT")
    try:
        with holder.connect() as connection:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            with pytest.raises(StoreUnavailableError, match="database is locked"):
                _in_thread(lambda: store.record(RunIdentity("dag", "gate", "run"), GateResult("schema", "orders", "p", (), 1, NOW, NOW)))
            connection.exec_driver_sql("ROLLBACK")
    finally:
        holder.dispose()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '{"connect_timeout": "soon"}',
            "results store connection 'bad_store': extra 'connect_timeout' must be a positive number of seconds, got 'soon'",
        ),
        (
            '{"statement_timeout": 0}',
            "results store connection 'bad_store': extra 'statement_timeout' must be a positive number of seconds, got 0",
        ),
        (
            '{"lock_timeout": true}',
            "results store connection 'bad_store': extra 'lock_timeout' must be a positive number of seconds, got True",
        ),
    ],
)
def test_a_timeout_that_is_not_a_positive_number_is_a_configuration_error(monkeypatch, extra, message):
    monkeypatch.setenv("AIRFLOW_CONN_BAD_STORE", f'{{"conn_type": "postgres", "host": "db.internal", "extra": {extra}}}')
    with pytest.raises(StoreConfigurationError) as error:
        QualityStoreHook("bad_store").get_store()
    assert str(error.value) == message


def test_defaults_apply_when_the_extras_name_no_timeout():
    assert StoreTimeouts.from_extras({"sslmode": "require"}) == StoreTimeouts(
        connect_timeout=10, statement_timeout=60, lock_timeout=30, keepalive_idle=30, busy_timeout=60
    )
