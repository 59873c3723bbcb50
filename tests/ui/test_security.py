"""Every route needs an Airflow user and DAG-level permission; user data is escaped; no forged writes."""

from __future__ import annotations

import pytest

from tests.ui.conftest import READABLE_DAG, SECRET, auth, seed_partition, seed_run

PREFIX = "/quality-gates"


def all_get_urls(gate_run_id: int) -> list[str]:
    return [
        "/",
        "/dags/ui_orders",
        "/dags/ui_orders/runs/run_1/tasks/validate",
        f"/gate-runs/{gate_run_id}",
        "/dataset?dataset=orders",
        "/static/qg.css",
        "/static/qg.js",
        "/static/icon.svg",
        "/static/vendor/plotly.min.js",
        "/api/openapi.json",
        "/api/gate-runs",
        f"/api/gate-runs/{gate_run_id}",
        "/api/dags/ui_orders/runs/run_1/tasks/validate",
        "/api/dags/ui_orders/grid",
        "/api/dags",
        "/api/datasets",
        "/api/dataset?dataset=orders",
        "/api/dataset/series?dataset=orders&column=amount",
    ]


def test_anonymous_requests_get_401_on_every_route(client, ui_store):
    gate_run_id = seed_run(ui_store, READABLE_DAG)
    for url in all_get_urls(gate_run_id):
        response = client.get(PREFIX + url)
        assert response.status_code == 401, url
    response = client.post(
        f"{PREFIX}/api/dataset/baseline-status", json={"dataset": "orders", "partition_key": "p", "status": "false_alarm"}
    )
    assert response.status_code == 401


def test_every_route_of_the_app_is_in_the_anonymous_test(ui_app):
    """A new route must be added to all_get_urls (and so be proven to require a user)."""
    from starlette.routing import Mount

    mounted = next(r.app for r in ui_app.routes if isinstance(r, Mount) and r.path == PREFIX)
    paths = {r.path for r in mounted.routes}
    covered = {
        "/",
        "/dags/{dag_id}",
        "/dags/{dag_id}/runs/{run_id}/tasks/{task_id}",
        "/gate-runs/{gate_run_id}",
        "/dataset",
        "/static/{name}",
        "/static/vendor/plotly.min.js",
        "/api/openapi.json",
        "/api/gate-runs",
        "/api/gate-runs/{gate_run_id}",
        "/api/dags/{dag_id}/runs/{run_id}/tasks/{task_id}",
        "/api/dags/{dag_id}/grid",
        "/api/dags",
        "/api/datasets",
        "/api/dataset",
        "/api/dataset/series",
        "/api/dataset/baseline-status",
    }
    assert paths == covered


def test_a_forged_token_is_refused(client, ui_store):
    response = client.get(f"{PREFIX}/api/gate-runs", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 403
    client.cookies.set("_token", "not-a-token")
    try:
        assert client.get(f"{PREFIX}/").status_code == 403
    finally:
        client.cookies.clear()


def test_the_ui_cookie_authenticates(client, tokens, ui_store):
    seed_run(ui_store, READABLE_DAG)
    client.cookies.set("_token", tokens["viewer"])
    try:
        response = client.get(f"{PREFIX}/api/gate-runs")
    finally:
        client.cookies.clear()
    assert response.status_code == 200
    assert [r["dag_id"] for r in response.json()["runs"]] == [READABLE_DAG]


def test_results_of_a_dag_the_user_cannot_read_are_not_listed(client, tokens, ui_store):
    seed_run(ui_store, READABLE_DAG)
    seed_run(ui_store, SECRET, dataset="secret_orders")
    admin = client.get(f"{PREFIX}/api/gate-runs", headers=auth(tokens, "admin")).json()
    assert sorted(r["dag_id"] for r in admin["runs"]) == [READABLE_DAG, SECRET]
    restricted = client.get(f"{PREFIX}/api/gate-runs", headers=auth(tokens, "restricted")).json()
    assert [r["dag_id"] for r in restricted["runs"]] == [READABLE_DAG]
    assert restricted["counts"]["failed"] == 1
    # Asking for the DAG by name does not help.
    assert client.get(f"{PREFIX}/api/gate-runs?dag_id={SECRET}", headers=auth(tokens, "restricted")).json()["runs"] == []
    assert client.get(f"{PREFIX}/api/datasets", headers=auth(tokens, "restricted")).json() == ["orders"]
    assert client.get(f"{PREFIX}/api/dags", headers=auth(tokens, "restricted")).json() == [READABLE_DAG]
    assert client.get(f"{PREFIX}/api/dags", headers=auth(tokens, "admin")).json() == [READABLE_DAG, SECRET]
    page = client.get(f"{PREFIX}/", headers=auth(tokens, "restricted")).text
    assert SECRET not in page and "secret_orders" not in page
    assert f'<option value="{READABLE_DAG}">' in page  # the DAG filter offers DAGs with gate runs the user may read
    nobody = client.get(f"{PREFIX}/api/gate-runs", headers=auth(tokens, "nobody")).json()
    assert nobody["runs"] == [] and sum(nobody["counts"].values()) == 0


def test_results_of_a_dag_the_user_cannot_read_are_not_reachable(client, tokens, ui_store):
    secret_id = seed_run(ui_store, SECRET, dataset="secret_orders")
    # Per-DAG routes: Airflow's own DAG permission check (the DAG id is in the URL).
    forbidden = [
        f"/dags/{SECRET}",
        f"/dags/{SECRET}/runs/run_1/tasks/validate",
        f"/api/dags/{SECRET}/runs/run_1/tasks/validate",
        f"/api/dags/{SECRET}/grid",
    ]
    # Routes by gate run id or dataset: an unreadable one answers as a missing one (no existence oracle).
    hidden = [
        f"/gate-runs/{secret_id}",
        f"/api/gate-runs/{secret_id}",
        "/api/dataset?dataset=secret_orders",
        "/dataset?dataset=secret_orders",
    ]
    for url in forbidden + hidden:
        expected = 403 if url in forbidden else 404
        assert client.get(PREFIX + url, headers=auth(tokens, "restricted")).status_code == expected, url
        assert client.get(PREFIX + url, headers=auth(tokens, "nobody")).status_code == expected, url
        assert client.get(PREFIX + url, headers=auth(tokens, "admin")).status_code in (200, 303), url


def _answer(response) -> tuple[int, str]:
    body = response.json()["detail"] if response.headers["content-type"].startswith("application/json") else response.text
    return response.status_code, body


def test_unreadable_and_missing_answer_alike(client, tokens, ui_store):
    """Gate run ids, datasets and partitions of DAGs the user may not read are indistinguishable from missing ones."""
    secret_id = seed_run(ui_store, SECRET, gate="anomaly", dataset="secret_orders", partition="2024-06-02")
    seed_partition(ui_store, "secret_orders", "2024-06-02", gate_run_id=secret_id, anomalous=True)
    missing_id = secret_id + 1000
    headers = auth(tokens, "restricted")
    pairs = [
        (f"/api/gate-runs/{secret_id}", f"/api/gate-runs/{missing_id}"),
        (f"/gate-runs/{secret_id}", f"/gate-runs/{missing_id}"),
        ("/api/dataset?dataset=secret_orders", "/api/dataset?dataset=no_such"),
        ("/api/dataset/series?dataset=secret_orders&column=amount", "/api/dataset/series?dataset=no_such&column=amount"),
    ]
    for secret, missing in pairs:
        got_secret, got_missing = client.get(PREFIX + secret, headers=headers), client.get(PREFIX + missing, headers=headers)
        assert got_secret.status_code == got_missing.status_code == 404, (secret, got_secret.text)
        assert "or none you may read" in got_secret.text and "or none you may read" in got_missing.text
        if got_secret.headers["content-type"].startswith("application/json"):
            assert _answer(got_secret)[1].replace(str(secret_id), "N").replace("secret_orders", "D") == _answer(got_missing)[1].replace(
                str(missing_id), "N"
            ).replace("no_such", "D")
    page_secret = client.get(f"{PREFIX}/dataset?dataset=secret_orders", headers=headers)
    page_missing = client.get(f"{PREFIX}/dataset?dataset=no_such", headers=headers)
    assert page_secret.status_code == page_missing.status_code == 404
    assert page_secret.text.replace("secret_orders", "D") == page_missing.text.replace("no_such", "D")
    body = {"dataset": "secret_orders", "status": "false_alarm"}
    marked = client.post(f"{PREFIX}/api/dataset/baseline-status", headers=headers, json=body | {"partition_key": "2024-06-02"})
    unknown = client.post(f"{PREFIX}/api/dataset/baseline-status", headers=headers, json=body | {"partition_key": "2024-06-03"})
    assert marked.status_code == unknown.status_code == 404
    assert _answer(marked)[1].replace("2024-06-02", "K") == _answer(unknown)[1].replace("2024-06-03", "K")
    assert ui_store.partitions.statuses("secret_orders") == {"2024-06-02": "excluded"}
    # A user who may read every DAG gets the plain message.
    admin = client.get(f"{PREFIX}/api/gate-runs/{missing_id}", headers=auth(tokens, "admin"))
    assert admin.status_code == 404 and admin.json()["detail"] == f"no gate run {missing_id}"


def test_columns_profiled_only_by_unreadable_dags_are_not_shown(client, tokens, ui_store):
    readable_run = seed_run(ui_store, READABLE_DAG, gate="anomaly", partition="2024-06-01")
    secret_run = seed_run(ui_store, SECRET, gate="anomaly", partition="2024-06-02")
    seed_partition(ui_store, "orders", "2024-06-01", gate_run_id=readable_run)
    seed_partition(ui_store, "orders", "2024-06-02", gate_run_id=secret_run, column="secret_margin")
    admin = client.get(f"{PREFIX}/api/dataset?dataset=orders", headers=auth(tokens, "admin")).json()
    assert "secret_margin" in admin["columns"] and "amount" in admin["columns"]
    restricted = client.get(f"{PREFIX}/api/dataset?dataset=orders", headers=auth(tokens, "restricted")).json()
    assert "amount" in restricted["columns"] and "secret_margin" not in restricted["columns"]
    page = client.get(f"{PREFIX}/dataset?dataset=orders", headers=auth(tokens, "restricted"))
    assert page.status_code == 200 and "amount" in page.text and "secret_margin" not in page.text
    assert "secret_margin" in client.get(f"{PREFIX}/dataset?dataset=orders", headers=auth(tokens, "admin")).text


def test_dataset_pages_leave_out_partitions_profiled_by_unreadable_dags(client, tokens, ui_store):
    readable_run = seed_run(ui_store, READABLE_DAG, gate="anomaly", partition="2024-06-01")
    secret_run = seed_run(ui_store, SECRET, gate="anomaly", partition="2024-06-02")
    seed_partition(ui_store, "orders", "2024-06-01", gate_run_id=readable_run)
    seed_partition(ui_store, "orders", "2024-06-02", gate_run_id=secret_run, anomalous=True)
    admin = client.get(f"{PREFIX}/api/dataset?dataset=orders", headers=auth(tokens, "admin")).json()
    assert [p["partition_key"] for p in admin["partitions"]] == ["2024-06-01", "2024-06-02"]
    restricted = client.get(f"{PREFIX}/api/dataset?dataset=orders", headers=auth(tokens, "restricted")).json()
    assert [p["partition_key"] for p in restricted["partitions"]] == ["2024-06-01"]
    series = client.get(f"{PREFIX}/api/dataset/series?dataset=orders&column=amount", headers=auth(tokens, "restricted")).json()
    assert series["partition_keys"] == ["2024-06-01"]
    # Nor can it be marked: it answers as a partition that does not exist.
    response = client.post(
        f"{PREFIX}/api/dataset/baseline-status",
        headers=auth(tokens, "restricted"),
        json={"dataset": "orders", "partition_key": "2024-06-02", "status": "false_alarm"},
    )
    assert response.status_code == 404


def test_marking_needs_edit_permission_on_the_dag(client, tokens, ui_store):
    run = seed_run(ui_store, READABLE_DAG, gate="anomaly")
    seed_partition(ui_store, "orders", "2024-06-01", gate_run_id=run, anomalous=True)
    body = {"dataset": "orders", "partition_key": "2024-06-01", "status": "false_alarm", "note": "holiday"}
    response = client.post(f"{PREFIX}/api/dataset/baseline-status", headers=auth(tokens, "viewer"), json=body)
    assert response.status_code == 403  # may read the DAG, so may know the partition; may not change it
    response = client.post(f"{PREFIX}/api/dataset/baseline-status", headers=auth(tokens, "nobody"), json=body)
    assert response.status_code == 404  # may not even read it
    assert ui_store.partitions.statuses("orders") == {"2024-06-01": "excluded"}
    response = client.post(f"{PREFIX}/api/dataset/baseline-status", headers=auth(tokens, "editor"), json=body)
    assert response.status_code == 200, response.text
    assert response.json()["status_changed_by"] == "editor"
    assert ui_store.partitions.statuses("orders") == {"2024-06-01": "false_alarm"}


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Sec-Fetch-Site": "same-site"}, 403),
        ({"Origin": "https://evil.example"}, 403),
        ({"Origin": "http://testserver.evil.example"}, 403),
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
        ({"Content-Type": "text/plain"}, 415),
        ({"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}, 200),
    ],
)
def test_state_changes_cannot_be_forged_from_another_site(client, tokens, ui_store, headers, expected):
    run = seed_run(ui_store, READABLE_DAG, gate="anomaly")
    seed_partition(ui_store, "orders", "2024-06-01", gate_run_id=run, anomalous=True)
    body = '{"dataset": "orders", "partition_key": "2024-06-01", "status": "confirmed_bad"}'
    client.cookies.set("_token", tokens["admin"])  # a browser sends the cookie whoever made the page
    try:
        response = client.post(
            f"{PREFIX}/api/dataset/baseline-status", content=body, headers={"Content-Type": "application/json", **headers}
        )
    finally:
        client.cookies.clear()
    assert response.status_code == expected, response.text
    assert ui_store.partitions.statuses("orders")["2024-06-01"] == ("confirmed_bad" if expected == 200 else "excluded")


def test_reads_have_no_side_effects(client, tokens, ui_store):
    run = seed_run(ui_store, READABLE_DAG, gate="anomaly")
    seed_partition(ui_store, "orders", "2024-06-01", gate_run_id=run, anomalous=True)
    url = f"{PREFIX}/api/dataset/baseline-status?dataset=orders&partition_key=2024-06-01&status=false_alarm"
    assert client.get(url, headers=auth(tokens, "admin")).status_code == 405
    assert ui_store.partitions.statuses("orders")["2024-06-01"] == "excluded"


def test_user_data_is_escaped(client, tokens, ui_store):
    from quality_gates.checks.results import CheckResult, Severity, Status

    evil = "<script>alert(1)</script>"
    checks = [
        CheckResult(
            "isin",
            evil,
            Status.FAILED,
            Severity.ERROR,
            evil,
            evil,
            {"failure_cases": [{"row": 1, "value": evil}], "message": evil, "explanation": evil, evil: evil},
        )
    ]
    run = seed_run(ui_store, READABLE_DAG, checks=checks, dataset=evil, partition=evil, gate="anomaly")
    seed_partition(ui_store, evil, evil, gate_run_id=run, anomalous=True, column=evil)
    pages = [
        client.get(f"{PREFIX}/dags/{READABLE_DAG}/runs/run_1/tasks/validate", headers=auth(tokens, "admin")),
        client.get(f"{PREFIX}/", headers=auth(tokens, "admin")),
        client.get(f"{PREFIX}/dags/{READABLE_DAG}", headers=auth(tokens, "admin")),
        client.get(f"{PREFIX}/dataset", params={"dataset": evil}, headers=auth(tokens, "admin")),
    ]
    for page in pages:
        assert page.status_code == 200, page.text
        assert evil not in page.text
        assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0].text
    # Scripts only from the app itself, and only this site may frame the pages.
    policy = pages[0].headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'self'" in policy


def test_a_partition_last_profiled_by_an_unreadable_dag_is_not_shown_on_a_readable_run(client, tokens, ui_store):
    readable_run = seed_run(ui_store, READABLE_DAG, gate="anomaly")
    secret_run = seed_run(ui_store, SECRET, gate="anomaly")
    seed_partition(ui_store, "orders", "2024-06-01", gate_run_id=secret_run, anomalous=True)
    ui_store.partitions.set_baseline_status("orders", "2024-06-01", "confirmed_bad", by="someone", note="secret note")
    url = f"{PREFIX}/api/gate-runs/{readable_run}"
    assert client.get(url, headers=auth(tokens, "admin")).json()["partition"]["status_note"] == "secret note"
    assert client.get(url, headers=auth(tokens, "restricted")).json()["partition"] is None
