"""Connections for computations on SQL engines: one consistent snapshot, a statement timeout,
and database errors turned into errors that name the data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from quality_gates.checks.errors import QueryTimeoutError, SourceError
from quality_gates.engines.computation import SqlQuery

POSTGRES_QUERY_CANCELED = "57014"


@contextmanager
def connect(computation: SqlQuery) -> Iterator[sa.Connection]:
    """A connection in one transaction; on PostgreSQL a REPEATABLE READ snapshot (every query of a
    gate sees the same rows) with ``statement_timeout`` when the computation sets one."""
    try:
        connection = computation.engine.connect()
    except sa.exc.DBAPIError as exc:
        raise read_error(computation, exc) from exc
    with connection:
        if computation.dialect == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            if computation.timeout_seconds and computation.dialect == "postgresql":
                milliseconds = max(1, round(computation.timeout_seconds * 1000))
                # SET LOCAL takes no bind parameters; an int formatted here is not user text.
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(milliseconds)}")
            yield connection


def read_error(computation: SqlQuery, exc: sa.exc.DBAPIError) -> SourceError:
    """A statement timeout as such; anything else as a read error, with the database's first line."""
    original = getattr(exc, "orig", None)
    # psycopg2 names the SQLSTATE pgcode, psycopg 3 sqlstate.
    if POSTGRES_QUERY_CANCELED in (getattr(original, "pgcode", None), getattr(original, "sqlstate", None)):
        return QueryTimeoutError(
            f"{computation.name}: the query was cancelled after the statement timeout of "
            f"{computation.timeout_seconds:g} s; raise timeout_seconds or narrow the partition"
        )
    message = str(original or exc).strip().splitlines()[0] if str(original or exc).strip() else type(exc).__name__
    if computation.dialect == "duckdb" and "Out of Memory" in message:
        # DuckDB runs in the worker under a memory limit; what cannot spill (DISTINCT aggregates) can exceed it.
        from quality_gates.engines.duckdb_files import DUCKDB_MEMORY_LIMIT

        return SourceError(
            f"cannot read {computation.name}: {message}; DuckDB runs in the worker with memory_limit "
            f"{DUCKDB_MEMORY_LIMIT or 'unset'}: raise QUALITY_GATES_DUCKDB_MEMORY_LIMIT"
        )
    return SourceError(f"cannot read {computation.name}: {message}")
