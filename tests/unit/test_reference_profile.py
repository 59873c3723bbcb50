"""Reference profiles: histograms on quantile edges, bounded category counts, JSON, merging."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quality_gates.checks.profiles.reference import (
    merge_references,
    profile_reference,
    reference_from_json,
    reference_to_json,
)


def frame(rows: int = 5_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "amount": rng.gamma(2.0, 10.0, rows),
            "quantity": rng.integers(1, 5, rows),
            "status": rng.choice(["new", "paid", "shipped"], rows),
            "flag": rng.random(rows) < 0.3,
            "at": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.uniform(0, 86_400, rows), unit="s"),
        }
    )
    data.loc[data.index[:50], "amount"] = np.nan
    return data


def test_numeric_histogram_counts_every_value_on_quantile_edges():
    profile = profile_reference(frame())
    amount = profile.columns["amount"]
    assert (amount.kind, amount.dtype, amount.count, amount.null_count) == ("numeric", "float64", 5_000, 50)
    sketch = amount.numeric
    assert sketch.total == 4_950 and sketch.counts[0] == 0  # nothing below the minimum
    assert 900 < len(sketch.edges) <= 1_001
    assert sketch.edges[0] == pytest.approx(np.nanmin(frame()["amount"])) and sketch.edges[-1] == pytest.approx(
        np.nanmax(frame()["amount"])
    )
    # Every interior bin holds about 1/1000 of the values.
    assert sketch.counts[1:-1].max() <= 10


def test_discrete_columns_get_one_bin_per_value_and_booleans_are_categories():
    profile = profile_reference(frame())
    quantity = profile.columns["quantity"].numeric
    assert list(quantity.edges) == [1, 2, 3, 4]
    assert quantity.counts.sum() == 5_000 and quantity.counts[0] == 0 and all(quantity.counts[1:] > 1_000)
    flag = profile.columns["flag"]
    assert flag.kind == "boolean" and set(flag.categories.counts) == {"True", "False"}
    assert profile.columns["at"].kind == "datetime" and profile.columns["at"].numeric.edges[0] > 1.7e9  # epoch seconds


def test_a_sketch_is_discrete_only_when_every_value_is_an_edge_through_json_and_merging():
    profile = profile_reference(frame())
    assert profile.columns["quantity"].numeric.discrete and not profile.columns["amount"].numeric.discrete
    # A rare value between the quantile edges is not an edge: the column is then not treated as discrete.
    rare = pd.DataFrame({"x": [0] * 305 + [1] * 2 + [2] * 695})
    sketch = profile_reference(rare, bins=10).columns["x"].numeric
    assert list(sketch.edges) == [0, 2] and not sketch.discrete
    again = reference_from_json(reference_to_json(profile))
    assert again.columns["quantity"].numeric.discrete and not again.columns["amount"].numeric.discrete
    older = {"row_count": 3, "columns": {"x": {"numeric": {"edges": [1.0, 2.0], "counts": [0, 1, 2]}}}}
    assert not reference_from_json(older).columns["x"].numeric.discrete  # unknown: kept linear, as before
    merged = merge_references([profile_reference(frame(seed=1)), profile_reference(frame(seed=2))])
    assert merged.columns["quantity"].numeric.discrete
    # 30 integer values merged onto 10 bins: values are dropped from the edges, so no longer discrete.
    parts = [profile_reference(pd.DataFrame({"x": np.arange(start, start + 15)}), bins=20) for start in (0, 15)]
    assert all(p.columns["x"].numeric.discrete for p in parts)
    assert not merge_references(parts, bins=10).columns["x"].numeric.discrete


def test_category_counts_are_bounded_with_an_other_count():
    values = pd.DataFrame({"user": [f"u{i % 3000}" for i in range(9_000)]})
    column = profile_reference(values, top_categories=100).columns["user"]
    assert len(column.categories.counts) == 100
    assert column.categories.other == 9_000 - 300 and column.categories.distinct == 3_000


def test_json_round_trip_and_an_older_document_without_null_counts_still_loads():
    profile = profile_reference(frame())
    again = reference_from_json(reference_to_json(profile), dataset="orders", version="v1")
    assert again.describe() == "reference 'orders' version 'v1'"
    assert np.array_equal(again.columns["amount"].numeric.edges, profile.columns["amount"].numeric.edges)
    assert again.columns["status"].categories == profile.columns["status"].categories
    older = {"row_count": 3, "columns": {"x": {"numeric": {"edges": [1.0, 2.0], "counts": [0, 1, 2]}}}}
    loaded = reference_from_json(older)
    assert loaded.format_version == 0
    assert loaded.columns["x"].kind == "numeric" and loaded.columns["x"].null_count is None


def test_profiles_of_parts_merge_into_the_profile_of_the_whole():
    from quality_gates.checks.drift import compare_with_reference

    a, b = frame(seed=1), frame(seed=2)
    merged = merge_references([profile_reference(a), profile_reference(b)])
    assert merged.row_count == 10_000 and merged.columns["amount"].null_count == 100
    assert merged.columns["status"].categories.total == 10_000
    report = compare_with_reference(merged, pd.concat([a, b], ignore_index=True))
    statistics = {(c.column, c.check_name): c.details.get("statistic") for c in report.checks}
    assert statistics[("amount", "drift_ks")] < 0.002
    assert statistics[("quantity", "drift_ks")] == 0  # discrete values stay exact
    assert statistics[("amount", "drift_wasserstein")] < 0.002
    assert not report.drifted_columns


def test_reference_requires_existing_columns():
    with pytest.raises(KeyError, match="columns not in the reference data: nope"):
        profile_reference(frame(), columns=["amount", "nope"])
