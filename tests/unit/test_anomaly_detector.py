"""The partition anomaly detector on realistic partitions, and on each kind of awkward input."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest

from quality_gates import PartitionAnomalyDetector
from quality_gates.checks.anomaly.results import verdict_check_results
from quality_gates.checks.profiles.pandas_engine import profile_frame
from quality_gates.checks.profiles.serialize import profile_from_json, profile_to_json
from quality_gates.checks.results import Status

START = dt.date(2024, 3, 1)


def day_frame(i: int, rows: int = 2_000) -> pd.DataFrame:
    rng = np.random.default_rng(i)
    return pd.DataFrame(
        {
            "amount": rng.gamma(2.0, 10.0, rows).round(2),
            "quantity": rng.integers(1, 6, rows),
            "country": rng.choice(["US", "FR", "DE", "JP"], rows, p=[0.5, 0.2, 0.2, 0.1]),
            "is_member": rng.random(rows) < 0.3,
            "ordered_at": pd.Timestamp(START + dt.timedelta(days=i)) + pd.to_timedelta(rng.uniform(0, 86_400, rows), unit="s"),
            "constant": 7,
        }
    )


def profiles(frames) -> list:
    return [profile_frame(f).with_key((START + dt.timedelta(days=i)).isoformat()) for i, f in enumerate(frames)]


@pytest.fixture(scope="module")
def history():
    return profiles(day_frame(i) for i in range(30))


def current(frame: pd.DataFrame, day: int = 30):
    return profile_frame(frame).with_key((START + dt.timedelta(days=day)).isoformat())


def test_clean_partitions_pass(history):
    detector = PartitionAnomalyDetector()
    verdicts = [detector.evaluate(current(day_frame(i), i), history) for i in range(30, 40)]
    assert [v.status for v in verdicts] == ["ok"] * 10


def test_five_percent_corruption_of_one_column_among_many_is_found(history):
    frame = day_frame(30)
    frame.loc[frame.sample(frac=0.05, random_state=1).index, "amount"] *= -1
    verdict = PartitionAnomalyDetector().evaluate(current(frame), history)
    assert verdict.anomalous
    assert verdict.culprits[0] == "amount"
    top = verdict.explanations[0]
    assert (top.column, top.metric) == ("amount", "negative_fraction")
    assert top.observed == pytest.approx(0.05, abs=0.001)
    assert top.describe().startswith("column 'amount' negative_fraction = 0.05, expected")


def test_noise_level_change_in_a_metric_that_never_moved_stays_quiet(history):
    frame = day_frame(30)
    frame.loc[frame.index[:2], "amount"] = -1.0  # 2 rows of 2,000: noise, not breakage
    assert not PartitionAnomalyDetector().evaluate(current(frame), history).anomalous


def test_a_few_nulls_in_a_small_partitions_never_null_column_are_news():
    # 51 rows a day (one per state, say), never a null in 30 days: one null is 2% of a day's
    # rows, and the history's 1,530 rows say that is no sampling noise.
    small = profiles(day_frame(i, rows=51) for i in range(30))
    frame = day_frame(30, rows=51).astype({"amount": float})
    frame.loc[frame.index[:1], "amount"] = np.nan
    verdict = PartitionAnomalyDetector().evaluate(current(frame), small)
    assert verdict.anomalous
    top = verdict.explanations[0]
    assert (top.column, top.metric) == ("amount", "null_fraction")
    assert "expected 0 … " in top.describe()


def test_sensitivity_is_the_one_knob(history):
    frame = day_frame(30)
    frame.loc[frame.index[:30], "quantity"] = 5  # a mild pinned value
    scores = {s: PartitionAnomalyDetector(sensitivity=s).evaluate(current(frame), history).score for s in (0.5, 1.0, 2.0)}
    assert scores[0.5] < scores[1.0] < scores[2.0]
    assert scores[2.0] == pytest.approx(4 * scores[0.5])


def test_new_category_values_are_measured_against_history(history):
    frame = day_frame(30)
    frame.loc[frame.sample(frac=0.03, random_state=2).index, "country"] = "XX"
    verdict = PartitionAnomalyDetector().evaluate(current(frame), history)
    assert verdict.anomalous
    assert ("country", "unseen_share") in [(e.column, e.metric) for e in verdict.explanations]


def test_boolean_and_datetime_columns(history):
    members = day_frame(30)
    members["is_member"] = np.random.default_rng(3).random(len(members)) < 0.6
    assert PartitionAnomalyDetector().evaluate(current(members), history).culprits[0] == "is_member"
    shifted = day_frame(30)
    shifted["ordered_at"] += pd.Timedelta(hours=6)
    assert PartitionAnomalyDetector().evaluate(current(shifted), history).culprits[0] == "ordered_at"


def test_all_null_partition(history):
    frame = day_frame(30)
    frame = frame.mask(np.ones(frame.shape, dtype=bool))  # every cell missing, types kept
    verdict = PartitionAnomalyDetector().evaluate(current(frame), history)
    assert verdict.anomalous
    assert {"amount", "country", "quantity"} <= set(verdict.culprits)


def test_single_row_partition(history):
    verdict = PartitionAnomalyDetector().evaluate(current(day_frame(30).iloc[:1]), history)
    assert verdict.anomalous
    assert ("*", "row_count") in [(e.column, e.metric) for e in verdict.explanations]


def test_empty_partition(history):
    verdict = PartitionAnomalyDetector().evaluate(current(day_frame(30).iloc[:0]), history)
    assert verdict.anomalous
    assert verdict.explanations[0].describe().startswith("partition row_count = 0")


def test_constant_columns_are_quiet_until_they_change(history):
    assert "constant" not in PartitionAnomalyDetector().evaluate(current(day_frame(30)), history).culprits
    frame = day_frame(30)
    frame["constant"] = 8
    assert PartitionAnomalyDetector().evaluate(current(frame), history).culprits == ("constant",)


def test_dropped_and_added_columns_are_findings(history):
    frame = day_frame(30).drop(columns="country").assign(coupon="none")
    verdict = PartitionAnomalyDetector().evaluate(current(frame), history)
    findings = {(e.column, e.metric) for e in verdict.explanations}
    assert {("country", "column_missing"), ("coupon", "column_added")} <= findings
    assert "country: column missing" in [e.describe() for e in verdict.explanations]


def test_type_change_is_a_finding(history):
    frame = day_frame(30).assign(quantity=lambda f: f["quantity"].astype(str))
    verdict = PartitionAnomalyDetector().evaluate(current(frame), history)
    assert ("quantity", "type_changed") in {(e.column, e.metric) for e in verdict.explanations}


def test_mixed_type_column_is_profiled_as_text(history):
    frame = day_frame(30)
    frame["country"] = frame["country"].astype(object)
    frame.loc[frame.index[:400], "country"] = 12345
    verdict = PartitionAnomalyDetector().evaluate(current(frame), history)
    assert "country" in verdict.culprits


def test_a_dataset_never_seen_before_has_insufficient_history():
    verdict = PartitionAnomalyDetector().evaluate(current(day_frame(0)), [])
    assert (verdict.status, verdict.anomalous) == ("insufficient_history", False)
    [check] = verdict_check_results(verdict)
    assert (check.check_name, check.status, check.observed) == ("partition_anomaly", Status.WARNED, "insufficient history")
    [passing] = verdict_check_results(verdict, cold_start=Status.PASSED)
    assert passing.status is Status.PASSED


def test_history_stored_under_an_older_profile_format(history):
    """Older documents lack metrics added since: those metrics are simply not compared."""
    old = []
    for profile in history:
        document = profile_to_json(profile)
        document.pop("version")
        for column in document["columns"].values():
            column["metrics"].pop("integer_fraction", None)
            column["metrics"].pop("modal_date_share", None)
        old.append(profile_from_json(document))
    frame = day_frame(30)
    frame.loc[frame.sample(frac=0.05, random_state=1).index, "amount"] *= -1
    verdict = PartitionAnomalyDetector().evaluate(current(frame), old)
    assert verdict.culprits[0] == "amount"
    assert "integer_fraction" not in {e.metric for e in verdict.explanations}


def test_weekly_seasonality_compares_same_weekdays():
    frames = []
    for i in range(60):
        frame = day_frame(i)
        if (START + dt.timedelta(days=i)).weekday() >= 5:  # weekends: a third of the orders
            frame = frame.iloc[: len(frame) // 3]
        frames.append(frame)
    past = profiles(frames[:56])
    saturday = next(i for i in range(56, 60) if (START + dt.timedelta(days=i)).weekday() == 5)
    weekly = PartitionAnomalyDetector(seasonality="weekly").evaluate(current(frames[saturday], saturday), past)
    assert weekly.status == "ok"
    assert "same weekday" in weekly.notes[0]


def test_thousand_columns():
    rng = np.random.default_rng(0)
    past = [profile_frame(pd.DataFrame(rng.normal(size=(200, 1000)), columns=[f"c{i}" for i in range(1000)])) for _ in range(10)]
    frame = pd.DataFrame(rng.normal(size=(200, 1000)), columns=[f"c{i}" for i in range(1000)])
    frame["c500"] = frame["c500"] * 100
    start = time.perf_counter()
    verdict = PartitionAnomalyDetector().evaluate(profile_frame(frame), past)
    assert verdict.culprits[0] == "c500"
    assert time.perf_counter() - start < 60  # a sanity bound, not a benchmark


def test_verdict_becomes_check_results(history):
    frame = day_frame(30)
    frame.loc[frame.sample(frac=0.1, random_state=1).index, "country"] = None
    verdict = PartitionAnomalyDetector().evaluate(current(frame), history)
    checks = verdict_check_results(verdict)
    assert checks[0].check_name == "partition_anomaly" and checks[0].status is Status.FAILED
    assert checks[0].details["culprits"][0] == "country"
    null_check = next(c for c in checks if (c.check_name, c.column) == ("null_fraction", "country"))
    assert null_check.status is Status.FAILED
    assert null_check.observed == "0.1" and " … " in null_check.expected


def test_far_future_dates_do_not_break_profiling():
    """ "Valid until 9999-12-31" is a common sentinel: it is present, not null, and not a crash."""
    valid_to = pd.Series(pd.to_datetime(["2024-01-01", "9999-12-31", None]).astype("datetime64[us]"))
    column = profile_frame(pd.DataFrame({"valid_to": valid_to})).columns["valid_to"]
    assert column.kind == "datetime"
    assert column.metrics["null_fraction"] == pytest.approx(1 / 3)


def test_an_earlier_partition_republished_under_a_new_key_is_caught(history):
    stale = day_frame(28).sample(frac=1.0, random_state=3)  # same rows, another order
    verdict = PartitionAnomalyDetector().evaluate(current(stale), history)
    assert verdict.anomalous
    top = verdict.explanations[0]
    assert top.describe() == "partition is identical to the earlier partition 2024-03-29 (a stale copy?)"
    checks = verdict_check_results(verdict)
    assert [(c.check_name, c.observed) for c in checks if c.check_name == "identical_partition"] == [
        ("identical_partition", "same data as 2024-03-29")
    ]


def test_datasets_that_never_change_are_not_called_stale():
    same = profiles(day_frame(0) for _ in range(10))
    assert not PartitionAnomalyDetector().evaluate(current(day_frame(0)), same).anomalous
