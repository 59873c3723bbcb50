"""The history-matrix statistics computed from one sort agree with numpy's per-column ones."""

from __future__ import annotations

import warnings

import numpy as np

from quality_gates.checks.anomaly.robust import column_medians, grid_steps, sorted_columns
from quality_gates.checks.anomaly.shares import share_table
from quality_gates.checks.profiles.model import CATEGORICAL, ColumnProfile


def _matrix() -> np.ndarray:
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(31, 8))
    matrix[:, 1] = rng.integers(0, 4, 31) * 0.5  # a grid of step 0.5
    matrix[::3, 2] = np.nan  # partly measured
    matrix[:, 3] = np.nan  # never measured
    matrix[:, 4] = 7.0  # constant
    matrix[:4, 5] = np.inf  # infinite values are no grid step
    matrix[:, 5] = np.where(np.isinf(matrix[:, 5]), np.inf, rng.integers(0, 3, 31))
    return matrix


def test_column_medians_match_nanmedian():
    matrix = _matrix()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected, short = np.nanmedian(matrix, axis=0), np.nanmedian(matrix[:6], axis=0)
    np.testing.assert_array_equal(column_medians(*sorted_columns(matrix)), expected)
    np.testing.assert_array_equal(column_medians(*sorted_columns(matrix[:6])), short)


def test_grid_steps_are_the_smallest_gap_of_a_discrete_column():
    steps = grid_steps(*sorted_columns(_matrix()))
    assert steps[1] == 0.5
    assert steps[5] == 1.0  # the infinite values left out
    assert steps[0] == 0.0  # continuous: more distinct values than half the rows
    assert steps[3] == 0.0 and steps[4] == 0.0  # never measured; a single value


def test_share_table_lines_up_each_partitions_values():
    columns = [
        ColumnProfile(CATEGORICAL, {}, (("b", 0.6), ("a", 0.4))),
        None,
        ColumnProfile(CATEGORICAL, {}, (("c", 0.5),)),
    ]
    table = share_table(columns)
    assert table.values == ["a", "b", "c"]
    np.testing.assert_array_equal(table.shares, [[0.4, 0.6, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.5]])
    np.testing.assert_array_equal(table.listed, [[True, True, False], [False, False, False], [False, False, True]])
    np.testing.assert_array_equal(table.coverage, [1.0, 0.0, 0.5])
