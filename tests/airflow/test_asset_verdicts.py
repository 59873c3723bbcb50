"""The gate's verdict on its asset events, and consumers that refuse data whose last gate did not pass."""

from __future__ import annotations

import pytest


def latest_event_extra(asset_name: str) -> dict:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return session.scalars(
            select(AssetEvent.extra)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.name == asset_name)
            .order_by(AssetEvent.id.desc())
            .limit(1)
        ).one()


def test_a_passing_gate_emits_its_verdict_and_the_consumer_accepts_it(gate_store, run_dag):
    _, states = run_dag("verdict_producer", scenario="good")
    assert states == {"gate": "success"}
    (run,) = gate_store.recent(dag_id="verdict_producer", limit=1)
    extra = latest_event_extra("verified_orders")
    assert {key: extra[key] for key in ("status", "verdict", "gate", "gate_run_id", "dataset", "partition", "failed_checks")} == {
        "status": "passed",
        "verdict": "passed",
        "gate": "schema",
        "gate_run_id": run.id,
        "dataset": "verified_orders",
        "partition": run.result.partition_key,
        "failed_checks": [],
    }
    assert extra["report_url"].endswith("/tasks/gate/plugin/quality-checks") and "/dags/verdict_producer/runs/" in extra["report_url"]

    consumer, states = run_dag("verdict_consumer")
    assert states == {"require_verified_orders": "success", "train_model": "success"}
    accepted = consumer.get_task_instance("require_verified_orders").xcom_pull(task_ids="require_verified_orders")
    assert accepted["gate_run_id"] == run.id and accepted["status"] == "passed"


def test_warn_mode_emits_a_warned_verdict_that_the_consumer_refuses(gate_store, run_dag, capfd):
    _, states = run_dag("verdict_producer", scenario="bad")
    assert states == {"gate": "success"}  # warn mode: the asset is produced anyway
    (run,) = gate_store.recent(dag_id="verdict_producer", limit=1)
    extra = latest_event_extra("verified_orders")
    assert (extra["status"], extra["verdict"], extra["gate_run_id"]) == ("warned", "failed", run.id)
    assert extra["failed_checks"] == [{"check": "greater_than_or_equal_to", "column": "amount", "status": "failed"}]

    _, states = run_dag("verdict_consumer")
    assert states == {"require_verified_orders": "failed", "train_model": "upstream_failed"}
    message = (
        f"asset 'verified_orders': the last gate did not pass: status warned (verdict failed) on verified_orders "
        f"[{run.result.partition_key}], gate run {run.id}; checks not passed: greater_than_or_equal_to (amount); report: "
        f"{extra['report_url']}"
    )
    assert message in "".join(capfd.readouterr())

    _, states = run_dag("verdict_consumer_skips")
    assert states == {"require_verified_orders_or_skip": "skipped", "train_model": "skipped"}


def test_latest_verdict_needs_the_asset_among_the_task_inlets():
    from airflow.sdk import Asset

    from quality_gates.assets import latest_verdict

    class NoInlets(dict):
        def __getitem__(self, key):
            raise KeyError(key)

    with pytest.raises(ValueError, match=r"^asset 'orders' is not an inlet of this task: declare it, e.g. @task\(inlets=\[asset\]\)$"):
        latest_verdict(Asset("orders"), context={"inlet_events": NoInlets()})
