"""Keyed training/serving skew: value-by-value comparison on joined rows, and bad keys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quality_gates.checks.drift import DriftInputError
from quality_gates.checks.drift.skew import compare_keyed
from quality_gates.checks.results import Status


def training(rows: int = 1_000) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "trip_id": [f"t{i:05d}" for i in range(rows)],
            "distance_km": rng.gamma(2.0, 3.0, rows).round(2),
            "zone": rng.choice(["A", "B"], rows),
            "rating": np.where(rng.random(rows) < 0.1, np.nan, 4.5),
        }
    )


def by_check(report) -> dict[tuple[str | None, str], object]:
    return {(c.column, c.check_name): c for c in report.checks}


def test_same_features_pass_and_nulls_on_both_sides_are_equal():
    serving = training().sample(frac=0.5, random_state=1)  # serving logs a sample, in another order
    serving["distance_km"] += 1e-12  # float noise from another code path is no skew
    report = compare_keyed(training(), serving, "trip_id")
    assert report.status is Status.PASSED and report.joined_rows == 500 and report.skewed_features == ()
    checks = by_check(report)
    assert checks[("rating", "feature_skew")].observed == "0.0% of 500 rows differ"
    assert checks[(None, "missing_keys")].status is Status.PASSED


def test_a_feature_computed_differently_is_named_with_its_share_and_an_example():
    serving = training()
    serving.loc[serving.index[::4], "distance_km"] = (serving["distance_km"] * 0.621371).round(2)
    report = compare_keyed(training(), serving, "trip_id", training_name="table features", serving_name="table serving_log")
    checks = by_check(report)
    skew = checks[("distance_km", "feature_skew")]
    assert skew.status is Status.FAILED and skew.observed == "25.0% of 1,000 rows differ" and skew.expected == "<= 1.0% of rows"
    explanation = skew.details["explanation"]
    assert explanation.startswith(
        "distance_km: 25.0% of 1,000 joined rows differ between training and serving (threshold 1.0%; "
        "numbers equal within rtol 1e-06, atol 1e-09); mean absolute difference"
    )
    assert "median serving/training ratio 0.62" in explanation and "e.g. trip_id='t00000': training" in explanation
    assert skew.details["examples"][0]["key"] == "t00000"
    assert checks[(None, "training_serving_skew")].details["explanation"] == (
        "Training/serving skew on 1,000 joined rows: distance_km (25.0% of rows differ)"
    )
    assert checks[("zone", "feature_skew")].status is Status.PASSED


def test_thresholds_and_tolerances_per_feature():
    serving = training()
    serving["distance_km"] += 0.004
    serving.loc[serving.index[:20], "zone"] = "C"
    report = compare_keyed(
        training(), serving, "trip_id", column_tolerances={"distance_km": {"atol": 0.005}}, column_thresholds={"zone": 0.05}
    )
    assert report.skewed_features == ()
    assert compare_keyed(training(), serving, "trip_id").skewed_features == ("distance_km", "zone")


def test_duplicate_keys_are_reported_and_left_out():
    serving = pd.concat([training(), training().iloc[:3].assign(distance_km=0.0)], ignore_index=True)
    report = compare_keyed(training(), serving, "trip_id", serving_name="serving log")
    duplicates = by_check(report)[(None, "duplicate_keys")]
    assert duplicates.status is Status.WARNED and duplicates.observed == "6 of 1,003 rows"
    assert duplicates.details["explanation"] == (
        "serving log: 6 rows share 3 repeated key values, e.g. 't00000' (2 rows), 't00001' (2 rows), 't00002' (2 rows) (trip_id); "
        "these rows are left out of the comparison"
    )
    assert report.joined_rows == 997 and report.skewed_features == ()


def test_missing_keys_on_either_side():
    serving = pd.concat([training().iloc[100:], training().iloc[:2].assign(trip_id=["x1", "x2"])], ignore_index=True)
    serving.loc[5, "trip_id"] = None
    report = compare_keyed(training(), serving, "trip_id", training_name="training features", serving_name="serving log")
    checks = by_check(report)
    missing = checks[(None, "missing_keys")]
    assert missing.status is Status.WARNED
    assert missing.details["explanation"] == (
        "899 of 901 serving log rows found in training features by trip_id; 2 not found (e.g. 'x1', 'x2'); "
        "101 training features rows have no serving log row (serving may log a sample)"
    )
    assert checks[(None, "null_keys")].details["explanation"] == (
        "serving log: 1 rows have no key (trip_id); these rows are left out of the comparison"
    )


def test_no_matching_key_fails_and_a_missing_key_column_is_an_input_error():
    serving = training().assign(trip_id=lambda f: "other-" + f["trip_id"])
    missing = by_check(compare_keyed(training(), serving, "trip_id"))[(None, "missing_keys")]
    assert missing.status is Status.FAILED
    assert missing.details["explanation"].startswith("no key matched: 0 of 1,000 serving data rows found in training data by trip_id")
    with pytest.raises(
        DriftInputError, match="key column\\(s\\) request_id not in serving data; it has: trip_id, distance_km, zone, rating"
    ):
        compare_keyed(training().assign(request_id=1), training(), "request_id")


def test_features_missing_on_one_side_and_empty_serving_data():
    checks = by_check(compare_keyed(training(), training().drop(columns=["zone"]), "trip_id", columns=["distance_km", "zone"]))
    assert checks[("zone", "column_missing")].details["explanation"] == (
        "feature 'zone' is missing from serving data: it cannot be compared"
    )
    empty = compare_keyed(training(), training().iloc[:0], "trip_id")
    assert [c.check_name for c in empty.checks] == ["not_empty"]
    assert empty.checks[0].details["explanation"] == "serving data has 0 rows: nothing to compare with training data"
