"""SQLite migrations: atomic and serialised across processes, and repair of half-migrated stores.

SQLite DDL is transactional, so the whole upgrade runs in one ``BEGIN IMMEDIATE`` transaction:
parallel gates starting on a fresh file wait for the first one's write lock and then find the
store current, and a process killed mid-upgrade leaves the store as it was. Versions before this
one ran each statement in its own transaction; a process killed during their upgrade left tables
without the version that records them (``table gate_runs already exists`` on every later gate).
``_repair`` recognises that state and stamps or cleans it up before upgrading.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, StaticPool, create_engine, text

from quality_gates.checks.errors import StoreConfigurationError
from quality_gates.store.engine import StoreTimeouts, sqlite_engine
from quality_gates.store.models import VERSION_TABLE

_BATCH_LEFTOVER_PREFIX = "_alembic_tmp_"  # a table copy that Alembic's batch mode was filling


class HalfMigratedStoreError(StoreConfigurationError):
    """A half-applied migration left tables or columns that hold values: never dropped, a person
    must look, so the gate fails at once instead of retrying."""


class FirstUseLockTimeout(TimeoutError):
    """Another process held the store's first-use lock for longer than the busy timeout."""


@contextlib.contextmanager
def first_use_lock(engine: Engine, timeouts: StoreTimeouts) -> Iterator[None]:
    """Serialise a process's first look at the file (WAL switch, version check, upgrade) with the
    other processes': 25 gates opening a fresh file at once otherwise race on switching it to WAL,
    which SQLite answers with `database is locked` without waiting. The OS releases the lock of a
    process that dies, so a killed gate never blocks the others. Other dialects: no lock."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".lock")
    with lock_path.open("a") as lock_file:
        deadline = time.monotonic() + timeouts.busy_timeout
        while True:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise FirstUseLockTimeout(
                        f"another process held {lock_path} for over {timeouts.busy_timeout:g} s (busy_timeout)"
                    ) from None
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def upgrade(engine: Engine, config: Config, revision: str, timeouts: StoreTimeouts) -> None:
    migration_engine = sqlite_engine(engine.url, timeouts, immediate_transactions=True)
    try:
        with migration_engine.begin() as connection:
            config.attributes["connection"] = connection
            _repair(connection, config)
            command.upgrade(config, revision)
    finally:
        migration_engine.dispose()


def _repair(connection: Connection, config: Config) -> None:
    """Stamp revisions whose objects all exist; drop what a half-applied revision left behind."""
    current = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()
    existing = _schema_objects(connection)
    leftovers = {obj for obj in existing if obj[1].startswith(_BATCH_LEFTOVER_PREFIX)}
    applied = current
    for revision, objects in _objects_created_by(config, after=current):
        present = objects & existing
        if objects and present == objects:
            applied = revision
            continue
        leftovers |= present
        break
    _drop(connection, leftovers)
    if applied is not None and applied != current:
        command.stamp(config, applied)


def _schema_objects(connection: Connection) -> frozenset[tuple[str, str]]:
    """Tables, indexes and columns (``table.column``): what a revision may have created."""
    rows = connection.execute(
        text(
            "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            " AND name != :version_table"
        ),
        {"version_table": VERSION_TABLE},
    ).all()
    objects = {(row.type, row.name) for row in rows}
    for table in [name for kind, name in objects if kind == "table"]:
        columns = connection.execute(text("SELECT name FROM pragma_table_info(:table)"), {"table": table}).scalars()
        objects |= {("column", f"{table}.{column}") for column in columns}
    return frozenset(objects)


def _objects_created_by(config: Config, *, after: str | None) -> list[tuple[str, frozenset[tuple[str, str]]]]:
    """The pending revisions, oldest first, each with the tables and indexes it creates."""
    created = _objects_created_by_revision(str(config.get_main_option("script_location")))
    revisions = [revision for revision, _ in created]
    if after is None:
        return created
    return created[revisions.index(after) + 1 :] if after in revisions else []  # a newer version's store: leave it


@lru_cache(maxsize=4)
def _objects_created_by_revision(script_location: str) -> list[tuple[str, frozenset[tuple[str, str]]]]:
    """Learnt by applying the migrations one by one to an in-memory database (milliseconds)."""
    config = Config()
    config.set_main_option("script_location", script_location)
    revisions = [script.revision for script in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]
    scratch = create_engine("sqlite://", poolclass=StaticPool)
    created, seen = [], frozenset[tuple[str, str]]()
    try:
        with scratch.begin() as connection:
            config.attributes["connection"] = connection
            for revision in revisions:
                command.upgrade(config, revision)
                now = _schema_objects(connection)
                created.append((revision, now - seen))
                seen = now
    finally:
        scratch.dispose()
    return created


def _drop(connection: Connection, objects: set[tuple[str, str]]) -> None:
    quote = connection.dialect.identifier_preparer.quote
    tables = sorted(name for kind, name in objects if kind == "table")
    # Columns of a table that stays (a half-applied add_column); those of dropped tables go with them.
    columns = sorted(tuple(name.split(".", 1)) for kind, name in objects if kind == "column" and name.split(".", 1)[0] not in tables)
    holding = [table for table in tables if connection.execute(text(f"SELECT 1 FROM {quote(table)} LIMIT 1")).first() is not None]
    holding += [
        f"{table}.{column}"
        for table, column in columns
        if connection.execute(text(f"SELECT 1 FROM {quote(table)} WHERE {quote(column)} IS NOT NULL LIMIT 1")).first() is not None
    ]
    if holding:
        raise HalfMigratedStoreError(
            f"the results store is half-migrated: {', '.join(holding)} was created by a migration that never finished,"
            " but holds values; back the file up, then drop it or restore the version row"
        )
    for name in sorted(name for kind, name in objects if kind == "index"):
        connection.execute(text(f"DROP INDEX IF EXISTS {quote(name)}"))
    for table, column in columns:
        connection.execute(text(f"ALTER TABLE {quote(table)} DROP COLUMN {quote(column)}"))
    for table in tables:
        connection.execute(text(f"DROP TABLE {quote(table)}"))
