"""Segments: one value of a low-cardinality column vanishing (or collapsing) is a finding that
names the value, even when the partition keeps most of its rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from quality_gates import PartitionAnomalyDetector
from quality_gates.checks.anomaly.results import verdict_check_results
from quality_gates.checks.anomaly.segments import SEGMENT_SHIFT
from quality_gates.checks.profiles.pandas_engine import profile_frame

START = dt.date(2024, 5, 1)
REGIONS = ["north", "south", "east", "west", "central"]
SHARES = [0.3, 0.25, 0.2, 0.15, 0.1]


def day_frame(i: int, rows: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(100 + i)
    rows = int(rows * rng.uniform(0.8, 1.2))  # daily volume varies by ±20%: a lost segment hides in it
    return pd.DataFrame({"region": rng.choice(REGIONS, rows, p=SHARES), "amount": rng.gamma(2.0, 10.0, rows).round(2)})


def profile(frame: pd.DataFrame, day: int):
    return profile_frame(frame).with_key((START + dt.timedelta(days=day)).isoformat())


@pytest.fixture(scope="module")
def history():
    return [profile(day_frame(i), i) for i in range(30)]


def test_a_missing_segment_is_found_and_named(history):
    frame = day_frame(30)
    frame = frame[frame["region"] != "east"]  # ~20% of the rows gone
    verdict = PartitionAnomalyDetector().evaluate(profile(frame, 30), history)
    assert verdict.anomalous
    assert verdict.culprits[0] == "region"
    finding = next(e for e in verdict.explanations if e.metric == SEGMENT_SHIFT)
    assert "'east' dropped" in finding.describe()
    assert "typically 19.0%" in finding.describe()
    result = next(r for r in verdict_check_results(verdict) if r.check_name == SEGMENT_SHIFT)
    assert "east" in result.details["message"]


def test_clean_days_keep_segments_quiet(history):
    detector = PartitionAnomalyDetector()
    for i in range(30, 40):
        verdict = detector.evaluate(profile(day_frame(i), i), history)
        assert not any(e.metric == SEGMENT_SHIFT and e.severity >= 1 for e in verdict.explanations), verdict.explanations[0].describe()


def test_a_collapsed_segment_is_found(history):
    frame = day_frame(31)
    central = frame.index[frame["region"] == "central"]
    frame = frame.drop(central[: int(len(central) * 0.9)])  # 10% → about 1%
    verdict = PartitionAnomalyDetector().evaluate(profile(frame, 31), history)
    assert verdict.anomalous
    finding = next(e for e in verdict.explanations if e.metric == SEGMENT_SHIFT)
    assert "'central' shrank" in finding.describe()
