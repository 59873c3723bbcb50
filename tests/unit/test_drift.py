"""Drift methods against scipy on raw data, verdicts on effect sizes, and the bad inputs of issue 3."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from quality_gates.checks.drift import DriftInputError, DriftSettings, compare_with_reference
from quality_gates.checks.drift.multiple_testing import benjamini_hochberg
from quality_gates.checks.profiles.reference import profile_reference, reference_from_json, reference_to_json
from quality_gates.checks.results import Status


def features(rows: int, seed: int = 0, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "distance": rng.gamma(2.0, 3.0, rows) + shift,
            "rating": np.round(rng.normal(4.5, 0.3, rows).clip(1, 5), 1),
            "passengers": rng.choice([1, 1, 1, 2, 2, 3, 4], rows),
            "zone": rng.choice(["A", "B", "C", "D"], rows, p=[0.4, 0.3, 0.2, 0.1]),
            "paid": rng.random(rows) < 0.7,
        }
    )


def reference(rows: int = 20_000, seed: int = 0):
    profile = profile_reference(features(rows, seed))
    return reference_from_json(reference_to_json(profile), dataset="trip_features", version="v1")


def by_check(report) -> dict[tuple[str | None, str], object]:
    return {(c.column, c.check_name): c for c in report.checks}


def test_numeric_statistics_agree_with_scipy_on_the_raw_data():
    ref_frame, cur_frame = features(20_000, 0), features(5_000, 1, shift=0.8)
    checks = by_check(compare_with_reference(profile_reference(ref_frame), cur_frame))
    a, b = ref_frame["distance"], cur_frame["distance"]
    ks = checks[("distance", "drift_ks")].details
    assert ks["statistic"] == pytest.approx(stats.ks_2samp(a, b).statistic, abs=0.002)  # off by at most one bin's mass
    wasserstein = checks[("distance", "drift_wasserstein")].details
    assert wasserstein["distance"] == pytest.approx(stats.wasserstein_distance(a, b), rel=0.01)
    assert wasserstein["statistic"] == pytest.approx(stats.wasserstein_distance(a, b) / a.std(ddof=0), rel=0.01)
    # Discrete values: one bin per value, so KS is exact.
    assert checks[("passengers", "drift_ks")].details["statistic"] == pytest.approx(
        stats.ks_2samp(ref_frame["passengers"], cur_frame["passengers"]).statistic, abs=1e-12
    )


@pytest.mark.parametrize("case", ["binary", "small_integers", "integers_new_value", "continuous"])
def test_wasserstein_and_ks_agree_with_scipy_on_discrete_and_continuous_columns(case):
    rng = np.random.default_rng(3)
    a, b = {
        "binary": lambda: (rng.integers(0, 2, 2_000), np.ones(1_000, dtype=int)),
        "small_integers": lambda: (lambda x: (x, x[:1_000] + 1))(rng.integers(0, 5, 2_000)),
        # Current values the reference never had, above its maximum and between its values.
        "integers_new_value": lambda: (rng.integers(0, 2, 2_000), rng.choice([0, 1, 5, 0.5], 1_000)),
        "continuous": lambda: (rng.normal(5, 2, 20_000), rng.normal(6, 2, 5_000)),
    }[case]()
    profile = reference_from_json(reference_to_json(profile_reference(pd.DataFrame({"x": a}))), dataset="d", version="v")
    checks = by_check(compare_with_reference(profile, pd.DataFrame({"x": b})))
    expected = stats.wasserstein_distance(a, b)
    exact = case != "continuous"  # a discrete reference is stored exactly; continuous is linear within bins
    tolerance = dict(abs=1e-12) if exact else dict(rel=0.01)
    wasserstein = checks[("x", "drift_wasserstein")].details
    assert wasserstein["distance"] == pytest.approx(expected, **tolerance)
    assert wasserstein["statistic"] == pytest.approx(expected / a.std(ddof=0), **tolerance)
    ks = checks[("x", "drift_ks")].details["statistic"]
    assert ks == pytest.approx(stats.ks_2samp(a, b).statistic, **(tolerance if exact else dict(abs=0.002)))


def test_psi_on_a_discrete_column_is_the_psi_of_its_values():
    # Counts per value are exact on both sides (no within-bin assumption), so PSI needs no step fix.
    rng = np.random.default_rng(5)
    a, b = rng.integers(0, 5, 5_000), rng.choice(5, 2_000, p=[0.1, 0.1, 0.2, 0.3, 0.3])
    psi = by_check(compare_with_reference(profile_reference(pd.DataFrame({"x": a})), pd.DataFrame({"x": b})))[("x", "drift_psi")]
    p, q = np.bincount(a) / len(a), np.bincount(b) / len(b)
    assert psi.details["statistic"] == pytest.approx(float(np.sum((q - p) * np.log(q / p))), abs=1e-12)


def test_infinite_values_in_the_same_share_on_both_sides_are_not_a_null_fraction_change():
    rng = np.random.default_rng(4)

    def with_infinities(rows, seed):
        values = np.random.default_rng(seed).normal(0, 1, rows)
        values[: rows // 5] = np.inf
        values[rows // 5 : rows // 4] = -np.inf
        return pd.DataFrame({"x": rng.permutation(values)})

    checks = by_check(compare_with_reference(profile_reference(with_infinities(4_000, 0)), with_infinities(2_000, 1)))
    null_change = checks[("x", "null_fraction_change")]
    assert null_change.status is Status.PASSED
    assert null_change.details["current_null_fraction"] == 0.0 and null_change.details["reference_null_fraction"] == 0.0


def test_categorical_statistics_agree_with_scipy():
    ref_frame, cur_frame = features(20_000, 0), features(5_000, 1)
    cur_frame.loc[cur_frame.index[:1_000], "zone"] = "A"
    checks = by_check(compare_with_reference(profile_reference(ref_frame), cur_frame))
    p = ref_frame["zone"].value_counts().reindex(list("ABCD"))
    q = cur_frame["zone"].value_counts().reindex(list("ABCD"))
    chi2, p_value, *_ = stats.chi2_contingency(np.vstack([p, q]), correction=False)
    chi = checks[("zone", "drift_chi_square")].details
    assert chi["chi_square"] == pytest.approx(chi2) and chi["p_value"] == pytest.approx(p_value)
    assert chi["statistic"] == pytest.approx(np.sqrt((chi2 - 3) / 25_000))  # Cramér's V, bias-corrected
    assert checks[("zone", "drift_jensen_shannon")].details["statistic"] == pytest.approx(jensenshannon(p / p.sum(), q / q.sum(), base=2))
    assert checks[("zone", "drift_l_infinity")].details["statistic"] == pytest.approx(np.abs(p / p.sum() - q / q.sum()).max())


@pytest.mark.parametrize("rows", [2_000, 200_000])
def test_clean_data_of_any_size_flags_no_column(rows):
    profile = reference()
    for seed in (7, 8, 9):
        report = compare_with_reference(profile, features(rows, seed=seed))
        assert report.drifted_columns == () and not report.dataset_drifted
        assert report.status is Status.PASSED


def test_clean_small_samples_rarely_flag_a_column():
    # At 200 rows only the p-value tests decide (FDR 5% across columns): about one clean sample
    # in thirty has a flagged column; none of the distances (PSI is ~0.05 by chance here) votes.
    profile = reference()
    flagged = [compare_with_reference(profile, features(200, seed=seed)).dataset_drifted for seed in range(20)]
    assert sum(flagged) <= 2


def test_a_shifted_column_fails_with_its_distance_named():
    report = compare_with_reference(reference(), features(20_000, seed=3, shift=2.0))
    assert report.drifted_columns == ("distance",)
    checks = by_check(report)
    wasserstein = checks[("distance", "drift_wasserstein")]
    assert wasserstein.status is Status.FAILED and wasserstein.expected == "<= 0.1"
    assert wasserstein.details["explanation"].startswith(
        "distance: Wasserstein distance 0.470 reference standard deviations (mean 6.026 → 8.021"
    )
    assert "exceeds the threshold 0.1: drift" in wasserstein.details["explanation"]
    dataset = checks[(None, "dataset_drift")]
    assert dataset.status is Status.FAILED and dataset.observed == "20.0% of compared columns drifted (1 of 5)"
    assert dataset.details["explanation"].startswith("Drift against reference 'trip_features' version 'v1': distance (")
    assert checks[("rating", "drift_psi")].status is Status.PASSED


def test_small_samples_are_judged_by_tests_with_p_values_only():
    report = compare_with_reference(reference(), features(60, seed=11))
    checks = by_check(report)
    psi = checks[("distance", "drift_psi")]
    assert psi.details["voting"] is False and psi.status is Status.PASSED
    assert checks[("distance", "drift_ks")].details["voting"] is True
    assert report.drifted_columns == ()


def test_many_categories_need_more_rows_before_distances_decide():
    # 200 categories, 10,000 clean values a side: JS distance ~0.085 and plain Cramér's V ~0.1 by chance.
    rng = np.random.default_rng(5)
    shares = 1 / np.arange(1, 201)
    shares /= shares.sum()

    def sample(seed):
        return pd.DataFrame({"merchant": np.random.default_rng(seed).choice([f"m{i}" for i in range(200)], 10_000, p=shares)})

    flagged = []
    for seed in range(5):
        report = compare_with_reference(profile_reference(sample(rng.integers(1 << 30))), sample(seed + 100))
        checks = by_check(report)
        assert checks[("merchant", "drift_jensen_shannon")].details["voting"] is False
        assert checks[("merchant", "drift_chi_square")].details["voting"] is True
        assert checks[("merchant", "drift_chi_square")].details["statistic"] < 0.05
        flagged.append(report.dataset_drifted)
    assert not any(flagged)


def test_every_threshold_can_be_overridden_per_column():
    current = features(20_000, seed=3, shift=0.3)
    strict = DriftSettings(column_thresholds={"distance": {"wasserstein": 0.01}})
    assert compare_with_reference(reference(), current, settings=strict).drifted_columns == ("distance",)
    lenient = DriftSettings(thresholds={"ks": 0.9, "wasserstein": 0.9, "psi": 5})
    assert compare_with_reference(reference(), features(20_000, seed=3, shift=2.0), settings=lenient).drifted_columns == ()


def test_wrong_settings_name_the_problem():
    with pytest.raises(DriftInputError, match=r"thresholds: unknown method\(s\) psy; known: ks, wasserstein, psi"):
        DriftSettings(thresholds={"psy": 0.2})
    with pytest.raises(DriftInputError, match="column_thresholds names columns that are not compared: distanse"):
        compare_with_reference(reference(), features(100), settings=DriftSettings(column_thresholds={"distanse": {"psi": 0.1}}))
    with pytest.raises(DriftInputError, match="threshold for 'psi' must be a number >= 0"):
        DriftSettings(thresholds={"psi": -1})


def test_drift_share_and_feature_importance_decide_the_dataset_verdict():
    current = features(20_000, seed=3, shift=2.0)
    share = DriftSettings(drift_share=0.3)
    report = compare_with_reference(reference(), current, settings=share)
    assert not report.dataset_drifted and report.status is Status.WARNED
    assert by_check(report)[("distance", "drift_wasserstein")].status is Status.WARNED
    weighted = DriftSettings(drift_share=0.3, feature_importance={"distance": 3.0, "rating": 1.0})
    report = compare_with_reference(reference(), current, settings=weighted)
    assert report.dataset_drifted and report.drift_share == pytest.approx(0.75)
    assert "weighted by feature importance" in by_check(report)[(None, "dataset_drift")].observed


def test_unseen_categories_are_a_check_of_their_own():
    current = features(5_000, seed=2)
    current.loc[current.index[:150], "zone"] = "Z-new"
    checks = by_check(compare_with_reference(reference(), current))
    unseen = checks[("zone", "unseen_categories")]
    assert unseen.status is Status.FAILED and unseen.observed == "0.03"
    assert unseen.details["explanation"].startswith("zone: 3.00% of current values are categories the reference never had: 'Z-new' (150)")
    assert unseen.details["unseen"] == {"Z-new": 150}


def test_columns_the_current_data_lacks_and_the_reverse():
    current = features(2_000, seed=2).drop(columns=["rating"]).assign(tip=1.0)
    checks = by_check(compare_with_reference(reference(), current, current_name="table serving.features"))
    missing = checks[("rating", "column_missing")]
    assert missing.status is Status.FAILED
    assert missing.details["explanation"] == (
        "column 'rating' of reference 'trip_features' version 'v1' (float64) is missing from "
        "table serving.features; it has: distance, passengers, zone, paid, tip"
    )
    added = checks[("tip", "column_added")]
    assert added.status is Status.WARNED
    assert "column 'tip' is in table serving.features but not in reference 'trip_features' version 'v1'" in added.details["explanation"]
    asked = by_check(compare_with_reference(reference(), current, columns=["distance", "tip"]))
    assert asked[("tip", "column_not_in_reference")].status is Status.FAILED
    with pytest.raises(
        DriftInputError, match="column\\(s\\) nope are neither in the current data nor in reference 'trip_features' version 'v1'"
    ):
        compare_with_reference(reference(), current, columns=["nope"])


def test_a_reference_from_an_older_schema_reports_retyped_columns():
    older = features(5_000).assign(passengers=lambda f: f["passengers"].astype(str))  # once stored as text
    profile = reference_from_json(
        reference_to_json(profile_reference(older.drop(columns=["paid"]))), dataset="trip_features", version="2023"
    )
    report = compare_with_reference(profile, features(5_000, seed=1))
    checks = by_check(report)
    retyped = checks[("passengers", "type_changed")]
    text_dtype = str(older["passengers"].dtype)  # "str" on pandas 3, "object" before
    assert retyped.status is Status.FAILED and retyped.expected == f"{text_dtype} (categorical)"
    assert retyped.details["explanation"] == (
        f"column 'passengers' was {text_dtype} (categorical) in reference 'trip_features' version '2023' "
        "and is int64 (numeric) in the current data: the distributions cannot be compared"
    )
    assert checks[("paid", "column_added")].status is Status.WARNED
    assert "distance" in report.compared and "passengers" not in report.compared


def test_empty_current_data_fails_with_a_clear_message():
    report = compare_with_reference(reference(), features(0))
    (empty,) = [c for c in report.checks if c.check_name == "not_empty"]
    assert empty.status is Status.FAILED
    assert (
        empty.details["explanation"]
        == "the current data has 0 rows: nothing to compare with reference 'trip_features' version 'v1' (20,000 rows)"
    )


def test_an_all_null_column_is_judged_on_its_null_fraction():
    current = features(2_000, seed=1).assign(rating=np.nan)
    checks = by_check(compare_with_reference(reference(), current))
    nulls = checks[("rating", "null_fraction_change")]
    assert nulls.status is Status.FAILED and nulls.observed == "1"
    assert nulls.details["explanation"].startswith(
        "rating: null fraction 0.0% → 100.0% (change +100.0%); every value is null in the current data: the distribution cannot be compared"
    )
    assert ("rating", "drift_ks") not in checks
    # All null in the reference and now too: nothing changed.
    profile = profile_reference(features(2_000).assign(rating=np.nan))
    checks = by_check(compare_with_reference(profile, current))
    assert checks[("rating", "null_fraction_change")].status is Status.PASSED
    assert "every value is null on both sides" in checks[("rating", "null_fraction_change")].details["explanation"]


def test_benjamini_hochberg_matches_the_textbook_example():
    p = [0.01, 0.04, 0.03, 0.005]
    assert benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert benjamini_hochberg([]) == []
