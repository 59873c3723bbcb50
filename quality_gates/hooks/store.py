"""One way into the results store for operators, the CLI and the UI."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from airflow.sdk import BaseHook
from sqlalchemy.engine import URL

from quality_gates.checks.errors import StoreConfigurationError
from quality_gates.store.engine import StoreTimeoutError, StoreTimeouts
from quality_gates.store.repository import ResultStore

DEFAULT_CONN_ID = "quality_gates_default"
CONFIG_SECTION = "quality_gates"
SQLITE_FILE = "quality_gates.db"


class QualityStoreHook(BaseHook):
    """Results store behind an Airflow connection, or an embedded SQLite file by default.

    Which store: ``store_conn_id`` if given; else ``[quality_gates] store_conn_id`` from the
    Airflow config; else the connection ``quality_gates_default`` if it exists; else the SQLite
    file ``[quality_gates] sqlite_path`` (default ``$AIRFLOW_HOME/quality_gates.db``).
    Supported connection types: ``postgres`` (psycopg2 driver) and ``sqlite``.
    Timeouts in seconds from the connection's extras (defaults in brackets): ``connect_timeout`` [10],
    ``statement_timeout`` [60], ``lock_timeout`` [30], ``keepalive_idle`` [30] on PostgreSQL;
    ``busy_timeout`` [60] on SQLite.
    """

    conn_name_attr = "store_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = "postgres"
    hook_name = "Quality gates results store"

    def __init__(self, store_conn_id: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.store_conn_id = store_conn_id

    def get_url(self) -> str:
        return self._resolve()[0]

    def get_store(self) -> ResultStore:
        url, timeouts = self._resolve()
        return ResultStore.open(url, timeouts=timeouts)

    def _resolve(self) -> tuple[str, StoreTimeouts]:
        configured = self.store_conn_id or _config("store_conn_id")
        conn_id = configured or DEFAULT_CONN_ID
        try:
            connection = self.get_connection(conn_id)
        except Exception as exc:  # AirflowNotFoundException, whichever module raised it
            if type(exc).__name__ != "AirflowNotFoundException":
                raise
            if configured:
                raise StoreConfigurationError(f"results store connection '{conn_id}' does not exist") from None
            return f"sqlite:///{default_sqlite_path()}", StoreTimeouts()
        return connection_url(connection), store_timeouts(connection)


def _config(key: str) -> str | None:
    from airflow.configuration import conf

    value = conf.get(CONFIG_SECTION, key, fallback=None)
    return value or None


def default_sqlite_path() -> Path:
    configured = _config("sqlite_path")
    if configured:
        return Path(configured).expanduser()
    from airflow.configuration import AIRFLOW_HOME

    return Path(os.environ.get("AIRFLOW_HOME", AIRFLOW_HOME)).expanduser() / SQLITE_FILE


def store_timeouts(connection) -> StoreTimeouts:
    try:
        return StoreTimeouts.from_extras(connection.extra_dejson if connection.extra else {})
    except StoreTimeoutError as exc:
        raise StoreConfigurationError(f"results store connection '{connection.conn_id}': {exc}") from None


def connection_url(connection) -> str:
    conn_type = (connection.conn_type or "").lower()
    if conn_type in ("postgres", "postgresql"):
        extra = connection.extra_dejson if connection.extra else {}
        query = {k: str(v) for k, v in extra.items() if k in ("sslmode", "sslrootcert", "sslcert", "sslkey", "options", "application_name")}
        url = URL.create(
            "postgresql+psycopg2",
            username=connection.login or None,
            password=connection.password or None,
            host=connection.host or None,
            port=connection.port or None,
            database=connection.schema or None,
            query=query,
        )
        return url.render_as_string(hide_password=False)
    if conn_type == "sqlite":
        # The UI puts the file path in host; a URI (sqlite:////path) puts it in schema.
        return f"sqlite:///{connection.host or connection.schema}"
    raise StoreConfigurationError(
        f"results store connection '{connection.conn_id}' has type '{connection.conn_type}'; use postgres or sqlite"
    )
