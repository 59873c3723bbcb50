"""What the pages and the JSON API show, through Airflow's app with real tokens, on both stores."""

from __future__ import annotations

import datetime as dt
import re

from tests.ui.conftest import READABLE_DAG, auth, seed_partition, seed_run

PREFIX = "/quality-gates"
T0 = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def test_overview_lists_failing_runs_first_then_newest_and_pages_through_all(client, tokens, ui_store):
    statuses = ["passed", "failed", "warned", "passed", "error", "failed", "passed"]
    for i, status in enumerate(statuses):
        seed_run(ui_store, READABLE_DAG, run_id=f"run_{i}", status=status, started=T0 + dt.timedelta(hours=i))
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{PREFIX}/api/gate-runs", params=params, headers=auth(tokens, "viewer")).json()
        seen += [(r["status"], r["run_id"]) for r in page["runs"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [
        ("failed", "run_5"),
        ("failed", "run_1"),
        ("error", "run_4"),
        ("warned", "run_2"),
        ("passed", "run_6"),
        ("passed", "run_3"),
        ("passed", "run_0"),
    ]
    assert page["counts"] == {"failed": 2, "error": 1, "warned": 1, "passed": 3}


def test_overview_filters_by_dag_dataset_status_and_time(client, tokens, ui_store):
    seed_run(ui_store, READABLE_DAG, run_id="a", dataset="orders", status="failed", started=T0)
    seed_run(ui_store, READABLE_DAG, run_id="b", dataset="trips", status="passed", started=T0 + dt.timedelta(days=1))
    seed_run(ui_store, "ui_secret", run_id="c", dataset="orders", status="warned", started=T0 + dt.timedelta(days=2))

    def runs(**params):
        response = client.get(f"{PREFIX}/api/gate-runs", params=params, headers=auth(tokens, "admin"))
        assert response.status_code == 200, response.text
        return sorted(r["run_id"] for r in response.json()["runs"])

    assert runs() == ["a", "b", "c"]
    assert runs(dag_id="ui_secret") == ["c"]
    assert runs(dataset="orders") == ["a", "c"]
    assert runs(status=["passed", "warned"]) == ["b", "c"]
    assert runs(since="2024-06-02") == ["b", "c"]
    assert runs(since="2024-06-02", until="2024-06-03") == ["b"]
    # An offset is honoured: 02:00+02:00 is midnight UTC.
    assert runs(since="2024-06-02T02:00:00+02:00") == ["b", "c"]
    page = client.get(f"{PREFIX}/", params={"dataset": "trips"}, headers=auth(tokens, "admin")).text
    assert page.count('data-testid="qg-run-row"') == 1


def test_overview_says_which_filter_is_wrong(client, tokens, ui_store):
    cases = {
        "since=yesterday": "since='yesterday' is not an ISO date or datetime",
        "status=broken": "status 'broken' is not one of failed, error, warned, passed",
        "cursor=nonsense": "cursor 'nonsense' is not one this page made",
        "limit=0": "limit must be between 1 and 200",
    }
    for query, message in cases.items():
        response = client.get(f"{PREFIX}/api/gate-runs?{query}", headers=auth(tokens, "admin"))
        assert response.status_code in (400, 422), query
        assert message in response.json()["detail"], query
    page = client.get(f"{PREFIX}/?since=yesterday", headers={**auth(tokens, "admin"), "Accept": "text/html"})
    assert page.status_code == 422 and "is not an ISO date or datetime" in page.text and 'data-testid="qg-error"' in page.text


def test_task_instance_tab_shows_every_check_with_observed_expected_fraction_and_samples(client, tokens, ui_store):
    seed_run(ui_store, READABLE_DAG, try_number=1, status="error")
    seed_run(ui_store, READABLE_DAG, try_number=2, status="failed")
    url = f"{PREFIX}/dags/{READABLE_DAG}/runs/run_1/tasks/validate?map_index={{MAP_INDEX}}"  # as Airflow's tab leaves it
    page = client.get(url, headers=auth(tokens, "viewer"))
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-testid="qg-gate-status" data-status="failed"' in html
    rows = re.findall(r'data-testid="qg-check-row" data-status="(\w+)" data-check="([\w_]+)"', html)
    assert rows == [("failed", "greater_than_or_equal_to"), ("passed", "not_nullable")]  # problems first
    assert "3 of 100 rows (3.00%) fail, e.g. -1" in html and "&gt;= 0" in html and "3.00%" in html
    assert html.count('data-testid="qg-failure-case"') == 2 and "-1.0" in html
    assert 'data-testid="qg-tries"' in html  # both tries, the latest shown
    detail = client.get(f"{PREFIX}/api/dags/{READABLE_DAG}/runs/run_1/tasks/validate", headers=auth(tokens, "viewer")).json()
    assert detail["run"]["try_number"] == 2 and [t["status"] for t in detail["tries"]] == ["error", "failed"]
    first = client.get(f"{PREFIX}/api/dags/{READABLE_DAG}/runs/run_1/tasks/validate?try_number=1", headers=auth(tokens, "viewer")).json()
    assert first["run"]["status"] == "error"
    missing = client.get(f"{PREFIX}/api/dags/{READABLE_DAG}/runs/run_9/tasks/validate", headers=auth(tokens, "viewer"))
    assert missing.status_code == 404 and "no gate results for task 'validate' of run 'run_9'" in missing.json()["detail"]


def test_task_instance_tab_explains_anomaly_gates_and_renders_any_details(client, tokens, ui_store):
    from quality_gates.checks.results import CheckResult, Severity, Status

    checks = [
        CheckResult(
            "partition_anomaly",
            None,
            Status.FAILED,
            Severity.ERROR,
            "score 3.20",
            "score below 1.00",
            {"score": 3.2, "culprits": ["distance_km"], "history_size": 30, "message": "unusual compared with 30 earlier partitions"},
        ),
        CheckResult(
            "mean",
            "distance_km",
            Status.FAILED,
            Severity.ERROR,
            "8.1",
            "3.9 … 4.4",
            {"kind": "anomaly_explanation", "z": 40.0, "message": "column 'distance_km' mean = 8.1, expected 3.9 … 4.4"},
        ),
        CheckResult(
            "psi",
            "fare",
            Status.WARNED,
            Severity.WARN,
            "0.31",
            "< 0.2",
            {"explanation": "fare drifted: more long trips", "bins": {"0-10": 0.4}, "method": "psi"},
        ),
    ]
    run = seed_run(ui_store, READABLE_DAG, task_id="detect", gate="anomaly", checks=checks, status="failed")
    seed_partition(ui_store, "orders", "2024-06-01", gate_run_id=run, anomalous=True)
    ui_store.alert_states.decide(READABLE_DAG, "detect", "orders", Status.FAILED, run)
    ui_store.alert_states.decide(READABLE_DAG, "detect", "orders", Status.FAILED, run + 1000)  # a repeat, held back
    html = client.get(f"{PREFIX}/dags/{READABLE_DAG}/runs/run_1/tasks/detect", headers=auth(tokens, "editor")).text
    assert 'data-testid="qg-culprit-column"' in html and "distance_km" in html
    assert "column &#39;distance_km&#39; mean = 8.1, expected 3.9 … 4.4" in html
    assert 'data-testid="qg-explanation">fare drifted: more long trips' in html
    assert "<dt>method</dt><dd>psi</dd>" in html and "<dt>0-10</dt><dd>0.4</dd>" in html  # other details, generically
    assert 'data-testid="qg-suppressed-count" data-suppressed="1"' in html
    assert 'data-baseline-status="excluded"' in html and 'data-testid="qg-mark-false-alarm"' in html
    viewer = client.get(f"{PREFIX}/dags/{READABLE_DAG}/runs/run_1/tasks/detect", headers=auth(tokens, "viewer")).text
    assert 'data-testid="qg-mark-false-alarm"' not in viewer and 'data-testid="qg-no-edit"' in viewer


def test_dag_tab_pages_through_runs_whose_gate_runs_interleave(client, tokens, ui_store):
    """A task of an old DAG run cleared and re-run after newer DAG runs: every run on exactly one page, in order."""
    seed_run(ui_store, READABLE_DAG, task_id="validate", run_id="old", started=T0)
    seed_run(ui_store, READABLE_DAG, task_id="validate", run_id="mid", started=T0 + dt.timedelta(days=1))
    seed_run(ui_store, READABLE_DAG, task_id="validate", run_id="new", started=T0 + dt.timedelta(days=2))
    seed_run(ui_store, READABLE_DAG, task_id="detect", run_id="old", gate="anomaly", started=T0 + dt.timedelta(days=3))
    seed_run(ui_store, READABLE_DAG, task_id="detect", run_id="mid", gate="anomaly", started=T0 + dt.timedelta(days=2, hours=1))
    for size in (1, 2):
        shown, cursor = [], None
        for _ in range(5):
            params = {"runs": size} | ({"before": cursor} if cursor else {})
            page = client.get(f"{PREFIX}/api/dags/{READABLE_DAG}/grid", params=params, headers=auth(tokens, "viewer")).json()
            shown.append([r["run_id"] for r in page["runs"]])
            cursor = page["older_cursor"]
            if cursor is None:
                break
        assert shown == ([["new"], ["mid"], ["old"]] if size == 1 else [["mid", "new"], ["old"]]), size


def test_dag_tab_has_a_row_per_gate_and_a_cell_per_run(client, tokens, ui_store):
    from quality_gates.checks.results import Status

    for i, (schema_status, anomaly_status) in enumerate([("passed", "passed"), ("failed", None), ("passed", "warned")]):
        started = T0 + dt.timedelta(days=i)
        seed_run(ui_store, READABLE_DAG, task_id="validate", run_id=f"r{i}", status=schema_status, started=started)
        if anomaly_status:
            seed_run(
                ui_store,
                READABLE_DAG,
                task_id="detect",
                run_id=f"r{i}",
                status=anomaly_status,
                gate="anomaly",
                started=started + dt.timedelta(minutes=1),
            )
    grid = client.get(f"{PREFIX}/api/dags/{READABLE_DAG}/grid", headers=auth(tokens, "viewer")).json()
    assert [r["run_id"] for r in grid["runs"]] == ["r0", "r1", "r2"]
    cells = {row["task_id"]: [c and c["status"] for c in row["cells"]] for row in grid["gates"]}
    assert cells == {"detect": ["passed", None, "warned"], "validate": ["passed", "failed", "passed"]}
    ui_store.alert_states.decide(READABLE_DAG, "validate", "orders", Status.FAILED, 1)
    ui_store.alert_states.decide(READABLE_DAG, "validate", "orders", Status.FAILED, 2)  # held back
    grid = client.get(f"{PREFIX}/api/dags/{READABLE_DAG}/grid", headers=auth(tokens, "viewer")).json()
    assert [row["suppressed_alerts"] for row in grid["gates"]] == [0, 1]
    older = client.get(f"{PREFIX}/api/dags/{READABLE_DAG}/grid?runs=2", headers=auth(tokens, "viewer")).json()
    assert [r["run_id"] for r in older["runs"]] == ["r1", "r2"] and older["older_cursor"]
    rest = client.get(
        f"{PREFIX}/api/dags/{READABLE_DAG}/grid", params={"runs": 2, "before": older["older_cursor"]}, headers=auth(tokens, "viewer")
    ).json()
    assert [r["run_id"] for r in rest["runs"]] == ["r0"] and rest["older_cursor"] is None
    html = client.get(f"{PREFIX}/dags/{READABLE_DAG}", headers=auth(tokens, "viewer")).text
    assert re.findall(r'data-testid="qg-cell" data-status="(\w+)" data-run-id="(\w+)"', html)[:3] == [
        ("passed", "r0"),
        ("warned", "r2"),
        ("passed", "r0"),
    ]
    # A cell opens its gate run's page.
    cell = grid["gates"][1]["cells"][1]
    redirect = client.get(cell["url"], headers=auth(tokens, "viewer"), follow_redirects=False)
    assert redirect.status_code == 303
    assert redirect.headers["location"] == f"{PREFIX}/dags/{READABLE_DAG}/runs/r1/tasks/validate?try_number=1"
    assert 'data-testid="qg-suppressed-count" data-suppressed="1"' in html


def test_dataset_page_charts_each_metric_with_its_band_and_flagged_partitions(client, tokens, ui_store):
    for day in range(12):
        key = f"2024-06-{day + 1:02d}"
        run = seed_run(
            ui_store,
            READABLE_DAG,
            task_id="detect",
            run_id=f"r{day}",
            gate="anomaly",
            partition=key,
            status="failed" if day == 10 else "passed",
        )
        seed_partition(ui_store, "orders", key, gate_run_id=run, anomalous=day == 10, value=100.0 if day == 10 else 10.0 + day % 3)
    series = client.get(f"{PREFIX}/api/dataset/series?dataset=orders&column=amount", headers=auth(tokens, "viewer")).json()
    assert len(series["partition_keys"]) == 12 and series["baseline_status"][10] == "excluded"
    mean = next(m for m in series["metrics"] if m["metric"] == "mean")
    assert mean["values"][10] == 100.0
    assert mean["band_low"][:7] == [None] * 7  # too little history for a band
    low, high = mean["band_low"][11], mean["band_high"][11]
    assert low < 10.0 and 12.0 < high < 100.0  # the flagged partition did not widen the band
    assert series["gate_run_url"].replace("{id}", str(series["gate_run_ids"][10])) == f"{PREFIX}/gate-runs/{series['gate_run_ids'][10]}"
    assert series["gate_run_ids"][10] is not None
    html = client.get(f"{PREFIX}/dataset?dataset=orders", headers=auth(tokens, "editor")).text
    assert 'data-testid="qg-charts"' in html and 'data-metric="mean"' in html and 'data-points="12"' in html
    assert f'src="{PREFIX}/static/vendor/plotly.min.js"' in html
    assert re.findall(r'data-testid="qg-partition-row" data-partition-key="([\d-]+)"', html) == ["2024-06-11"]
    assert '<option value="amount" selected>' in html
    bundle = client.get(f"{PREFIX}/static/vendor/plotly.min.js", headers=auth(tokens, "viewer"))
    assert bundle.status_code == 200 and "plotly.js" in bundle.text[:500]


def test_false_alarm_rejoins_the_baseline_and_says_who_and_when(client, tokens, ui_store):
    run = seed_run(ui_store, READABLE_DAG, task_id="detect", gate="anomaly")
    seed_partition(ui_store, "orders", "2024-06-01", gate_run_id=run, anomalous=True)
    assert ui_store.partitions.history("orders") == []
    response = client.post(
        f"{PREFIX}/api/dataset/baseline-status",
        headers=auth(tokens, "editor"),
        json={"dataset": "orders", "partition_key": "2024-06-01", "status": "false_alarm", "note": "a holiday"},
    )
    assert response.status_code == 200, response.text
    assert [p.partition_key for p in ui_store.partitions.history("orders")] == ["2024-06-01"]
    html = client.get(f"{PREFIX}/dataset?dataset=orders", headers=auth(tokens, "viewer")).text
    assert 'data-baseline-status="false_alarm"' in html
    assert 'data-testid="qg-status-changed-by">editor<' in html and "a holiday" in html
    response = client.post(
        f"{PREFIX}/api/dataset/baseline-status",
        headers=auth(tokens, "editor"),
        json={"dataset": "orders", "partition_key": "2024-06-01", "status": "confirmed_bad"},
    )
    assert response.json()["baseline_status"] == "confirmed_bad"
    assert ui_store.partitions.history("orders") == []


def test_marking_says_what_is_wrong(client, tokens, ui_store):
    run = seed_run(ui_store, READABLE_DAG, task_id="detect", gate="anomaly")
    seed_partition(ui_store, "orders", "2024-06-01", gate_run_id=run, anomalous=False)

    def post(body):
        return client.post(f"{PREFIX}/api/dataset/baseline-status", headers=auth(tokens, "admin"), json=body)

    missing = post({"dataset": "orders", "partition_key": "2030-01-01", "status": "false_alarm"})
    assert missing.status_code == 404 and "no profiled partition '2030-01-01' of dataset 'orders'" in missing.json()["detail"]
    unflagged = post({"dataset": "orders", "partition_key": "2024-06-01", "status": "false_alarm"})
    assert unflagged.status_code == 409 and "was not flagged" in unflagged.json()["detail"]
    wrong = post({"dataset": "orders", "partition_key": "2024-06-01", "status": "included"})
    assert wrong.status_code == 422 and "status" in str(wrong.json()["detail"])


def test_openapi_document_describes_the_api(client, tokens, ui_store):
    document = client.get(f"{PREFIX}/api/openapi.json", headers=auth(tokens, "viewer")).json()
    assert {
        "/api/gate-runs",
        "/api/gate-runs/{gate_run_id}",
        "/api/dags/{dag_id}/grid",
        "/api/dataset/series",
        "/api/dataset/baseline-status",
        "/api/dags/{dag_id}/runs/{run_id}/tasks/{task_id}",
    } <= set(document["paths"])
    assert {"GateRunOut", "GateRunDetailOut", "DagGridOut", "DatasetOut", "SeriesOut", "BaselineStatusIn"} <= set(
        document["components"]["schemas"]
    )


def test_status_counts_stop_at_a_cap_so_that_they_stay_cheap(ui_store):
    from sqlalchemy.orm import Session

    from quality_gates.store import browse

    for i in range(4):
        seed_run(ui_store, READABLE_DAG, run_id=f"r{i}", status="failed")
    seed_run(ui_store, READABLE_DAG, run_id="ok", status="passed")
    with Session(ui_store.engine) as session:
        counts = browse.status_counts(session, browse.RunFilter(frozenset({READABLE_DAG})), cap=2)
    assert counts == {"failed": 3, "error": 0, "warned": 0, "passed": 1}  # 3 = "more than 2"


def test_chart_values_keep_six_significant_digits():
    from quality_gates.plugin.service import significant

    assert significant([23.49602074527523, None, 0.0, -0.000123456789, 1e300, 123456789.123]) == [
        23.496,
        None,
        0.0,
        -0.000123457,
        1e300,
        123457000.0,
    ]


def test_a_store_that_cannot_be_reached_is_a_503_with_a_generic_message(client, tokens, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_QUALITY_GATES_DEFAULT", "postgresql://postgres@127.0.0.1:1/nowhere")
    response = client.get(f"{PREFIX}/api/gate-runs", headers=auth(tokens, "viewer"))
    assert response.status_code == 503
    assert response.json()["detail"] == "the results store is unavailable; the API server's log has the details"  # host: logs only
    assert client.get(f"{PREFIX}/api/gate-runs").status_code == 401  # who asks is checked first


def test_task_instance_tab_of_a_mapped_gate(client, tokens, ui_store):
    seed_run(ui_store, READABLE_DAG, map_index=0, status="passed")
    seed_run(ui_store, READABLE_DAG, map_index=2, status="failed")
    url = f"{PREFIX}/dags/{READABLE_DAG}/runs/run_1/tasks/validate"
    assert 'data-testid="qg-gate-status" data-status="failed"' in client.get(url + "?map_index=2", headers=auth(tokens, "viewer")).text
    assert 'data-testid="qg-gate-status" data-status="passed"' in client.get(url + "?map_index=0", headers=auth(tokens, "viewer")).text
    assert client.get(url, headers=auth(tokens, "viewer")).status_code == 404  # no unmapped instance
    grid = client.get(f"{PREFIX}/api/dags/{READABLE_DAG}/grid", headers=auth(tokens, "viewer")).json()
    [cell] = grid["gates"][0]["cells"]
    assert (cell["status"], cell["map_indexes"]) == ("failed", 2)  # the worst of the mapped instances
