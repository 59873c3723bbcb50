"""Reference profiles: what the drift tests need from training data, computed once and stored.

A partition profile (``model.py``) keeps a few quantiles per column, enough to judge one
partition against the history of others. Comparing serving data with the data a model was
trained on needs whole distributions, and the training data should be read only once, when the
model is trained. So a reference profile keeps, per column:

* numeric and datetime columns (datetimes as seconds since the epoch): a fine histogram whose
  bin edges are the reference's own quantiles at 0, 1/1000, …, 1 (distinct values only), with
  exact counts per bin, plus count, mean, std, min and max. Current data is binned on the same
  edges, which makes the KS statistic exact at every edge (off by at most one bin's mass,
  0.1% of the rows, between edges) and lets PSI use the reference's deciles. Discrete columns
  (a handful of integers) get one bin per value, so their tests are exact.
* categorical and boolean columns: counts of the ``TOP_CATEGORIES`` most frequent values and
  one count for all other values (bounded size, whatever the cardinality).
* every column: dtype, row count, null count.

Reference profiles merge (``merge_references``): category counts add; histograms are combined as
piecewise-uniform distributions and cut again at the merged quantiles.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from quality_gates.checks.profiles.model import CATEGORICAL, DATETIME, NUMERIC

if TYPE_CHECKING:
    import pandas as pd

HISTOGRAM_BINS = 1000
TOP_CATEGORIES = 1000
MAX_CATEGORY_CHARS = 200
FORMAT_VERSION = 1
NUMERIC_KINDS = (NUMERIC, DATETIME)


@dataclass(frozen=True)
class NumericSketch:
    """Counts over ``edges``: bin 0 holds values below ``edges[0]``, bin i values in
    [edges[i-1], edges[i]), the last bin values >= ``edges[-1]`` (the reference maximum)."""

    edges: np.ndarray
    counts: np.ndarray
    mean: float
    std: float
    # True when every reference value is one of ``edges`` (a discrete column: one bin per value),
    # so the CDF is a step between edges, not linear within a bin.
    discrete: bool = False

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def bin_counts(self, values: np.ndarray) -> np.ndarray:
        """Counts of other values on these edges (values must be finite)."""
        return np.bincount(np.searchsorted(self.edges, values, side="right"), minlength=len(self.edges) + 1)


@dataclass(frozen=True)
class CategoryCounts:
    counts: Mapping[str, int]  # the most frequent values, most frequent first
    other: int = 0  # non-null values outside ``counts`` (0: ``counts`` lists every value)
    distinct: int = 0

    @property
    def total(self) -> int:
        return int(sum(self.counts.values()) + self.other)


@dataclass(frozen=True)
class ColumnReference:
    kind: str
    dtype: str
    count: int  # rows, nulls included
    null_count: int | None  # None: unknown (a reference stored before null counts were kept)
    numeric: NumericSketch | None = None
    categories: CategoryCounts | None = None
    non_finite_count: int = 0  # ±inf: neither null nor part of the histogram

    @property
    def null_fraction(self) -> float:
        if self.null_count is None or not self.count:
            return math.nan
        return self.null_count / self.count

    @property
    def present(self) -> int:
        """Values the distribution tests compare."""
        if self.numeric is not None:
            return self.numeric.total
        if self.categories is not None:
            return self.categories.total
        return 0


@dataclass(frozen=True)
class ReferenceProfile:
    row_count: int
    columns: Mapping[str, ColumnReference]
    dataset: str | None = None
    version: str | None = None
    created_at: dt.datetime | None = None
    format_version: int = FORMAT_VERSION

    def describe(self) -> str:
        return f"reference '{self.dataset}' version '{self.version}'" if self.dataset else "reference data"

    def labelled(self, dataset: str | None, version: str | None) -> ReferenceProfile:
        return replace(self, dataset=dataset, version=version)


def comparable_kind(kind: str) -> str:
    """Numeric and datetime columns share the numeric tests; booleans are categories."""
    return NUMERIC if kind in NUMERIC_KINDS else CATEGORICAL


def column_kind(series: pd.Series) -> str:
    from quality_gates.checks.profiles.pandas_engine import column_kind as kind_of

    return kind_of(series)


def numeric_values(series: pd.Series, kind: str) -> np.ndarray:
    """float64 values (NaN for nulls); datetimes as seconds since the epoch (UTC)."""
    import pandas as pd

    if kind == DATETIME:
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return (series - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy(dtype="float64", na_value=np.nan)
    return series.to_numpy(dtype="float64", na_value=np.nan)


def category_values(series: pd.Series) -> pd.Series:
    """Non-null values as text, the form categories are stored and compared in."""
    present = series.dropna()
    if present.dtype == object or str(present.dtype) in ("string", "str"):
        return present.astype(str).str.slice(0, MAX_CATEGORY_CHARS)
    return present.astype(str)


def profile_reference(
    frame: pd.DataFrame, *, columns: Iterable[str] | None = None, bins: int = HISTOGRAM_BINS, top_categories: int = TOP_CATEGORIES
) -> ReferenceProfile:
    """Profile ``frame`` (usually the training data) once, for later drift comparisons."""
    names = [str(c) for c in frame.columns] if columns is None else list(columns)
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise KeyError(f"columns not in the reference data: {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}")
    return ReferenceProfile(
        len(frame),
        {name: profile_reference_column(frame[name], bins=bins, top_categories=top_categories) for name in names},
        created_at=dt.datetime.now(dt.UTC),
    )


def profile_reference_column(series: pd.Series, *, bins: int = HISTOGRAM_BINS, top_categories: int = TOP_CATEGORIES) -> ColumnReference:
    kind = column_kind(series)
    dtype = str(series.dtype)
    if comparable_kind(kind) == NUMERIC:
        values = numeric_values(series, kind)
        nulls = int(np.isnan(values).sum())
        finite = values[np.isfinite(values)]
        return ColumnReference(
            kind, dtype, len(values), nulls, numeric=numeric_sketch(finite, bins), non_finite_count=len(values) - nulls - len(finite)
        )
    present = category_values(series)
    return ColumnReference(kind, dtype, len(series), len(series) - len(present), categories=category_counts(present, top_categories))


def numeric_sketch(finite: np.ndarray, bins: int = HISTOGRAM_BINS) -> NumericSketch | None:
    if not len(finite):
        return None
    ordered = np.sort(finite)
    # "lower" picks actual values as edges, so discrete columns get one exact bin per value.
    edges = np.unique(np.quantile(ordered, np.linspace(0.0, 1.0, bins + 1), method="lower"))
    below = np.searchsorted(ordered, edges, side="left")
    counts = np.diff(np.concatenate(([0], below, [len(ordered)])))
    discrete = len(edges) == len(np.unique(ordered))  # edges are actual values, so equal counts mean the same set
    return NumericSketch(edges, counts.astype(np.int64), float(ordered.mean()), float(ordered.std()), discrete)


def category_counts(present: pd.Series, top: int = TOP_CATEGORIES) -> CategoryCounts:
    counts = present.value_counts(sort=True)
    kept = counts.iloc[:top]
    return CategoryCounts({str(k): int(v) for k, v in kept.items()}, int(counts.iloc[top:].sum()), len(counts))


# -- merging (e.g. profiles of chunks or of several training days) ----------------------------


def merge_references(
    profiles: Iterable[ReferenceProfile], *, bins: int = HISTOGRAM_BINS, top_categories: int = TOP_CATEGORIES
) -> ReferenceProfile:
    profiles = list(profiles)
    if not profiles:
        raise ValueError("nothing to merge")
    names = list(dict.fromkeys(name for p in profiles for name in p.columns))
    columns = {}
    for name in names:
        parts = [p.columns[name] for p in profiles if name in p.columns]
        kinds = {comparable_kind(c.kind) for c in parts}
        if len(kinds) > 1:
            raise ValueError(f"column '{name}' has different types in the profiles to merge: {', '.join(sorted({c.dtype for c in parts}))}")
        columns[name] = _merge_columns(parts, bins, top_categories)
    return ReferenceProfile(sum(p.row_count for p in profiles), columns, created_at=dt.datetime.now(dt.UTC))


def _merge_columns(parts: list[ColumnReference], bins: int, top: int) -> ColumnReference:
    first = parts[0]
    nulls = [c.null_count for c in parts]
    base = dict(
        kind=first.kind,
        dtype=first.dtype,
        count=sum(c.count for c in parts),
        null_count=None if None in nulls else sum(nulls),
        non_finite_count=sum(c.non_finite_count for c in parts),
    )
    if comparable_kind(first.kind) == NUMERIC:
        return ColumnReference(**base, numeric=_merge_sketches([c.numeric for c in parts if c.numeric is not None], bins))
    totals: dict[str, int] = {}
    other = 0
    for part in parts:
        if part.categories is None:
            continue
        other += part.categories.other
        for value, count in part.categories.counts.items():
            totals[value] = totals.get(value, 0) + count
    ordered = sorted(totals.items(), key=lambda item: -item[1])
    kept = dict(ordered[:top])
    distinct = max([len(totals)] + [p.categories.distinct for p in parts if p.categories])
    return ColumnReference(**base, categories=CategoryCounts(kept, other + sum(v for _, v in ordered[top:]), distinct))


def _merge_sketches(sketches: list[NumericSketch], bins: int) -> NumericSketch | None:
    if not sketches:
        return None
    if len(sketches) == 1:
        return sketches[0]
    grid = np.unique(np.concatenate([s.edges for s in sketches]))
    # Each sketch as a CDF on the common grid (uniform within its bins); a point mass at its max.
    cdf = sum(_cdf_at(s, grid) * s.total for s in sketches)
    total = sum(s.total for s in sketches)
    cdf = cdf / total
    # New edges are points of the common grid (so values shared by all parts, such as the
    # integers of a discrete column, stay exact bin edges), at the merged quantiles.
    positions = np.searchsorted(cdf, np.linspace(0.0, 1.0, bins + 1), side="left").clip(0, len(grid) - 1)
    positions = np.unique(np.concatenate(([0], positions, [len(grid) - 1])))
    edges = grid[positions]
    below = np.round(cdf[positions] * total).astype(np.int64)
    counts = np.diff(np.concatenate(([0], below, [total])))
    mean = sum(s.mean * s.total for s in sketches) / total
    variance = sum((s.std**2 + (s.mean - mean) ** 2) * s.total for s in sketches) / total
    # Still discrete only if every part was and no value of the common grid was dropped.
    discrete = all(s.discrete for s in sketches) and len(edges) == len(grid)
    return NumericSketch(edges, np.maximum(counts, 0), float(mean), float(math.sqrt(variance)), discrete)


def _cdf_at(sketch: NumericSketch, points: np.ndarray) -> np.ndarray:
    """Share of the sketch's values below each point, uniform within bins."""
    below = np.cumsum(sketch.counts)[:-1] / sketch.total  # share below each edge
    return np.interp(points, sketch.edges, below, left=0.0, right=1.0) * (points <= sketch.edges[-1]) + (points > sketch.edges[-1])


# -- JSON documents (the store's reference_profiles.profile column) ---------------------------


def reference_to_json(profile: ReferenceProfile) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "row_count": profile.row_count,
        "created_at": profile.created_at.isoformat() if profile.created_at else None,
        "columns": {name: _column_to_json(column) for name, column in profile.columns.items()},
    }


def _column_to_json(column: ColumnReference) -> dict[str, Any]:
    document: dict[str, Any] = {
        "kind": column.kind,
        "dtype": column.dtype,
        "count": column.count,
        "null_count": column.null_count,
        "non_finite_count": column.non_finite_count,
    }
    if column.numeric is not None:
        sketch = column.numeric
        document["numeric"] = {
            "edges": [float(e) for e in sketch.edges],
            "counts": [int(c) for c in sketch.counts],
            "mean": sketch.mean,
            "std": sketch.std,
            "discrete": sketch.discrete,
        }
    if column.categories is not None:
        document["categories"] = {
            "counts": [[k, int(v)] for k, v in column.categories.counts.items()],
            "other": column.categories.other,
            "distinct": column.categories.distinct,
        }
    return document


def reference_from_json(document: Mapping[str, Any], *, dataset: str | None = None, version: str | None = None) -> ReferenceProfile:
    """Read any stored format version; fields an older version lacks take neutral defaults."""
    columns = {}
    for name, column in (document.get("columns") or {}).items():
        numeric = column.get("numeric")
        categories = column.get("categories")
        count = int(column.get("count") or document.get("row_count") or 0)
        columns[name] = ColumnReference(
            kind=column.get("kind", CATEGORICAL if categories else NUMERIC),
            dtype=column.get("dtype", "unknown"),
            count=count,
            null_count=None if column.get("null_count") is None else int(column["null_count"]),
            numeric=None
            if not numeric
            else NumericSketch(
                np.asarray(numeric["edges"], dtype="float64"),
                np.asarray(numeric["counts"], dtype="int64"),
                float(numeric.get("mean", math.nan)),
                float(numeric.get("std", math.nan)),
                bool(numeric.get("discrete", False)),  # absent in profiles stored before it was kept
            ),
            categories=None
            if not categories
            else CategoryCounts(
                {str(k): int(v) for k, v in categories.get("counts", [])},
                int(categories.get("other") or 0),
                int(categories.get("distinct") or len(categories.get("counts", []))),
            ),
            non_finite_count=int(column.get("non_finite_count") or 0),
        )
    created = document.get("created_at")
    return ReferenceProfile(
        int(document.get("row_count") or 0),
        columns,
        dataset,
        version,
        dt.datetime.fromisoformat(created) if created else None,
        int(document.get("format_version") or 0),
    )
