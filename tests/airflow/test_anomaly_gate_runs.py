"""Real Airflow runs of the anomaly gate: history builds up, a corrupted day is blocked."""

from __future__ import annotations

import datetime as dt
import itertools

from tests.airflow.conftest import run_dag_on

_RUNS = itertools.count()


def test_anomaly_gate_learns_history_then_blocks_a_corrupted_partition(gate_store, dagbag):
    # Fresh logical dates per run of this test: each backend keeps its own history.
    start = dt.datetime(2024, 2, 1, tzinfo=dt.UTC) + dt.timedelta(days=30 * next(_RUNS))
    days = [start + dt.timedelta(days=i) for i in range(7)]
    # Conf is always explicit: dag.test() keeps the last run's params on the DAG object.
    states = [run_dag_on(dagbag, "anomaly_gate", day, corruption="none")[1] for day in days[:6]]
    # The first five days build the history: "insufficient history" warns, the task succeeds.
    assert [s["gate"] for s in states] == ["success"] * 6
    first = gate_store.recent(dag_id="anomaly_gate")[-1].result
    assert (first.status, first.checks[0].observed) == ("warned", "insufficient history")
    assert gate_store.recent(dag_id="anomaly_gate")[0].result.status == "passed"

    dag_run, states = run_dag_on(dagbag, "anomaly_gate", days[6], corruption="negative_amounts")
    assert states == {"gate": "failed", "downstream": "upstream_failed"}
    blocked = gate_store.recent(dag_id="anomaly_gate")[0].result
    assert (blocked.status, blocked.gate, blocked.partition_key) == ("failed", "anomaly", days[6].date().isoformat())
    overall = blocked.checks[0]
    assert overall.check_name == "partition_anomaly" and overall.details["culprits"][0] == "amount"
    explained = {(c.check_name, c.column): c for c in blocked.checks[1:]}
    assert explained[("negative_fraction", "amount")].status == "failed"
    assert explained[("negative_fraction", "amount")].observed == "0.06"
    # The flagged day stays out of the baseline; the clean ones are in it.
    statuses = gate_store.partitions.statuses("daily_orders")
    assert statuses[days[6].date().isoformat()] == "excluded"
    assert set(statuses.values()) == {"included", "excluded"}
    assert [p.partition_key for p in gate_store.partitions.history("daily_orders", before="2099-01-01")] == [
        d.date().isoformat() for d in days[:6]
    ]


def test_calibrated_anomaly_gate_blocks_a_missing_segment_and_names_it(gate_store, dagbag):
    start = dt.datetime(2024, 8, 1, tzinfo=dt.UTC) + dt.timedelta(days=30 * next(_RUNS))
    days = [start + dt.timedelta(days=i) for i in range(7)]
    states = [run_dag_on(dagbag, "anomaly_gate_calibrated", day, corruption="none")[1] for day in days[:6]]
    assert [s["gate"] for s in states] == ["success"] * 6
    _, states = run_dag_on(dagbag, "anomaly_gate_calibrated", days[6], corruption="missing_segment")
    assert states == {"gate": "failed", "downstream": "upstream_failed"}
    blocked = gate_store.recent(dag_id="anomaly_gate_calibrated")[0].result
    overall = blocked.checks[0]
    assert overall.details["culprits"][0] == "status"
    assert "calibrated so that the history's own partitions alarm at 1.0%" in overall.details["message"]
    segment = next(c for c in blocked.checks[1:] if c.check_name == "segment_shift")
    assert (segment.column, segment.status) == ("status", "failed")
    assert "segment 'new' dropped: 0.0% of rows" in segment.details["message"]


def test_anomaly_gate_profiles_a_sql_table_in_the_database(gate_store, store_url, postgres_database, dagbag, monkeypatch):
    import pandas as pd
    import sqlalchemy as sa

    from tests.airflow.conftest import airflow_uri
    from tests.dags.gate_test_dags import daily_orders

    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=30 * next(_RUNS))
    days = [start + dt.timedelta(days=i) for i in range(7)]
    frames = []
    for i, day in enumerate(days):
        key = day.date().isoformat()
        frame = daily_orders(key, "negative_amounts" if i == 6 else "none")
        frames.append(frame.assign(day=key))
    url = postgres_database if store_url.startswith("postgresql") else store_url.replace("quality_gates.db", "warehouse.db")
    engine = sa.create_engine(url)
    pd.concat(frames).to_sql("daily_orders", engine, if_exists="replace", index=False)
    engine.dispose()
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", airflow_uri(url))

    states = [run_dag_on(dagbag, "anomaly_gate_sql", day)[1]["gate"] for day in days]
    assert states == ["success"] * 6 + ["failed"]
    blocked = gate_store.recent(dag_id="anomaly_gate_sql")[0].result
    assert blocked.row_count == 1_000
    assert blocked.checks[0].details["culprits"][0] == "amount"


def test_anomaly_gate_judges_a_holiday_against_earlier_holidays_beyond_its_window(gate_store, dagbag):
    # The DAG's holidays are the first of each month (2030-2045); a fresh year per run of this test.
    year = 2030 + next(_RUNS) % 16
    holidays = [dt.datetime(year, month, 1, tzinfo=dt.UTC) for month in (1, 2, 3)]
    ordinary = [dt.datetime(year, 3, day, tzinfo=dt.UTC) for day in (2, 3, 4, 5)]
    for day in holidays:
        assert run_dag_on(dagbag, "anomaly_gate_holidays", day, corruption="quiet")[1]["gate"] == "success"
    for day in ordinary:
        assert run_dag_on(dagbag, "anomaly_gate_holidays", day, corruption="none")[1]["gate"] == "success"
    judged = gate_store.recent(dag_id="anomaly_gate_holidays")[0].result.checks[0]
    # The window of 4 held 1 March: kept out, the 3 ordinary days are the baseline.
    assert (judged.status, judged.details["history_size"]) == ("passed", 3)
    assert "1 holiday(s) kept out of the baseline" in judged.details["message"]

    # 1 April: its 4-partition window holds no holiday; the three earlier ones are looked up.
    _, states = run_dag_on(dagbag, "anomaly_gate_holidays", dt.datetime(year, 4, 1, tzinfo=dt.UTC), corruption="quiet")
    assert states == {"gate": "success", "downstream": "success"}
    holiday = gate_store.recent(dag_id="anomaly_gate_holidays")[0].result.checks[0]
    assert (holiday.status, holiday.details["history_size"]) == ("passed", 3)
    assert "holiday: compared with 3 earlier holidays" in holiday.details["message"]

    # The same quiet day on an ordinary date is blocked: a quarter of the usual rows.
    _, states = run_dag_on(dagbag, "anomaly_gate_holidays", dt.datetime(year, 4, 2, tzinfo=dt.UTC), corruption="quiet")
    assert states == {"gate": "failed", "downstream": "upstream_failed"}
    blocked = gate_store.recent(dag_id="anomaly_gate_holidays")[0].result.checks
    assert blocked[1].check_name == "row_count"
