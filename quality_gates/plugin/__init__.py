"""Airflow plugin entry point (``airflow.plugins``): the results UI inside Airflow.

The FastAPI app is created on first use (by the API server), so that schedulers and workers,
which load plugins too, do not import the web stack.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.plugins_manager import AirflowPlugin

from quality_gates.ui_links import APP_PREFIX as URL_PREFIX
from quality_gates.ui_links import DAG_ROUTE, NAV_ROUTE, TASK_ROUTE


def _root() -> str:
    """Airflow's own path prefix, when its base_url has one (e.g. https://host/airflow)."""
    from urllib.parse import urlsplit

    from airflow.configuration import conf

    return urlsplit(conf.get("api", "base_url", fallback="") or "").path.rstrip("/")


class QualityGatesPlugin(AirflowPlugin):
    name = "quality_gates"

    @cached_property
    def fastapi_apps(self) -> list[dict[str, Any]]:  # type: ignore[override]
        from quality_gates.plugin.app import create_app

        return [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "Quality gates"}]

    @cached_property
    def external_views(self) -> list[dict[str, Any]]:  # type: ignore[override]
        app = _root() + URL_PREFIX
        return [
            {
                "name": "Data quality",
                "href": f"{app}/",
                "destination": "nav",
                "url_route": NAV_ROUTE,
                "nav_top_level": True,
                "icon": f"{app}/static/icon.svg",
                "icon_dark_mode": f"{app}/static/icon-dark.svg",
            },
            {"name": "Quality", "href": f"{app}/dags/{{DAG_ID}}", "destination": "dag", "url_route": DAG_ROUTE},
            {
                "name": "Quality checks",
                "destination": "task_instance",
                "url_route": TASK_ROUTE,
                "href": f"{app}/dags/{{DAG_ID}}/runs/{{RUN_ID}}/tasks/{{TASK_ID}}?map_index={{MAP_INDEX}}",
            },
        ]
