"""Profiled partitions in the store: replace on re-run, baseline statuses, history order."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from quality_gates.checks.profiles.pandas_engine import profile_frame


def profile(seed: int = 0, rows: int = 50):
    return profile_frame(pd.DataFrame({"x": [float(i + seed) for i in range(rows)], "s": ["a", "b"] * (rows // 2)}))


def test_save_replaces_a_rerun_partition_without_duplicates(store):
    store.partitions.save("orders", "2024-01-01", profile(0), anomalous=False)
    store.partitions.save("orders", "2024-01-01", profile(5), anomalous=False)
    with store.engine.connect() as connection:
        partitions = connection.execute(text("SELECT count(*) FROM partitions")).scalar()
        metrics = connection.execute(
            text("SELECT count(*), count(DISTINCT column_name || '/' || metric) FROM partition_profiles WHERE dataset = 'orders'")
        ).one()
        mean = connection.execute(text("SELECT value FROM partition_profiles WHERE column_name = 'x' AND metric = 'mean'")).scalar()
    assert partitions == 1
    assert metrics[0] == metrics[1] > 20
    assert mean == pytest.approx(29.5)


def test_history_is_ordered_excludes_flagged_and_respects_marks(store):
    for day in range(1, 6):
        store.partitions.save("orders", f"2024-01-0{day}", profile(day), anomalous=day == 3)
    history = store.partitions.history("orders", before="2024-01-05")
    assert [p.partition_key for p in history] == ["2024-01-01", "2024-01-02", "2024-01-04"]
    store.partitions.set_baseline_status("orders", "2024-01-03", "false_alarm", by="alice", note="holiday sale")
    store.partitions.set_baseline_status("orders", "2024-01-02", "confirmed_bad", by="bob")
    assert [p.partition_key for p in store.partitions.history("orders", before="2024-01-05")] == ["2024-01-01", "2024-01-03", "2024-01-04"]
    assert [p.partition_key for p in store.partitions.history("orders", limit=2)] == ["2024-01-04", "2024-01-05"]
    # A false alarm flagged again on re-run stays in the baseline: a person said it is fine.
    assert store.partitions.save("orders", "2024-01-03", profile(3), anomalous=True) == "false_alarm"
    with store.engine.connect() as connection:
        who = connection.execute(text("SELECT status_changed_by, status_note FROM partitions WHERE partition_key = '2024-01-03'")).one()
    assert tuple(who) == (None, None)  # the re-run is a new evaluation: the old note went with it


def test_history_round_trips_the_profile(store):
    original = profile(7)
    store.partitions.save("orders", "2024-02-01", original, anomalous=False)
    [loaded] = store.partitions.history("orders")
    assert loaded.partition_key == "2024-02-01"
    assert loaded.columns["x"].metrics["mean"] == pytest.approx(original.columns["x"].metrics["mean"])
    assert loaded.columns["s"].top_values == original.columns["s"].top_values


def test_bad_status_and_unknown_partition(store):
    with pytest.raises(ValueError, match="baseline status must be one of included, excluded, confirmed_bad, false_alarm"):
        store.partitions.set_baseline_status("orders", "x", "ignored", by="me")
    with pytest.raises(LookupError, match="no profiled partition 'nope' of dataset 'orders'"):
        store.partitions.set_baseline_status("orders", "nope", "false_alarm", by="me")
