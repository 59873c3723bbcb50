"""The "Quality report" extra link of every gate: its results inside Airflow's UI."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperatorLink

from quality_gates.ui_links import quality_report_url


class QualityReportLink(BaseOperatorLink):
    """Opens the task instance's "Quality checks" tab (computed on the worker, stored as an XCom)."""

    name = "Quality report"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        return quality_report_url(ti_key.dag_id, ti_key.run_id, ti_key.task_id, getattr(ti_key, "map_index", -1))
