"""Engines for the results store: PostgreSQL (psycopg2) or an embedded SQLite file."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, NullPool, create_engine, event
from sqlalchemy.engine import URL, make_url


class StoreTimeoutError(ValueError):
    """A timeout in the store connection's extras is not a positive number of seconds."""


@dataclass(frozen=True)
class StoreTimeouts:
    """How long the store may keep a gate waiting, in seconds, so that a store that accepts the
    connection and never answers fails the gate (retryable) instead of hanging it.

    PostgreSQL: ``connect_timeout`` (TCP connect and login), ``statement_timeout`` and
    ``lock_timeout`` (server side), and TCP keepalives after ``keepalive_idle`` seconds of silence,
    which detect a server that vanished mid-query. SQLite: ``busy_timeout``, how long a writer waits
    for another process's write lock (parallel gates on one file).
    """

    connect_timeout: float = 10
    statement_timeout: float = 60
    lock_timeout: float = 30
    keepalive_idle: float = 30
    busy_timeout: float = 60

    @classmethod
    def from_extras(cls, extras: Mapping[str, Any]) -> StoreTimeouts:
        """The timeouts named in a connection's extras; the defaults for the others."""
        values = {}
        for field in fields(cls):
            if field.name not in extras:
                continue
            raw = extras[field.name]
            try:
                seconds = float(raw)
            except (TypeError, ValueError):
                seconds = math.nan
            if isinstance(raw, bool) or not math.isfinite(seconds) or seconds <= 0:
                raise StoreTimeoutError(f"extra '{field.name}' must be a positive number of seconds, got {raw!r}")
            values[field.name] = seconds
        return cls(**values)


@lru_cache(maxsize=16)
def engine_for(url: str, timeouts: StoreTimeouts = StoreTimeouts()) -> Engine:
    """One engine (and connection pool) per store URL, timeouts and process."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return sqlite_engine(parsed, timeouts)
    return create_engine(parsed, pool_pre_ping=True, connect_args=_postgres_connect_args(parsed, timeouts))


def sqlite_engine(url: URL, timeouts: StoreTimeouts, *, immediate_transactions: bool = False) -> Engine:
    """An SQLite engine; ``immediate_transactions`` makes every transaction ``BEGIN IMMEDIATE`` and
    puts DDL inside it (pysqlite by default opens no transaction before DDL), for migrations."""
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # Parallel gate tasks write to one file: wait for the lock instead of failing.
    options: dict[str, Any] = {"connect_args": {"timeout": timeouts.busy_timeout}}
    if immediate_transactions:
        options["poolclass"] = NullPool
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _sqlite_pragmas)
    if immediate_transactions:
        event.listen(engine, "connect", _no_implicit_transactions)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def _postgres_connect_args(url: URL, timeouts: StoreTimeouts) -> dict[str, Any]:
    server_options = f"-c statement_timeout={_ms(timeouts.statement_timeout)} -c lock_timeout={_ms(timeouts.lock_timeout)}"
    user_options = url.query.get("options")  # the connection's own `options` extra comes after, so it wins
    return {
        "connect_timeout": max(1, math.ceil(timeouts.connect_timeout)),  # libpq takes whole seconds
        "options": f"{server_options} {user_options}" if user_options else server_options,
        "keepalives": 1,
        "keepalives_idle": max(1, math.ceil(timeouts.keepalive_idle)),
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _no_implicit_transactions(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None


def _begin_immediate(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
