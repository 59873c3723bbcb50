"""A results store that accepts the connection and never answers, in a real Airflow run."""

from __future__ import annotations

from tests.silent_server import silent_server


def test_a_gate_whose_store_never_answers_fails_retryably_within_the_connect_timeout(airflow_db, run_dag, monkeypatch, capfd):
    with silent_server() as port:
        monkeypatch.setenv("AIRFLOW_CONN_DEAD_STORE", f"postgresql://postgres@127.0.0.1:{port}/silent?connect_timeout=1")
        dag_run, states = run_dag("gate_dead_store", scenario="good")
    ti = dag_run.get_task_instance("gate")
    # Retried (retries=1) because the store may come back, then failed; nothing downstream ran.
    assert (ti.try_number, str(ti.state)) == (2, "failed")
    assert states["downstream"] == "upstream_failed"
    captured = capfd.readouterr()
    assert f"results store postgresql+psycopg2://postgres@127.0.0.1:{port}/silent is unavailable" in captured.out + captured.err
    assert "timeout expired" in captured.out + captured.err
