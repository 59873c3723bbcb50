"""Reference profiles and drift's current side computed in Spark agree with the pandas engine on
the same data: counts on the same edges are exact, so the drift checks are the same."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quality_gates.checks.drift import compare_with_reference
from quality_gates.checks.profiles.reference import profile_reference
from quality_gates.engines import Family, compute
from quality_gates.engines.computation import SparkFrame


def trips(rows: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "fare": rng.gamma(2.0, 6.0, rows) + shift,
            "passengers": rng.integers(1, 5, rows),
            "zone": rng.choice(["A", "B", "C", "D"], rows, p=[0.4, 0.3, 0.2, 0.1]),
            "paid": rng.random(rows) < 0.7,
            "pickup": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 86_400 * 7, rows), unit="s"),
        }
    )
    frame.loc[:9, "fare"] = np.nan
    frame.loc[10:12, "fare"] = np.inf
    return frame


def checks(report) -> dict:
    return {(c.column, c.check_name): (c.status, c.details.get("statistic")) for c in report.checks}


def test_drift_current_side_in_spark_gives_the_pandas_engine_checks(parquet):
    reference = profile_reference(trips(3_000, 0))
    current = trips(2_000, 1, shift=1.5)
    current.loc[:40, "zone"] = "E"  # a never-seen category
    frame, local = parquet(current, "current")
    counted = compute(Family.CURRENT_SKETCH, SparkFrame(frame, "spark current"), reference, columns=None)
    in_spark, in_pandas = checks(compare_with_reference(reference, counted)), checks(compare_with_reference(reference, local))
    assert in_spark.keys() == in_pandas.keys()
    for key, (status, statistic) in in_pandas.items():
        assert in_spark[key][0] == status, key
        if statistic is not None:
            assert in_spark[key][1] == pytest.approx(statistic, rel=1e-9, abs=1e-12), key
    assert in_spark[("fare", "drift_ks")][0] == "failed"
    assert in_spark[("zone", "unseen_categories")][0] == "failed"


def test_reference_profile_in_spark_agrees_with_pandas(parquet):
    frame, local = parquet(trips(4_000, 2), "reference")
    in_spark = compute(Family.REFERENCE_PROFILE, SparkFrame(frame, "spark reference"), columns=None)
    in_pandas = profile_reference(local)
    assert in_spark.row_count == in_pandas.row_count == 4_000
    for name, expected in in_pandas.columns.items():
        got = in_spark.columns[name]
        assert (got.kind, got.null_count, got.non_finite_count) == (expected.kind, expected.null_count, expected.non_finite_count)
        if expected.numeric is not None:
            # percentile_approx: edges within rows / 10,000 ranks of numpy's; the counts on them are exact
            assert got.numeric.total == expected.numeric.total
            assert got.numeric.edges[0] == expected.numeric.edges[0] and got.numeric.edges[-1] == expected.numeric.edges[-1]
            assert got.numeric.mean == pytest.approx(expected.numeric.mean) and got.numeric.std == pytest.approx(expected.numeric.std)
            assert got.numeric.discrete == expected.numeric.discrete
        else:
            assert dict(got.categories.counts) == dict(expected.categories.counts)
    # The same current data judged against either reference: the same verdicts.
    current = trips(2_000, 3, shift=1.5)
    verdicts = [
        {key: status for key, (status, _) in checks(compare_with_reference(reference, current)).items()}
        for reference in (in_spark, in_pandas)
    ]
    assert verdicts[0] == verdicts[1]
