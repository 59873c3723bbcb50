"""The benchmark's corruptions change what they claim: the right column, the right number of rows,
the right way, and the same rows again for the same seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.corruptions import (
    CORRUPTIONS,
    PARTITION,
    TIME_SHIFT_HOURS,
    choose_column,
    corrupt,
    eligible_columns,
    rows_to_change,
)

ROWS = 1_000
ZONE_SHARES = {"Downtown": 0.5, "Harbor": 0.2, "Airport": 0.12, "Stadium": 0.1, "Old Town": 0.05, "Tech Park": 0.03}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    zones = np.repeat(list(ZONE_SHARES), [round(share * ROWS) for share in ZONE_SHARES.values()])
    return pd.DataFrame(
        {
            "trip_id": [f"T{i:05d}" for i in range(ROWS)],
            "pickup_at": pd.Timestamp("2024-03-01") + pd.to_timedelta(np.sort(rng.uniform(0, 86_400, ROWS)), unit="s"),
            "pickup_zone": rng.permutation(zones),
            "dropoff_zone": rng.permutation(zones),
            "passengers": rng.integers(1, 5, ROWS),
            "distance_km": np.round(rng.gamma(2.0, 3.0, ROWS) + 0.3, 2),
            "fare": np.round(3.5 + rng.gamma(2.0, 6.0, ROWS), 2),
        }
    )


@pytest.fixture(scope="module")
def wide_frame(frame) -> pd.DataFrame:
    """The frame plus a partly-null column (for more_nulls) and a clock stored as an HHMM integer
    (for clock_shift)."""
    rng = np.random.default_rng(8)
    return frame.assign(
        tip=np.where(rng.random(ROWS) < 0.2, np.nan, np.round(rng.gamma(1.5, 1.5, ROWS), 2)),
        dropoff_hhmm=rng.integers(0, 24, ROWS) * 100 + rng.integers(0, 60, ROWS),
    )


def differing_rows(before: pd.Series, after: pd.Series) -> np.ndarray:
    both_missing = before.isna().to_numpy() & after.isna().to_numpy()
    return ~both_missing & (before.astype(object).to_numpy() != after.astype(object).to_numpy())


ROW_PRESERVING = [name for name, c in CORRUPTIONS.items() if c.uses_fraction and name not in ("category_dropped", "duplicate_rows")]


@pytest.mark.parametrize("fraction", [0.02, 0.05, 0.10])
@pytest.mark.parametrize("name", ROW_PRESERVING)
def test_changes_the_fraction_of_rows_of_the_named_columns_only(wide_frame, name, fraction):
    frame = wide_frame
    result = corrupt(frame, name, fraction, seed=11, column_seed=3)
    assert result is not None
    assert len(result.frame) == len(frame)
    assert list(result.frame.columns) == list(frame.columns)
    changed = {column: differing_rows(frame[column], result.frame[column]) for column in frame.columns}
    touched = {column for column, rows in changed.items() if rows.any()}
    assert touched == set(result.columns)
    assert all(column in eligible_columns(name, frame) for column in result.columns[:1])
    expected = rows_to_change(ROWS, fraction)
    assert result.changed_rows == expected
    assert changed[result.columns[0]].sum() == expected


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_same_seed_same_result_other_seed_other_rows(wide_frame, name):
    frame = wide_frame
    previous = frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
    fraction = 0.05 if CORRUPTIONS[name].uses_fraction else None
    first = corrupt(frame, name, fraction, seed=5, previous=previous)
    again = corrupt(frame, name, fraction, seed=5, previous=previous)
    pd.testing.assert_frame_equal(first.frame, again.frame)
    assert first.columns == again.columns and first.detail == again.detail
    if name in ROW_PRESERVING:
        other = corrupt(frame, name, fraction, seed=6, column=first.columns[0], previous=previous)
        assert not other.frame.equals(first.frame)


def test_the_column_is_drawn_among_eligible_ones_and_reproducibly(frame):
    drawn = {choose_column("nulls", frame, seed) for seed in range(40)}
    assert drawn == set(frame.columns)  # every column is eligible for nulls, and the draw reaches them all
    assert choose_column("sign_flip", frame, 1) == choose_column("sign_flip", frame, 1)
    assert set(eligible_columns("sign_flip", frame)) == {"passengers", "distance_km", "fare"}
    assert eligible_columns("unseen_category", frame) == ["pickup_zone", "dropoff_zone"]
    assert eligible_columns("int_to_text", frame) == ["passengers"]
    assert eligible_columns("time_shift", frame) == ["pickup_at"]
    assert eligible_columns("precision_loss", pd.DataFrame({"n": [1.0, 2.0, np.nan]})) == []
    assert corrupt(pd.DataFrame({"n": [1, 2, 3]}), "time_shift", 0.1) is None


def test_each_corruption_does_what_its_name_says(frame):
    def apply(name, column, fraction=0.1, **kwargs):
        result = corrupt(frame, name, fraction, seed=2, column=column, **kwargs)
        rows = differing_rows(frame[column], result.frame[column]) if len(result.frame) == ROWS else None
        return result, rows

    result, rows = apply("nulls", "fare")
    assert result.frame["fare"].isna().sum() == 100 and result.frame["fare"][rows].isna().all()

    result, rows = apply("sign_flip", "fare")
    assert (result.frame["fare"][rows] == -frame["fare"][rows]).all() and (result.frame["fare"] < 0).sum() == 100

    result, rows = apply("unit_x1000", "passengers")
    assert (result.frame["passengers"][rows] == frame["passengers"][rows] * 1000).all()

    result, rows = apply("unit_div100", "fare")
    assert np.allclose(result.frame["fare"][rows], frame["fare"][rows] / 100)

    result, rows = apply("pinned_default", "pickup_zone")
    assert result.frame["pickup_zone"][rows].nunique() == 1

    result, rows = apply("column_swap", "pickup_zone")
    other = result.detail["swapped_with"]
    assert other == "dropoff_zone"  # the look-alike column is preferred
    assert (result.frame["pickup_zone"][rows] == frame[other][rows]).all()
    assert (result.frame[other][rows] == frame["pickup_zone"][rows]).all()

    result, rows = apply("unseen_category", "pickup_zone")
    new = result.detail["new_value"]
    assert new not in ZONE_SHARES and len(new) in {len(z) for z in ZONE_SHARES}
    assert (result.frame["pickup_zone"][rows] == new).all()

    result, rows = apply("category_remap", "pickup_zone")
    assert (result.detail["from"], rows.sum()) == ("Stadium", 100)  # the value whose share is nearest 10%
    assert (frame["pickup_zone"][rows] == "Stadium").all() and (result.frame["pickup_zone"][rows] == result.detail["to"]).all()
    assert set(result.frame["pickup_zone"]) <= set(ZONE_SHARES)

    result, _ = apply("category_dropped", "pickup_zone", 0.05)
    assert len(result.frame) == ROWS - 50 and "Old Town" not in set(result.frame["pickup_zone"])

    result = corrupt(frame, "duplicate_rows", 0.02, seed=2)
    assert result.columns == (PARTITION,) and len(result.frame) == ROWS + 20 and result.frame.duplicated().sum() == 20

    result, rows = apply("time_shift", "pickup_at")
    assert (result.frame["pickup_at"][rows] - frame["pickup_at"][rows] == pd.Timedelta(hours=TIME_SHIFT_HOURS)).all()

    result, rows = apply("precision_loss", "fare")
    assert (result.frame["fare"][rows] == np.round(frame["fare"][rows])).all()

    result, rows = apply("case_change", "pickup_zone")
    assert (result.frame["pickup_zone"][rows] == frame["pickup_zone"][rows].str.upper()).all()

    result, rows = apply("whitespace_padding", "trip_id")
    assert (result.frame["trip_id"][rows] == frame["trip_id"][rows] + " ").all()

    result = corrupt(frame, "truncated", seed=2)
    pd.testing.assert_frame_equal(result.frame, frame.iloc[: ROWS // 2])

    result = corrupt(frame, "lost_shard", seed=2)
    assert len(result.frame) == ROWS // 2 and not result.frame.equals(frame.iloc[: ROWS // 2].reset_index(drop=True))

    result = corrupt(frame, "int_to_text", seed=2)
    assert result.columns == ("passengers",) and pd.api.types.is_string_dtype(result.frame["passengers"])
    assert (result.frame["passengers"] == frame["passengers"].astype(str)).all()

    previous = frame.iloc[::-1].reset_index(drop=True)
    assert corrupt(frame, "stale_copy", previous=previous).frame.equals(previous)


def test_a_fraction_is_required_where_it_applies(frame):
    with pytest.raises(ValueError, match="fraction"):
        corrupt(frame, "nulls", None)


def test_a_default_that_would_change_nothing_gives_way_to_another():
    constant = pd.DataFrame({"day": ["2024-03-01"] * 200, "n": [7] * 200})
    for seed in range(10):
        for column in ("day", "n"):
            result = corrupt(constant, "pinned_default", 0.05, seed=seed, column=column)
            assert result.changed_rows == 10
            assert differing_rows(constant[column], result.frame[column]).sum() == 10
