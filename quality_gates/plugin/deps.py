"""Request-scoped helpers shared by the pages and the JSON API."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from quality_gates.store.repository import ResultStore, StoreUnavailableError

log = logging.getLogger(__name__)


def results_store() -> ResultStore:
    """The store the gates write to, resolved as they resolve it (connection, config, SQLite file)."""
    from quality_gates.hooks.store import QualityStoreHook, StoreConfigurationError

    try:
        return QualityStoreHook().get_store()
    except (StoreConfigurationError, StoreUnavailableError) as exc:
        # The driver's text names hosts, ports and databases: for the server's log, not for every user.
        log.error("Quality gates UI: results store unavailable: %s", exc)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "the results store is unavailable; the API server's log has the details"
        ) from exc


ResultsStore = Annotated[ResultStore, Depends(results_store)]


def base_url(request: Request) -> str:
    """Where the app is mounted (e.g. ``/quality-gates``, behind Airflow's own root path)."""
    return request.scope.get("root_path", "").rstrip("/")


def parse_time(name: str, value: str | None) -> dt.datetime | None:
    """An ISO date or datetime from the query string, in UTC (naive means UTC)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    # An unencoded "+" of an offset arrives as a space: "2024-06-01T12:00:00 02:00".
    candidates = [text, "+".join(text.rsplit(" ", 1))] if " " in text else [text]
    for candidate in candidates:
        try:
            parsed = dt.datetime.fromisoformat(candidate)
            break
        except ValueError:
            continue
    else:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{name}={value!r} is not an ISO date or datetime (e.g. 2024-06-01 or 2024-06-01T12:00:00+00:00)",
        ) from None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def int_or(value: str | None, default: int) -> int:
    """Airflow's tab URLs leave ``{MAP_INDEX}`` unreplaced for unmapped tasks: that means the default."""
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default
