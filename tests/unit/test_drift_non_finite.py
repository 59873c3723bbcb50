"""Drift with ±inf, NaN and huge values: a change in the share of non-finite values is a finding,
every statistic formats, and out-of-range values are not pooled into the reference's edge bins."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from quality_gates.checks.drift import DriftSettings, compare_with_reference
from quality_gates.checks.drift.details import format_statistic
from quality_gates.checks.profiles.reference import profile_reference
from quality_gates.checks.results import Status


def frame(values) -> pd.DataFrame:
    return pd.DataFrame({"fare": np.asarray(values, dtype="float64")})


def reference(rows: int = 4_000):
    return profile_reference(frame(np.random.default_rng(0).gamma(2.0, 3.0, rows)))


def current(rows: int = 2_000, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).gamma(2.0, 3.0, rows)


def checks_of(report) -> dict[tuple[str | None, str], object]:
    return {(c.column, c.check_name): c for c in report.checks}


def test_half_of_the_current_values_plus_inf_blocks_the_gate():
    values = current()
    values[::2] = np.inf
    report = compare_with_reference(reference(), frame(values))
    change = checks_of(report)[("fare", "non_finite_fraction_change")]
    assert change.status is Status.FAILED
    assert change.observed == "50.0% non-finite (+inf 50.0%, -inf 0.0%)"
    assert change.expected == "0.0% ± 1%"
    assert change.details["current_non_finite_fraction"] == 0.5 and change.details["reference_non_finite_fraction"] == 0.0
    assert report.status is Status.FAILED and report.drifted_columns == ("fare",)


def test_inf_and_1e308_are_measured_and_every_statistic_formats():
    values = current()
    values[:500], values[500:1000] = np.inf, 1e308
    report = compare_with_reference(reference(), frame(values))
    assert report.status is Status.FAILED
    assert all(isinstance(c.observed, str) for c in report.checks)
    dataset = checks_of(report)[(None, "dataset_drift")]
    assert "fare (" in dataset.details["explanation"]
    wasserstein = checks_of(report)[("fare", "drift_wasserstein")]
    assert wasserstein.observed == "inf" and wasserstein.status is Status.FAILED


def test_an_all_inf_column_is_not_called_all_null():
    report = compare_with_reference(reference(), frame([np.inf] * 100 + [-np.inf] * 100))
    checks = checks_of(report)
    explanations = " ".join(c.details["explanation"] for c in report.checks)
    assert "every value is null" not in explanations
    assert (
        "no finite values in the current data (200 ±inf, 0 null): the distribution cannot be compared"
        in (checks[("fare", "null_fraction_change")].details["explanation"])
    )
    assert checks[("fare", "non_finite_fraction_change")].observed == "100.0% non-finite (+inf 50.0%, -inf 50.0%)"


def test_nan_counts_as_null_not_as_non_finite():
    values = current()
    values[::4] = np.nan
    checks = checks_of(compare_with_reference(reference(), frame(values)))
    assert checks[("fare", "null_fraction_change")].status is Status.FAILED
    assert ("fare", "non_finite_fraction_change") not in checks  # neither side has ±inf: nothing to say


def test_a_reference_with_inf_and_a_current_without_is_a_finding_too():
    values = current(4_000, seed=0)
    values[:400] = -np.inf
    checks = checks_of(compare_with_reference(profile_reference(frame(values)), frame(current())))
    assert checks[("fare", "non_finite_fraction_change")].status is Status.FAILED
    assert checks[("fare", "non_finite_fraction_change")].expected == "10.0% ± 1%"


def test_the_non_finite_threshold_is_overridable_like_the_others():
    values = current()
    values[:60] = np.inf  # 3%
    lenient = DriftSettings(thresholds={"non_finite_fraction": 0.05})
    per_column = DriftSettings(column_thresholds={"fare": {"non_finite_fraction": 0.05}})
    assert checks_of(compare_with_reference(reference(), frame(values)))[("fare", "non_finite_fraction_change")].status is Status.FAILED
    for settings in (lenient, per_column):
        change = checks_of(compare_with_reference(reference(), frame(values), settings=settings))[("fare", "non_finite_fraction_change")]
        assert change.status is Status.PASSED and change.expected == "0.0% ± 5%"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (math.nan, "nan"),
        (1e308, "1e+308"),
        (10**400, "1e+400"),
        (-(10**400), "-1e+400"),
        (12345678, "1.235e+07"),
        (0.000123456, "0.0001235"),
        ("inf", "inf"),
        ("NaN", "NaN"),
        (np.float64(2.5), "2.5"),
        (None, "None"),
    ],
)
def test_every_statistic_formats(value, text):
    assert format_statistic(value) == text


def test_psi_gives_values_beyond_the_reference_range_their_own_bin():
    values = current()
    values[:200] = 1e6  # 10% far above the reference maximum
    psi = checks_of(compare_with_reference(reference(), frame(values)))[("fare", "drift_psi")]
    # Pooled into the top decile, 10% more there gives PSI ~0.07 (passes); in a bin of their own ~0.78.
    assert psi.details["statistic"] > 0.5 and psi.status is Status.FAILED
    assert "above the reference maximum" in psi.details["explanation"]
