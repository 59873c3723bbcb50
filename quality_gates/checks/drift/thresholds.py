"""Methods, their default thresholds, and per-column overrides.

Verdicts are made on effect sizes. With a million rows every test's p-value is tiny for a
shift nobody cares about; an effect size does not shrink with the sample. p-values are a
second gate (Benjamini-Hochberg across columns), which matters on small samples, where
effect sizes are noisy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from quality_gates.checks.drift.errors import DriftInputError

NUMERIC_METHODS = ("ks", "wasserstein", "psi")
CATEGORICAL_METHODS = ("chi_square", "l_infinity", "jensen_shannon")
COLUMN_CHECKS = ("null_fraction", "non_finite_fraction", "unseen_categories")
METHODS = (*NUMERIC_METHODS, *CATEGORICAL_METHODS, *COLUMN_CHECKS)

DEFAULT_THRESHOLDS: dict[str, float] = {
    "ks": 0.1,  # KS statistic: largest gap between the two CDFs
    "wasserstein": 0.1,  # Wasserstein-1 distance in reference standard deviations
    "psi": 0.2,  # population stability index, 10 reference-decile bins ("significant shift")
    "chi_square": 0.1,  # Cramér's V of the reference/current contingency table ("small effect")
    "l_infinity": 0.1,  # largest change of one category's share
    "jensen_shannon": 0.1,  # Jensen-Shannon distance, base 2 (0 … 1)
    "null_fraction": 0.05,  # absolute change of the null fraction (NaN is null)
    "non_finite_fraction": 0.01,  # absolute change of the share of +inf and -inf (a numeric column's broken values)
    "unseen_categories": 0.01,  # share of current values never seen in the reference
}
P_VALUE_METHODS = frozenset({"ks", "chi_square", "null_fraction", "non_finite_fraction"})
DEFAULT_ALPHA = 0.05
# Below this many values on either side, distances without a p-value are too noisy to vote
# (PSI between two samples of 100 equal-distribution values is ~0.18 on average): only the
# tests with p-values (KS, chi-square) decide, the distances are reported for information.
MIN_ROWS_FOR_DISTANCES = 1_000
# Categorical distances also need enough values per category: two samples of one distribution
# over k categories and n values each have a Jensen-Shannon distance of about sqrt(k / (2.8 n)),
# 0.085 for 200 categories and 10,000 values. With 100 values per category it is at most 0.06.
MIN_ROWS_PER_CATEGORY = 100


@dataclass(frozen=True)
class DriftSettings:
    """How columns are judged.

    :param thresholds: default thresholds by method, e.g. ``{"psi": 0.25}``.
    :param column_thresholds: per-column overrides, e.g. ``{"fare": {"psi": 0.3, "null_fraction": 0.1}}``.
    :param methods: methods that decide a column's verdict, for every column (those that fit its
        type); ``None`` chooses by type and size. ``column_methods`` overrides per column.
    :param alpha: false discovery rate of the p-value gate.
    :param drift_share: the dataset drifts when the (importance-weighted) share of drifted
        columns exceeds this. 0: any drifted column blocks.
    :param feature_importance: weights per column for that share; unlisted columns weigh 0.
    """

    thresholds: Mapping[str, float] = field(default_factory=dict)
    column_thresholds: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    methods: Sequence[str] | None = None
    column_methods: Mapping[str, Sequence[str]] = field(default_factory=dict)
    alpha: float = DEFAULT_ALPHA
    min_rows_for_distances: int = MIN_ROWS_FOR_DISTANCES
    drift_share: float = 0.0
    feature_importance: Mapping[str, float] | None = None

    def __post_init__(self):
        _known(self.thresholds, "thresholds")
        for column, overrides in self.column_thresholds.items():
            _known(overrides, f"column_thresholds['{column}']")
        if self.methods is not None:
            _known(dict.fromkeys(self.methods), "methods")
        for column, methods in self.column_methods.items():
            _known(dict.fromkeys(methods), f"column_methods['{column}']")
        for where, values in [
            ("thresholds", self.thresholds),
            *((f"column_thresholds['{c}']", v) for c, v in self.column_thresholds.items()),
        ]:
            for method, value in values.items():
                if not isinstance(value, (int, float)) or value < 0:
                    raise DriftInputError(f"{where}: threshold for '{method}' must be a number >= 0, not {value!r}")
        if not 0 < self.alpha < 1:
            raise DriftInputError(f"alpha must be between 0 and 1, not {self.alpha!r}")
        if not 0 <= self.drift_share < 1:
            raise DriftInputError(f"drift_share must be in [0, 1), not {self.drift_share!r}")

    def threshold(self, column: str, method: str) -> float:
        return float(self.column_thresholds.get(column, {}).get(method, self.thresholds.get(method, DEFAULT_THRESHOLDS[method])))

    def voting_methods(self, column: str, numeric: bool, smaller_side: int, categories: int = 0) -> tuple[str, ...]:
        """The methods whose verdict decides whether ``column`` drifted."""
        fitting = NUMERIC_METHODS if numeric else CATEGORICAL_METHODS
        chosen = self.column_methods.get(column, self.methods)
        if chosen is not None:
            picked = tuple(m for m in chosen if m in fitting)
            if picked:
                return picked
        enough = max(self.min_rows_for_distances, 0 if numeric else MIN_ROWS_PER_CATEGORY * categories)
        if smaller_side < enough:
            return ("ks",) if numeric else ("chi_square",)
        return fitting

    def weight(self, column: str) -> float:
        if self.feature_importance is None:
            return 1.0
        return float(self.feature_importance.get(column, 0.0))

    def check_columns(self, compared: Sequence[str]) -> None:
        """Overrides must name columns that are compared: a typo would silently do nothing."""
        for where, names in [("column_thresholds", self.column_thresholds), ("column_methods", self.column_methods)]:
            unknown = sorted(set(names) - set(compared))
            if unknown:
                raise DriftInputError(f"{where} names columns that are not compared: {', '.join(unknown)}; compared: {', '.join(compared)}")


def _known(values: Mapping[str, object], where: str) -> None:
    unknown = sorted(set(values) - set(METHODS))
    if unknown:
        raise DriftInputError(f"{where}: unknown method(s) {', '.join(unknown)}; known: {', '.join(METHODS)}")
