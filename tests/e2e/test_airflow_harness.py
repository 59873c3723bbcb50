"""The harness itself: the seeded api-server, Airflow's real login page and its UI in Chromium."""

from __future__ import annotations

import json
import urllib.request

from tests.e2e.conftest import sign_in


def test_seeded_runs_are_real_dag_runs(airflow_server):
    seeded = airflow_server.seeded
    assert seeded["hostile_run"]["states"] == {"validate_orders": "failed", "load_orders": "upstream_failed"}
    assert seeded["passed_run"]["states"]["validate_orders"] == "success"
    assert seeded["secret_run"]["dag_id"] == "ui_secret"
    assert seeded["flagged_run"]["states"] == {"gate": "failed", "downstream": "upstream_failed"}
    assert all(run["states"]["gate"] == "success" for run in seeded["daily_runs"][:-1])


def test_token_endpoint_issues_tokens_the_api_accepts(airflow_server):
    token = airflow_server.token("viewer")
    request = urllib.request.Request(f"{airflow_server.base_url}/api/v2/dags?limit=100", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        dag_ids = {dag["dag_id"] for dag in json.loads(response.read())["dags"]}
    assert {"e2e_orders", "ui_secret", "anomaly_gate"} <= dag_ids


def test_sign_in_through_airflow_login_page_and_open_a_dag(browser, airflow_server, screenshot):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        sign_in(page, airflow_server, "admin")
        assert "_token" in {cookie["name"] for cookie in context.cookies()}
        page.goto(f"{airflow_server.base_url}/dags/e2e_orders/runs/{airflow_server.seeded['hostile_run']['run_id']}")
        page.get_by_text("validate_orders").first.wait_for()
        screenshot(page, "airflow_dag_run")
    finally:
        context.close()
