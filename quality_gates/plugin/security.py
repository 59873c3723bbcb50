"""Authentication and authorization of the UI through Airflow's auth manager.

Airflow does not protect plugin FastAPI apps: a route without these dependencies answers
anonymous requests. Every route of the app depends on ``CurrentUser`` (401 without a valid
token, from the UI's ``_token`` cookie or an ``Authorization: Bearer`` header); routes about one
DAG also on ``requires_access_dag`` (403 when the auth manager says no); lists filter on
``readable_dag_ids``. Airflow's core-internal security helpers are imported here only.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.models.base_user import BaseUser
from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails
from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_dag, requires_authenticated
from fastapi import Depends, HTTPException, Request, status

CurrentUser = GetUserDep
READ, EDIT = "GET", "PUT"

# Route dependencies: the DAG id comes from the path or the query string.
can_read_dag_runs = Depends(requires_access_dag(READ, DagAccessEntity.RUN))
can_read_task_instances = Depends(requires_access_dag(READ, DagAccessEntity.TASK_INSTANCE))
authenticated = Depends(requires_authenticated())


def readable_dag_ids(user: BaseUser) -> frozenset[str]:
    """DAGs (known to Airflow's metadata DB) whose runs the user may read."""
    return frozenset(get_auth_manager().get_authorized_dag_ids(user=user, method=READ))


def may_access_dag(user: BaseUser, dag_id: str | None, method: str = READ) -> bool:
    """``dag_id=None`` asks about DAGs in general (results not tied to one DAG, e.g. backtests).

    Reading results is reading the DAG's runs; marking a partition needs edit permission on the
    DAG itself (no sub-entity), as the issue asks."""
    return get_auth_manager().is_authorized_dag(
        method=method,
        access_entity=DagAccessEntity.RUN if method == READ else None,
        details=DagDetails(id=dag_id, team_name=_team(dag_id)),
        user=user,
    )


def require_dag_access(user: BaseUser, dag_id: str | None, method: str = READ) -> None:
    if not may_access_dag(user, dag_id, method):
        action = "change results of" if method != READ else "read"
        what = f"DAG '{dag_id}'" if dag_id else "DAGs"
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"Forbidden: you may not {action} {what}")


def reads_every_dag(user: BaseUser) -> bool:
    """The user may read results not tied to a DAG and every DAG Airflow knows."""
    from airflow.models import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    if not may_access_dag(user, None):
        return False
    with create_session() as session:
        known = session.scalar(select(func.count()).select_from(DagModel))
    return len(readable_dag_ids(user)) >= (known or 0)


def not_found(user: BaseUser, message: str) -> HTTPException:
    """404 for what is missing *or* only in DAGs the user may not read: the two answer alike, so
    the answer tells nothing about other DAGs. The message says so, unless the user reads everything."""
    if reads_every_dag(user):
        return HTTPException(status.HTTP_404_NOT_FOUND, message)
    return HTTPException(status.HTTP_404_NOT_FOUND, f"{message} (or none you may read)")


def user_name(user: BaseUser) -> str:
    return user.get_name()


def _team(dag_id: str | None) -> str | None:
    from airflow.configuration import conf

    if not dag_id or not conf.getboolean("core", "multi_team", fallback=False):
        return None
    from airflow.models.dag import DagModel

    return DagModel.get_team_name(dag_id)


def same_origin(request: Request) -> None:
    """Refuse state-changing requests a browser makes on behalf of another site.

    The UI's token is a cookie, which a browser attaches to cross-site requests too. Browsers
    say where a request comes from (``Sec-Fetch-Site``, ``Origin``); a request from another
    site is refused. Clients outside a browser (a bearer token, no such headers) pass. The body
    must be JSON, which an HTML form on another site cannot send without a CORS preflight.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"cross-site request refused (Sec-Fetch-Site: {fetch_site})")
    origin = request.headers.get("origin")
    if origin is not None and not _trusted_origin(origin, request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"cross-site request refused (Origin {origin} is not this server)")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send the request body as application/json")


def _trusted_origin(origin: str, request: Request) -> bool:
    from airflow.configuration import conf

    parts = urlsplit(origin)
    hosts = {request.headers.get("host", "")}
    if base_url := conf.get("api", "base_url", fallback=None):
        hosts.add(urlsplit(base_url).netloc)
    return parts.scheme in ("http", "https") and parts.netloc in hosts


SameOrigin = Depends(same_origin)
