"""Where a gate run is shown in Airflow's UI: the task instance's "Quality checks" tab.

Kept free of the web stack: operators (extra links) and notifiers (alert links) use it on workers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

APP_PREFIX = "/quality-gates"
NAV_ROUTE, DAG_ROUTE, TASK_ROUTE = "data-quality", "quality", "quality-checks"
DEFAULT_BASE_URL = "http://localhost:8080/"


def airflow_base_url() -> str:
    from airflow.configuration import conf

    return (conf.get("api", "base_url", fallback=None) or DEFAULT_BASE_URL).rstrip("/")


def quality_report_url(dag_id: str, run_id: str, task_id: str, map_index: int | None = -1, base_url: str | None = None) -> str:
    """Airflow's task-instance page with the gate's "Quality checks" tab open."""
    base = (base_url or airflow_base_url()).rstrip("/")
    mapped = f"/mapped/{map_index}" if map_index is not None and map_index >= 0 else ""
    return f"{base}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}/tasks/{quote(task_id, safe='')}{mapped}/plugin/{TASK_ROUTE}"


def task_instance_report_url(ti: Any) -> str:
    """``quality_report_url`` of a running task instance (or anything with its ids)."""
    return quality_report_url(ti.dag_id, ti.run_id, ti.task_id, getattr(ti, "map_index", -1))
