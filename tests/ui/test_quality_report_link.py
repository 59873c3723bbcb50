"""A real gate run (dag.test()) → its "Quality report" extra link → its checks in the task-instance tab."""

from __future__ import annotations

from quality_gates.ui_links import quality_report_url
from tests.ui.conftest import auth


def test_gate_operators_link_to_their_quality_report(client, tokens, ui_store, run_dag):
    dag_run, states = run_dag("gate_fail", scenario="bad")
    assert states["gate"] == "failed"
    expected = quality_report_url("gate_fail", dag_run.run_id, "gate")
    assert expected.endswith(
        f"/dags/gate_fail/runs/{dag_run.run_id.replace(':', '%3A').replace('+', '%2B')}/tasks/gate/plugin/quality-checks"
    )
    # Computed on the worker when the task ended (failed, here) and stored as an XCom...
    assert dag_run.get_task_instance("gate").xcom_pull(task_ids="gate", key="_link_QualityReportLink") == expected
    # ...and served by Airflow's own extra-links API, as the UI asks for it.
    links = client.get(f"/api/v2/dags/gate_fail/dagRuns/{dag_run.run_id}/taskInstances/gate/links", headers=auth(tokens, "viewer"))
    assert links.status_code == 200, links.text
    assert links.json()["extra_links"] == {"Quality report": expected}
    # The tab it opens shows the gate's failing check.
    page = client.get(f"/quality-gates/dags/gate_fail/runs/{dag_run.run_id}/tasks/gate", headers=auth(tokens, "viewer"))
    assert page.status_code == 200
    assert 'data-testid="qg-gate-status" data-status="failed"' in page.text
    assert 'data-status="failed" data-check="greater_than_or_equal_to" data-column="amount"' in page.text


def test_the_plugin_puts_the_tabs_into_airflows_ui(client, tokens):
    plugins = client.get("/api/v2/plugins", headers=auth(tokens, "viewer")).json()["plugins"]
    [ours] = [p for p in plugins if p["name"] == "quality_gates"]
    views = {v["name"]: v for v in ours["external_views"]}
    assert views["Data quality"]["destination"] == "nav" and views["Data quality"]["url_route"] == "data-quality"
    assert client.get(views["Data quality"]["icon"], headers=auth(tokens, "viewer")).headers["content-type"] == "image/svg+xml"
    assert views["Quality"]["href"].endswith("/quality-gates/dags/{DAG_ID}")
    assert views["Quality checks"]["href"].endswith("/quality-gates/dags/{DAG_ID}/runs/{RUN_ID}/tasks/{TASK_ID}?map_index={MAP_INDEX}")
    assert [a["url_prefix"] for a in ours["fastapi_apps"]] == ["/quality-gates"]
