"""max_alarm_rate: thresholds calibrated on how the history's own partitions score."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from quality_gates import PartitionAnomalyDetector
from quality_gates.checks.anomaly.calibration import leave_one_out_scores, tail_level
from quality_gates.checks.profiles.pandas_engine import profile_frame

START = dt.date(2024, 1, 1)


def test_tail_level_of_exponential_scores_is_near_the_true_quantile():
    rng = np.random.default_rng(0)
    levels = [tail_level(rng.exponential(1.0, 30), 0.01) for _ in range(200)]
    assert np.median(levels) == pytest.approx(np.log(100), rel=0.25)  # P(X > ln 100) = 1%
    assert tail_level(np.ones(4), 0.01) == 0.0  # too few scores to fit a tail


def test_leave_one_out_takes_the_second_widest_deviation_for_the_partition_that_held_the_widest():
    history_z = np.array([[1.0], [2.0], [8.0]])
    scores = leave_one_out_scores(history_z, base=np.array([1.0]), margin=1.0, usable=np.array([True]))
    assert scores.tolist() == pytest.approx([1 / 8, 2 / 8, 8 / 2])


def day_frame(i: int, rows: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(1000 + i)
    # A heavy-tailed metric: most days calm, some days a storm moves the mean a lot.
    storm = rng.random() < 0.2
    return pd.DataFrame(
        {"wind": rng.gamma(2.0, 5.0 * (1 + 3 * rng.random() if storm else 1), rows), "code": rng.choice(["a", "b", "c"], rows)}
    )


def profile(i: int, frame: pd.DataFrame | None = None):
    return profile_frame(day_frame(i) if frame is None else frame).with_key((START + dt.timedelta(days=i)).isoformat())


def test_an_alarm_budget_keeps_clean_days_quiet_and_still_catches_a_broken_column():
    profiles = [profile(i) for i in range(60)]
    calibrated = PartitionAnomalyDetector(max_alarm_rate=0.01)
    assert sum(calibrated.evaluate(profiles[i], profiles[i - 30 : i]).anomalous for i in range(30, 60)) <= 1
    broken = day_frame(60)
    broken.loc[broken.sample(frac=0.1, random_state=0).index, "code"] = None
    verdict = calibrated.evaluate(profile(60, broken), profiles[30:60])
    assert verdict.anomalous and verdict.culprits[0] == "code"
    assert any("calibrated so that the history's own partitions alarm at 1.0%" in note for note in verdict.notes)


def test_max_alarm_rate_must_be_a_rate():
    with pytest.raises(ValueError, match="max_alarm_rate"):
        PartitionAnomalyDetector(max_alarm_rate=1.5)
