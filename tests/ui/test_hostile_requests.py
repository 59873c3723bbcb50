"""NUL bytes in requests and store errors: a clear 4xx, never a 500; no driver text to users."""

from __future__ import annotations

import logging

import pytest

from tests.ui.conftest import READABLE_DAG, auth, seed_run

PREFIX = "/quality-gates"
HTML = {"Accept": "text/html"}


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("/dataset?dataset=a%00b", "query parameter 'dataset'"),
        ("/api/dataset?dataset=a%00b", "query parameter 'dataset'"),
        ("/api/dataset/series?dataset=orders&column=a%00b", "query parameter 'column'"),
        ("/api/gate-runs?dag_id=a%00b", "query parameter 'dag_id'"),
        ("/?status=failed&dataset=%00", "query parameter 'dataset'"),
        ("/api/gate-runs?a%00b=1", "query parameter name 'a\\x00b'"),
        ("/dags/a%00b", "path"),
        (f"/api/dags/{READABLE_DAG}/runs/r%00/tasks/validate", "path"),
    ],
)
def test_a_nul_byte_anywhere_in_the_url_is_a_400_that_says_where(client, tokens, ui_store, url, where):
    seed_run(ui_store, READABLE_DAG)
    response = client.get(PREFIX + url, headers=auth(tokens, "admin"))
    assert response.status_code == 400, response.text
    assert response.json() == {"detail": f"{where} contains a NUL character, which no dataset, DAG or column name can hold"}


def test_a_nul_byte_in_a_page_url_gives_a_readable_400_page(client, tokens, ui_store):
    response = client.get(f"{PREFIX}/dataset?dataset=a%00b", headers={**auth(tokens, "admin"), **HTML})
    assert response.status_code == 400
    assert "query parameter &#39;dataset&#39; contains a NUL character" in response.text


def test_a_nul_byte_in_a_baseline_mark_is_refused(client, tokens, ui_store):
    response = client.post(
        f"{PREFIX}/api/dataset/baseline-status",
        json={"dataset": "a\u0000b", "partition_key": "p", "status": "false_alarm"},
        headers={**auth(tokens, "admin"), "Origin": "http://testserver"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "dataset"]


def test_an_unavailable_store_shows_a_generic_503_and_logs_the_drivers_error(client, tokens, ui_store, monkeypatch, caplog):
    monkeypatch.setenv("AIRFLOW_CONN_QUALITY_GATES_DEFAULT", "postgresql://postgres@127.0.0.1:1/nowhere")
    with caplog.at_level(logging.ERROR, logger="quality_gates.plugin.deps"):
        page = client.get(f"{PREFIX}/", headers={**auth(tokens, "viewer"), **HTML})
        api = client.get(f"{PREFIX}/api/gate-runs", headers=auth(tokens, "viewer"))
    for response in (page, api):
        assert response.status_code == 503
        assert "127.0.0.1" not in response.text and "5432" not in response.text and ":1" not in response.text
        assert "psycopg2" not in response.text and "nowhere" not in response.text
    assert api.json() == {"detail": "the results store is unavailable; the API server's log has the details"}
    assert "127.0.0.1" in caplog.text and "port 1 failed" in caplog.text
