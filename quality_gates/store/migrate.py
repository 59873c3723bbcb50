"""Alembic migrations of the results store, run programmatically (no alembic.ini to ship)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from quality_gates.store import sqlite_migrate
from quality_gates.store.engine import StoreTimeouts
from quality_gates.store.models import VERSION_TABLE

_MIGRATIONS = Path(__file__).parent / "migrations"
# Serialises concurrent first-use upgrades from parallel gate tasks on PostgreSQL.
_ADVISORY_LOCK_KEY = 0x5147_4154_4553  # "QGATES"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()


def upgrade(engine: Engine, revision: str = "head", timeouts: StoreTimeouts = StoreTimeouts()) -> None:
    config = _config()
    if engine.dialect.name == "sqlite":
        sqlite_migrate.upgrade(engine, config, revision, timeouts)
        return
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # SQLite serialises through BEGIN IMMEDIATE instead
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
