"""`quality-gates db prune`: old results go, baseline windows and production baselines stay."""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import pytest
from sqlalchemy import text, update

from quality_gates.checks.profiles.pandas_engine import profile_frame
from quality_gates.checks.results import (
    CheckResult,
    GateResult,
    RunIdentity,
    Severity,
    Status,
)
from quality_gates.cli import main
from quality_gates.store.model_baselines import BaselineMetric
from quality_gates.store.models import PartitionRow
from quality_gates.store.retention import execute_prune, parse_age, plan_prune

NOW = dt.datetime.now(dt.UTC)
OLD = NOW - dt.timedelta(days=400)


def record(store, run_id: str, partition: str, started: dt.datetime, dataset: str = "orders", gate: str = "anomaly") -> int:
    check = CheckResult("partition_anomaly", None, Status.PASSED, Severity.ERROR, "ok", "normal", {})
    result = GateResult(gate, dataset, partition, (check, check), 10, started, started)
    return store.record(RunIdentity("dag", "gate", run_id), result)


def seed(store, days: int = 40) -> dict[str, int]:
    profile = profile_frame(pd.DataFrame({"x": [1.0, 2.0, 3.0]}))
    ids = {}
    for day in range(days):
        key = (dt.date(2023, 1, 1) + dt.timedelta(days=day)).isoformat()
        ids[key] = record(store, f"run_{key}", key, OLD + dt.timedelta(days=day))
        store.partitions.save("orders", key, profile, anomalous=False, gate_run_id=ids[key])
    with store.engine.begin() as connection:
        connection.execute(update(PartitionRow).values(profiled_at=OLD))
    return ids


def count(store, table: str) -> int:
    with store.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_prune_keeps_baseline_window_recent_runs_and_production_models(store):
    ids = seed(store)
    recent = record(store, "recent", "2025-01-01", NOW - dt.timedelta(days=1))
    old_model = record(store, "model_v1", "v1", OLD, dataset="model", gate="model_metric")
    production = record(store, "model_v2", "v2", OLD + dt.timedelta(days=1), dataset="model", gate="model_metric")
    store.model_baselines.promote("model", "v1", [BaselineMetric("mae", "overall", 3.0, None, None, 10)], gate_run_id=old_model)
    store.model_baselines.promote("model", "v2", [BaselineMetric("mae", "overall", 2.0, None, None, 10)], gate_run_id=production)

    plan = plan_prune(store.engine, dt.timedelta(days=180), baseline_window=30)
    assert (plan.kept_in_baseline_window, plan.kept_for_production_models) == (30, 1)
    assert sorted(plan.gate_run_ids) == sorted([*list(ids.values())[:10], old_model])
    assert count(store, "gate_runs") == 43  # planning deletes nothing

    execute_prune(store.engine, plan, batch_size=3)
    with store.engine.connect() as connection:
        kept = set(connection.execute(text("SELECT id FROM gate_runs")).scalars())
        partitions = list(connection.execute(text("SELECT partition_key FROM partitions ORDER BY partition_key")).scalars())
        orphan_checks = connection.execute(
            text("SELECT count(*) FROM check_results WHERE gate_run_id NOT IN (SELECT id FROM gate_runs)")
        ).scalar()
    assert kept == {*list(ids.values())[10:], recent, production}
    assert partitions == list(ids)[10:]  # the newest 30 baseline partitions
    assert orphan_checks == 0 and count(store, "check_results") == 2 * 32
    assert store.model_baselines.current("model").version == "v2"
    assert count(store, "model_baselines") == 2  # baselines stay; v1's lost only its link to the pruned run
    assert count(store, "partition_profiles") == 30 * len(list(store.partitions.history("orders", limit=1)[0].metric_items()))


def test_cli_dry_run_prints_and_deletes_nothing_then_prunes(store_url, store, capsys):
    seed(store, days=35)
    assert main(["db", "prune", "--url", store_url, "--older-than", "180d", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "(dry run, nothing deleted)" in out
    assert "would remove 5 gate run(s) and 10 check result(s) started before " in out
    assert "  orders: 5 gate run(s)" in out
    assert "would remove 5 partition profile(s) outside the baseline windows" in out
    assert count(store, "gate_runs") == 35
    assert main(["db", "prune", "--url", store_url, "--older-than", "180d"]) == 0
    out = capsys.readouterr().out
    assert "removed 5 gate run(s) and 10 check result(s)" in out
    assert "kept 30 old gate run(s) of partitions inside a baseline window (newest 30 baseline partitions per dataset)" in out
    assert count(store, "gate_runs") == 30


@pytest.mark.parametrize("bad", ["180", "d", "-3d", "10y", "0d"])
def test_bad_age_is_a_clear_error(store_url, capsys, bad):
    assert main(["db", "prune", "--url", store_url, f"--older-than={bad}"]) == 1
    assert capsys.readouterr().err == (
        f"quality-gates: --older-than {bad!r}: give a positive number with a unit, e.g. 180d, 12h, 2w (units: w, d, h, m)\n"
    )


def test_parse_age():
    assert parse_age("2w") == dt.timedelta(weeks=2) and parse_age("12h") == dt.timedelta(hours=12)


def test_prune_while_gates_write_neither_locks_up_nor_removes_their_runs(store):
    for n in range(600):
        record(store, f"old_{n}", f"p{n}", OLD)
    written: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def gate_writing():
        try:
            n = 0
            while not stop.is_set() or n < 20:
                written.append(record(store, f"live_{n}", "2025-06-01", dt.datetime.now(dt.UTC)))
                n += 1
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    writer = threading.Thread(target=gate_writing)
    writer.start()
    plan = execute_prune(store.engine, plan_prune(store.engine, dt.timedelta(days=180)), batch_size=25)
    stop.set()
    writer.join(timeout=120)
    assert not writer.is_alive() and not errors
    assert len(plan.gate_run_ids) == 600
    with store.engine.connect() as connection:
        kept = set(connection.execute(text("SELECT id FROM gate_runs")).scalars())
    assert kept == set(written)
