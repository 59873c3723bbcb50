"""The chart's baseline band: median ± 5 robust σ of the previous baseline values, flagged ones left out."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quality_gates.checks.anomaly.bands import baseline_band


def by_definition(values, in_baseline, window=30, width=5.0, min_history=7):
    lows, highs, history = [], [], []
    for value, member in zip(values, in_baseline):
        if len(history) >= min_history:
            recent = np.asarray(history[-window:])
            center = np.median(recent)
            sigma = 1.4826 * np.median(np.abs(recent - center))
            lows.append(center - width * sigma)
            highs.append(center + width * sigma)
        else:
            lows.append(None)
            highs.append(None)
        if member and value is not None:
            history.append(value)
    return lows, highs


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.floats(-1e6, 1e6)), st.booleans()), max_size=80))
def test_band_follows_its_definition(points):
    values = [v for v, _ in points]
    members = [m for _, m in points]
    for got, expected in zip(baseline_band(values, members), by_definition(values, members)):
        assert [g is None for g in got] == [e is None for e in expected]
        assert [g for g in got if g is not None] == pytest.approx([e for e in expected if e is not None], rel=1e-9, abs=1e-6)


def test_a_flagged_partition_does_not_widen_later_bands():
    values = [10.0, 11.0, 9.0] * 5 + [500.0, 10.0]
    members = [True] * 15 + [False, True]
    low, high = baseline_band(values, members)
    assert low[:7] == [None] * 7
    assert high[16] < 20 and low[16] > 0
    shares_low, shares_high = baseline_band([0.0] * 10, [True] * 10, bounds=(0.0, 1.0))
    assert shares_low[9] == 0.0 and shares_high[9] == 0.0


def test_band_with_a_margin_is_the_detectors_threshold_and_wider_for_metrics_that_wobble():
    rng = np.random.default_rng(3)
    quiet = list(rng.normal(100.0, 1.0, 40))
    spiky = list(quiet)
    spiky[20] += 15.0  # one wobble in the window: the detector allows 1.5 × it
    members = [True] * 40
    plain_low, plain_high = baseline_band(quiet, members)
    s_low, s_high = baseline_band(spiky, members, margin=1.5)
    recent = np.asarray(spiky[9:39])
    center = np.median(recent)
    sigma = 1.4826 * np.median(np.abs(recent - center))
    widest = np.max(np.abs(recent - center)) / sigma
    assert s_high[39] == pytest.approx(center + max(5.0, 1.5 * widest) * sigma)
    assert s_high[39] - s_low[39] > 1.5 * (plain_high[39] - plain_low[39])
    q_low, q_high = baseline_band(quiet, members, margin=1.5)
    assert q_high[39] - q_low[39] >= plain_high[39] - plain_low[39]
