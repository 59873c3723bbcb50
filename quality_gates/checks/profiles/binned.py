"""The current side of a drift comparison, as counts on the reference's bin edges.

Drift tests compare current data with a reference profile (``reference.py``). They need no
current value itself, only, per column:

* numeric and datetime columns: on the reference's edges ``e_0 < … < e_{E-1}``, the number of
  values equal to each edge (``at_edge``), the number strictly between consecutive edges, below
  ``e_0`` and above ``e_{E-1}`` (``between``, E + 1 slots) with their sums, and the moments,
  minimum and maximum of the finite values; nulls and ±inf are counted apart;
* categorical and boolean columns: counts of the reference's categories, the number of other
  values (and of distinct other values), and the most frequent of them as examples.

So every engine computes these where the data is (one grouped aggregation per column), and only
these counts reach the worker. From them the drift tests are what they are on the values:

* KS: exact at every edge and at the reference maximum for a continuous reference (as before,
  when current values were binned in the worker); for a discrete reference (every reference
  value an edge) exact everywhere, since its CDF is flat between edges and the current CDF's
  largest value in an interval is its share below the next edge.
* PSI and the share of values outside the reference range: exact.
* Wasserstein: linear within a reference bin (as before) and exact outside the reference's range
  (from the sums); for a discrete reference exact, unless current values lie strictly between
  two reference values and the two CDFs cross there: then those values are taken at their mean.

A reference profile is made of the same counts on its own quantile edges (``reference_column``),
so the reference and the current side share one implementation per engine.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from quality_gates.checks.profiles.model import NUMERIC
from quality_gates.checks.profiles.reference import (
    HISTOGRAM_BINS,
    TOP_CATEGORIES,
    CategoryCounts,
    ColumnReference,
    NumericSketch,
    ReferenceProfile,
    category_values,
    column_kind,
    comparable_kind,
    numeric_values,
)

if TYPE_CHECKING:
    import pandas as pd

UNSEEN_KEPT = 100  # never-seen categories kept with their counts (the check shows the top 10)
UNSEEN_TRACKED = 10_000  # distinct never-seen values remembered while merging chunks


@dataclass(frozen=True)
class BinnedValues:
    """Finite values counted on ``edges``: ``at_edge[i]`` values equal ``edges[i]``; ``between[k]``
    values lie strictly between ``edges[k-1]`` and ``edges[k]`` (k = 0: below ``edges[0]``, k = E:
    above ``edges[-1]``), and ``between_sum[k]`` is the sum of those values minus ``shift``. Moments
    are kept around ``shift`` (a value near the data), which keeps the variance precise."""

    edges: np.ndarray
    at_edge: np.ndarray
    between: np.ndarray
    between_sum: np.ndarray
    shift: float
    shifted_sum: float
    shifted_squares: float
    minimum: float = math.nan
    maximum: float = math.nan

    @property
    def total(self) -> int:
        return int(self.at_edge.sum() + self.between.sum())

    @property
    def bin_counts(self) -> np.ndarray:
        """Counts per bin as ``NumericSketch.bin_counts`` gives them: bin k holds [e_{k-1}, e_k)."""
        return self.between + np.concatenate(([0], self.at_edge))

    @property
    def mean(self) -> float:
        return self.shift + self.shifted_sum / self.total if self.total else math.nan

    @property
    def std(self) -> float:
        if not self.total:
            return math.nan
        centred = self.shifted_sum / self.total
        return math.sqrt(max(self.shifted_squares / self.total - centred * centred, 0.0))

    def between_total(self, slot: int) -> float:
        """The sum of the values strictly inside slot ``slot``."""
        return float(self.between_sum[slot] + self.between[slot] * self.shift)

    @property
    def below_sum(self) -> float:
        return self.between_total(0)

    @property
    def above_sum(self) -> float:
        return self.between_total(len(self.edges))


@dataclass(frozen=True)
class CategoryTally:
    """Non-null values as text, counted against the reference's categories."""

    known: Mapping[str, int]  # counts of the reference's categories (absent: 0)
    unseen: Mapping[str, int]  # the most frequent other values (at most UNSEEN_KEPT)
    unseen_count: int = 0  # every other value
    unseen_distinct: int = 0

    @property
    def total(self) -> int:
        return int(sum(self.known.values()) + self.unseen_count)


@dataclass(frozen=True)
class CurrentColumn:
    kind: str
    dtype: str
    rows: int
    null_count: int
    positive_inf: int = 0
    negative_inf: int = 0
    numeric: BinnedValues | None = None
    categories: CategoryTally | None = None

    @property
    def present(self) -> int:
        """Values the distribution tests compare (finite numbers, non-null categories)."""
        if self.numeric is not None:
            return self.numeric.total
        if self.categories is not None:
            return self.categories.total
        return 0


@dataclass(frozen=True)
class CurrentProfile:
    """What the drift tests need of the current data: ``types`` of every column it has (kind and
    dtype, for the structural checks), and the counts of the compared ``columns``."""

    row_count: int
    types: Mapping[str, tuple[str, str]]
    columns: Mapping[str, CurrentColumn] = field(default_factory=dict)


def compared_columns(reference: ReferenceProfile, types: Mapping[str, tuple[str, str]], columns: Sequence[str] | None) -> list[str]:
    """Columns in both, with comparable kinds: the ones an engine counts."""
    wanted = list(reference.columns) if columns is None else list(dict.fromkeys(columns))
    return [
        name
        for name in wanted
        if name in reference.columns and name in types and comparable_kind(types[name][0]) == comparable_kind(reference.columns[name].kind)
    ]


def shift_for(reference: ColumnReference) -> float:
    mean = reference.numeric.mean if reference.numeric is not None else math.nan
    return float(mean) if math.isfinite(mean) else 0.0


def edges_of(reference: ColumnReference) -> np.ndarray:
    return reference.numeric.edges if reference.numeric is not None else np.empty(0)


def known_categories(reference: ColumnReference) -> list[str]:
    return list(reference.categories.counts) if reference.categories is not None else []


# ---- pandas: counts of one frame, merged over chunks ------------------------------------------


def bin_values(edges: np.ndarray, finite: np.ndarray, shift: float) -> BinnedValues:
    """Count finite ``values`` on ``edges`` (numpy)."""
    slots = np.searchsorted(edges, finite, side="right")
    at = np.zeros(len(finite), dtype=bool)
    inside = slots > 0
    at[inside] = finite[inside] == edges[slots[inside] - 1]
    size = len(edges) + 1
    with np.errstate(over="ignore"):  # values near the float64 limit: their square is inf, as numpy's std
        shifted = finite - shift
        squares = float((shifted * shifted).sum())
    return BinnedValues(
        edges,
        np.bincount(slots[at] - 1, minlength=len(edges)).astype(np.int64),
        np.bincount(slots[~at], minlength=size).astype(np.int64),
        np.bincount(slots[~at], weights=shifted[~at], minlength=size).astype(np.float64),
        shift,
        float(shifted.sum()),
        squares,
        float(finite.min()) if len(finite) else math.nan,
        float(finite.max()) if len(finite) else math.nan,
    )


def tally_categories(known: Sequence[str], counts: pd.Series) -> CategoryTally:
    """``counts``: value counts of the non-null values as text."""
    is_known = counts.index.isin(known)
    unseen = counts[~is_known].sort_values(ascending=False, kind="stable")
    return CategoryTally(
        {str(k): int(v) for k, v in counts[is_known].items()},
        {str(k): int(v) for k, v in unseen.iloc[:UNSEEN_TRACKED].items()},
        int(unseen.sum()),
        len(unseen),
    )


def count_series(reference: ColumnReference, series: pd.Series) -> CurrentColumn:
    kind, dtype = column_kind(series), str(series.dtype)
    if comparable_kind(reference.kind) == NUMERIC:
        values = numeric_values(series, kind)
        finite = values[np.isfinite(values)]
        return CurrentColumn(
            kind,
            dtype,
            len(values),
            int(np.isnan(values).sum()),
            int(np.isposinf(values).sum()),
            int(np.isneginf(values).sum()),
            numeric=bin_values(edges_of(reference), finite, shift_for(reference)),
        )
    counts = category_values(series).value_counts()
    tally = tally_categories(known_categories(reference), counts)
    return CurrentColumn(kind, dtype, len(series), len(series) - tally.total, categories=tally)


def frame_types(frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    return {str(name): (column_kind(frame[name]), str(frame[name].dtype)) for name in frame.columns}


def count_frame(reference: ReferenceProfile, frame: pd.DataFrame, columns: Sequence[str] | None = None) -> CurrentProfile:
    """The current side of ``frame`` against ``reference`` (only ``columns``, when given)."""
    types = frame_types(frame)
    names = compared_columns(reference, types, columns)
    return CurrentProfile(len(frame), types, {name: count_series(reference.columns[name], frame[name]) for name in names})


def count_chunks(reference: ReferenceProfile, chunks: Iterable[pd.DataFrame], columns: Sequence[str] | None = None) -> CurrentProfile:
    """The current side of streamed frames: each chunk counted, the counts added (bounded memory)."""
    merged: CurrentProfile | None = None
    for chunk in chunks:
        part = count_frame(reference, chunk, columns)
        merged = part if merged is None else merge_profiles(merged, part)
    if merged is None:
        return CurrentProfile(0, {})
    return merged


def merge_profiles(a: CurrentProfile, b: CurrentProfile) -> CurrentProfile:
    if not a.row_count and not a.columns:
        return b
    columns = {name: merge_columns(a.columns[name], b.columns[name]) for name in a.columns if name in b.columns}
    return CurrentProfile(a.row_count + b.row_count, a.types or b.types, columns)


def merge_columns(a: CurrentColumn, b: CurrentColumn) -> CurrentColumn:
    numeric = categories = None
    if a.numeric is not None and b.numeric is not None:
        x, y = a.numeric, b.numeric
        numeric = BinnedValues(
            x.edges,
            x.at_edge + y.at_edge,
            x.between + y.between,
            x.between_sum + y.between_sum,
            x.shift,
            x.shifted_sum + y.shifted_sum,
            x.shifted_squares + y.shifted_squares,
            float(np.nanmin([x.minimum, y.minimum])) if x.total or y.total else math.nan,
            float(np.nanmax([x.maximum, y.maximum])) if x.total or y.total else math.nan,
        )
    if a.categories is not None and b.categories is not None:
        known = dict(a.categories.known)
        for value, count in b.categories.known.items():
            known[value] = known.get(value, 0) + count
        unseen = dict(a.categories.unseen)
        for value, count in b.categories.unseen.items():
            if value in unseen or len(unseen) < UNSEEN_TRACKED:
                unseen[value] = unseen.get(value, 0) + count
        # Distinct never-seen values are exact while fewer than UNSEEN_TRACKED; beyond, a lower bound.
        distinct = max(len(unseen), a.categories.unseen_distinct, b.categories.unseen_distinct)
        categories = CategoryTally(known, unseen, a.categories.unseen_count + b.categories.unseen_count, distinct)
    return CurrentColumn(
        a.kind,
        a.dtype,
        a.rows + b.rows,
        a.null_count + b.null_count,
        a.positive_inf + b.positive_inf,
        a.negative_inf + b.negative_inf,
        numeric,
        categories,
    )


def most_frequent_unseen(tally: CategoryTally, limit: int) -> Iterator[tuple[str, int]]:
    yield from sorted(tally.unseen.items(), key=lambda item: -item[1])[:limit]


# ---- a reference profile made of the same counts -------------------------------------------------


def quantile_positions(count: int, bins: int = HISTOGRAM_BINS) -> np.ndarray:
    """0-based ranks of the reference's edges among ``count`` sorted values: numpy's
    ``quantile(method="lower")`` at 0, 1/bins, …, 1, computed as numpy computes them."""
    quantiles = np.linspace(0.0, 1.0, bins + 1)
    virtual = count * quantiles + (1 + quantiles * (1 - 1 - 1)) - 1  # numpy's alpha = beta = 1
    return np.unique(np.clip(np.floor(virtual), 0, count - 1).astype(np.int64))


def exact_edges(edges: Iterable[float], minimum: float, maximum: float) -> np.ndarray:
    """Edges that start at the minimum and end at the maximum (approximate quantiles may miss them)."""
    inner = np.asarray([e for e in edges if minimum < e < maximum], dtype="float64")
    return np.unique(np.concatenate(([minimum], inner, [maximum])))


def numeric_reference(kind: str, dtype: str, rows: int, null_count: int, non_finite: int, binned: BinnedValues | None) -> ColumnReference:
    """A numeric column of a reference profile from its values counted on its own edges."""
    sketch = None
    if binned is not None and binned.total:
        sketch = NumericSketch(
            binned.edges,
            binned.bin_counts.astype(np.int64),
            binned.mean,
            binned.std,
            # every value is an edge: one bin per value, the CDF a step (reference.numeric_sketch)
            bool(binned.between.sum() == 0),
        )
    return ColumnReference(kind, dtype, rows, null_count, numeric=sketch, non_finite_count=non_finite)


def categorical_reference(
    kind: str, dtype: str, rows: int, null_count: int, top: Sequence[tuple[str, int]], distinct: int, top_categories: int = TOP_CATEGORIES
) -> ColumnReference:
    """A categorical column from its most frequent values (most frequent first) and distinct count."""
    kept = dict((str(value), int(count)) for value, count in list(top)[:top_categories])
    present = rows - null_count
    # Like reference.category_counts: counts (maybe none) even when every value is null.
    categories = CategoryCounts(kept, max(present - sum(kept.values()), 0), int(distinct) if present else 0)
    return ColumnReference(kind, dtype, rows, null_count, categories=categories)
