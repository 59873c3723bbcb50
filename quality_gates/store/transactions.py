"""How every part of the store talks to its database: database errors become
``StoreUnavailableError`` the same way everywhere, and writes can join a caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, SQLAlchemyError
from sqlalchemy.orm import Session

from quality_gates.checks.errors import StoreUnavailableError, StoreValueError


def location(engine: Engine) -> str:
    """The store's URL without its password: how messages name it."""
    return engine.url.render_as_string(hide_password=True)


@contextmanager
def database_errors(engine: Engine, doing: str) -> Iterator[None]:
    """Turn any database error inside into ``StoreUnavailableError`` saying what was being done
    ("write the profile of trips [2024-06-01]"); the driver's error stays chained as the cause."""
    try:
        yield
    except DataError as exc:  # value too long, malformed: deterministic, a retry cannot help
        raise StoreValueError(f"results store {location(engine)} refused a value: could not {doing}: {_reason(exc)}") from exc
    except SQLAlchemyError as exc:
        raise StoreUnavailableError(f"results store {location(engine)} is unavailable: could not {doing}: {_reason(exc)}") from exc


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's first line, without the SQL statement and parameters SQLAlchemy appends."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


@contextmanager
def reading(engine: Engine, doing: str) -> Iterator[Session]:
    with database_errors(engine, doing), Session(engine) as session:
        yield session


@contextmanager
def writing(engine: Engine, doing: str, session: Session | None = None) -> Iterator[Session]:
    """The caller's ``session`` (its transaction commits or rolls back everything together), or
    a new session whose transaction commits when the block ends."""
    with database_errors(engine, doing):
        if session is not None:
            yield session
            return
        with Session(engine) as own, own.begin():
            yield own
