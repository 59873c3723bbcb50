"""The results UI inside Airflow's own UI, in headless Chromium against a real api-server.

Each test starts where a user does, in Airflow's pages, and reaches the quality pages through the
navigation entry, the DAG tab, the task-instance tab or the extra link; the plugin pages render
in Airflow's iframe. Screenshots land in test-artifacts/ui/.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import HOSTILE_STATUS

PLUGIN_FRAME = "iframe"


def plugin_frame(page):
    """The quality page inside Airflow's iframe, once it has rendered."""
    frame = page.frame_locator(PLUGIN_FRAME).first
    frame.locator("body[data-base]").wait_for()
    return frame


def ti_url(server, run: dict, task_id: str) -> str:
    return f"{server.base_url}/dags/{run['dag_id']}/runs/{quote(run['run_id'], safe='')}/tasks/{task_id}"


@pytest.fixture
def dialogs(page):
    """Every JavaScript dialog (alert, confirm...) the page opens: none may come from user data."""
    opened: list[str] = []

    def record(dialog):
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return opened


def test_navigation_entry_lists_recent_gate_runs_failing_first(page, airflow_server, screenshot):
    page.goto(f"{airflow_server.base_url}/")
    page.get_by_role("link", name="Data quality").or_(page.get_by_role("button", name="Data quality")).first.click()
    page.wait_for_url(re.compile(r"/plugin/data-quality"))
    frame = plugin_frame(page)
    rows = frame.get_by_test_id("qg-run-row")
    rows.first.wait_for()
    statuses = [rows.nth(i).get_attribute("data-status") for i in range(rows.count())]
    assert statuses[0] == "failed"
    assert statuses == sorted(statuses, key=["failed", "error", "warned", "passed"].index)
    assert {"e2e_orders", "anomaly_gate"} <= {rows.nth(i).get_attribute("data-dag-id") for i in range(rows.count())}
    screenshot(page, "overview")


def test_overview_filters_by_dag_and_status(page, airflow_server):
    page.goto(f"{airflow_server.base_url}/quality-gates/?dag_id=e2e_orders&status=failed")
    rows = page.get_by_test_id("qg-run-row")
    rows.first.wait_for()
    assert rows.count() == 1
    assert rows.first.get_attribute("data-dag-id") == "e2e_orders"
    assert rows.first.get_attribute("data-status") == "failed"


def test_dag_tab_shows_each_gate_over_runs(page, airflow_server, screenshot):
    page.goto(f"{airflow_server.base_url}/dags/e2e_orders")
    page.get_by_role("tab", name="Quality").or_(page.get_by_role("link", name="Quality", exact=True)).first.click()
    page.wait_for_url(re.compile(r"/dags/e2e_orders/plugin/quality"))
    frame = plugin_frame(page)
    row = frame.locator('[data-testid="qg-gate-row"][data-task-id="validate_orders"]')
    row.wait_for()
    cells = row.get_by_test_id("qg-cell")
    assert sorted(cells.nth(i).get_attribute("data-status") for i in range(cells.count())) == ["failed", "passed"]
    screenshot(page, "dag_quality_tab")


def test_task_instance_tab_shows_checks_and_hostile_failure_case_as_text(page, airflow_server, dialogs, screenshot):
    run = airflow_server.seeded["hostile_run"]
    page.goto(ti_url(airflow_server, run, "validate_orders"))
    page.get_by_role("tab", name="Quality checks").or_(page.get_by_role("link", name="Quality checks")).first.click()
    page.wait_for_url(re.compile(r"/plugin/quality-checks"))
    frame = plugin_frame(page)
    assert frame.get_by_test_id("qg-gate-status").get_attribute("data-status") == "failed"
    isin = frame.locator('[data-testid="qg-check-row"][data-check="isin"]')
    assert isin.get_attribute("data-status") == "failed"
    assert "6.00%" in isin.get_by_test_id("qg-failing-fraction").inner_text()
    assert HOSTILE_STATUS in isin.inner_text()  # shown as text...
    isin.get_by_test_id("qg-failure-cases").locator("summary").click()  # the sample of failing rows
    cases = isin.get_by_test_id("qg-failure-case")
    assert [cases.nth(i).locator("code").inner_text() for i in range(cases.count())] == [HOSTILE_STATUS] * 3
    assert frame.locator("script", has_text="alert(1)").count() == 0  # ...never as markup
    amount = frame.locator('[data-testid="qg-check-row"][data-check="greater_than_or_equal_to"]')
    assert amount.get_attribute("data-status") == "failed" and ">= 0" in amount.inner_text()
    assert frame.locator('[data-testid="qg-check-row"][data-status="passed"]').count() >= 10
    page.wait_for_timeout(500)  # a script injected by the data would have run by now
    assert dialogs == []
    screenshot(page, "ti_quality_checks")


def test_anomaly_gate_tab_names_culprit_columns(page, airflow_server):
    page.goto(ti_url(airflow_server, airflow_server.seeded["flagged_run"], "gate") + "/plugin/quality-checks")
    frame = plugin_frame(page)
    culprits = frame.get_by_test_id("qg-culprits")
    assert "amount" in culprits.inner_text()
    assert "negative_fraction" in culprits.get_by_test_id("qg-culprit-explanation").first.inner_text()


def test_dataset_chart_renders_partitions_with_the_flagged_one_marked(page, airflow_server, screenshot):
    page.goto(ti_url(airflow_server, airflow_server.seeded["flagged_run"], "gate") + "/plugin/quality-checks")
    frame = plugin_frame(page)
    frame.get_by_test_id("qg-dataset-link").click()
    chart = frame.locator('[data-testid="qg-chart"][data-rendered="true"]').first
    chart.wait_for()
    assert int(chart.get_attribute("data-points")) == len(airflow_server.seeded["daily_runs"])
    # Traces: band low, band high, the values (one point per partition), flagged, false alarms.
    expect(chart.locator("svg .scatterlayer .trace").nth(2).locator(".point")).to_have_count(len(airflow_server.seeded["daily_runs"]))
    # The flagged partition is marked (as flagged, or as a false alarm once the action test has run).
    expect(chart.locator("svg .scatterlayer .trace:nth-child(n+4) .point")).to_have_count(1)
    flagged_key = airflow_server.seeded["flagged_run"]["partition"]
    flagged = frame.locator(f'[data-testid="qg-partition-row"][data-partition-key="{flagged_key}"]')
    assert flagged.get_attribute("data-baseline-status") in ("excluded", "false_alarm")
    chart.scroll_into_view_if_needed()
    screenshot(page, "dataset_chart")


def test_click_on_a_chart_point_opens_the_gate_run_that_profiled_it(page, airflow_server):
    first = airflow_server.seeded["daily_runs"][0]
    page.goto(f"{airflow_server.base_url}/quality-gates/dataset?dataset=daily_orders&column=amount")
    chart = page.locator('[data-testid="qg-chart"][data-rendered="true"]').first
    chart.wait_for()
    # Traces: band low, band high, the values (one point per partition, oldest first), flagged, false alarms.
    point = chart.locator("svg .scatterlayer .trace").nth(2).locator(".point").first
    box = point.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(re.compile(r"/quality-gates/dags/anomaly_gate/runs/"))
    assert page.get_by_test_id("qg-partition-key").inner_text() == first["partition"]
    assert quote(first["run_id"], safe="") in page.url or first["run_id"] in page.url


def test_pages_follow_airflow_dark_mode(page, airflow_server, screenshot):
    page.emulate_media(color_scheme="dark")  # Airflow's theme follows the system's by default
    page.goto(ti_url(airflow_server, airflow_server.seeded["hostile_run"], "validate_orders") + "/plugin/quality-checks")
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"))  # Airflow sets it once its app has loaded
    frame = plugin_frame(page)
    frame.get_by_test_id("qg-check-row").first.wait_for()
    expect(frame.locator("html")).to_have_attribute("data-theme", "dark")
    red, green, blue = map(int, re.findall(r"\d+", frame.locator("body").evaluate("b => getComputedStyle(b).color"))[:3])
    assert min(red, green, blue) > 150  # light text on a dark page
    screenshot(page, "ti_quality_checks_dark")


def test_false_alarm_action_rejoins_baseline_and_records_who_and_when(page, airflow_server, screenshot):
    flagged = airflow_server.seeded["flagged_run"]
    page.goto(ti_url(airflow_server, flagged, "gate") + "/plugin/quality-checks")
    frame = plugin_frame(page)
    status = frame.get_by_test_id("qg-partition").get_by_test_id("qg-baseline-status")
    assert status.get_attribute("data-baseline-status") == "excluded"
    frame.get_by_test_id("qg-mark-note").fill("fine: a refund batch")
    frame.get_by_test_id("qg-mark-false-alarm").click()
    partition = frame.get_by_test_id("qg-partition")
    partition.get_by_test_id("qg-status-changed-by").wait_for()  # the page reloads after the POST
    assert partition.get_by_test_id("qg-baseline-status").get_attribute("data-baseline-status") == "false_alarm"
    assert partition.get_by_test_id("qg-status-changed-by").inner_text() == "admin"
    marked_at = partition.get_by_test_id("qg-status-changed-at").inner_text()
    assert marked_at.startswith(dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")) and marked_at.endswith("UTC")
    assert partition.get_by_test_id("qg-status-note").inner_text() == "fine: a refund batch"
    assert frame.get_by_test_id("qg-mark-false-alarm").count() == 0  # done: only "confirmed bad" remains
    screenshot(page, "false_alarm_marked")


def test_quality_report_extra_link_opens_the_task_tab(page, airflow_server):
    run = airflow_server.seeded["hostile_run"]
    page.goto(ti_url(airflow_server, run, "validate_orders"))
    page.get_by_role("tab", name="Details").or_(page.get_by_role("link", name="Details", exact=True)).first.click()
    link = page.get_by_role("link", name="Quality report")  # Airflow lists extra links in the task's details
    href = link.get_attribute("href") or ""
    assert href == ti_url(airflow_server, run, "validate_orders") + "/plugin/quality-checks"
    page.goto(href)
    frame = plugin_frame(page)
    assert frame.locator('[data-testid="qg-check-row"][data-check="isin"]').get_attribute("data-status") == "failed"


def test_viewer_sees_results_but_cannot_mark_partitions(page_as, airflow_server):
    viewer_page = page_as("viewer")
    flagged = airflow_server.seeded["flagged_run"]
    viewer_page.goto(ti_url(airflow_server, flagged, "gate") + "/plugin/quality-checks")
    frame = plugin_frame(viewer_page)
    frame.get_by_test_id("qg-check-row").first.wait_for()
    assert frame.get_by_test_id("qg-mark-false-alarm").count() == 0
    assert frame.get_by_test_id("qg-mark-confirmed-bad").count() == 0
    # The API refuses the viewer too, even from the same origin with the viewer's own cookie.
    answer = viewer_page.request.post(
        f"{airflow_server.base_url}/quality-gates/api/dataset/baseline-status",
        data={"dataset": "daily_orders", "partition_key": flagged["partition"], "status": "confirmed_bad"},
        headers={"Origin": airflow_server.base_url},
    )
    assert answer.status == 403, answer.text()
    assert "may not change" in answer.text()  # refused for want of edit permission, not as a forgery


def test_restricted_user_neither_sees_nor_reaches_a_dag_they_may_not_read(page_as, airflow_server):
    restricted = page_as("restricted")
    restricted.goto(f"{airflow_server.base_url}/quality-gates/")
    rows = restricted.get_by_test_id("qg-run-row")
    rows.first.wait_for()
    dag_ids = {rows.nth(i).get_attribute("data-dag-id") for i in range(rows.count())}
    assert "e2e_orders" in dag_ids and "ui_secret" not in dag_ids
    secret = airflow_server.seeded["secret_run"]
    answer = restricted.goto(
        f"{airflow_server.base_url}/quality-gates/dags/ui_secret/runs/{quote(secret['run_id'], safe='')}/tasks/validate_orders"
    )
    assert answer.status == 403
    assert restricted.locator('[data-testid="qg-check-row"]').count() == 0
    assert HOSTILE_STATUS not in restricted.content()


def test_anonymous_browser_is_sent_nothing(browser, airflow_server):
    context = browser.new_context()
    try:
        answer = context.request.get(f"{airflow_server.base_url}/quality-gates/")
        assert answer.status == 401
        assert "e2e_orders" not in answer.text()
    finally:
        context.close()
