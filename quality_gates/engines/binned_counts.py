"""Reference profiles and drift's current side from a few counting primitives, the same on every
engine (SQL, polars, Spark): each engine says how to count, this module what to count.

An engine (``Counting``) answers, for the columns of its data:

* ``types()``: every column's kind and pandas-like dtype name;
* ``scan(names)``: the row count and, per column, its non-null (``present``) and ±inf counts, in
  one pass;
* ``edges(name, positions, finite)``: the finite values at those 0-based ranks in sorted order
  (exact, or approximate with the engine's stated bound: the outer edges are then replaced by
  the exact minimum and maximum);
* ``slots(name, edges, shift)``: one row per non-empty slot of the finite values on ``edges``:
  (slot, count, sum and sum of squares of value - shift, min, max), slot 2i + 1 for values equal
  to edge i, 2k for values strictly inside slot k;
* ``top_values(name, limit, excluded)``: the most frequent categories (as text) with their counts,
  and the number of distinct ones;
* ``known_counts(name, known)``: counts of ``known`` categories, every other value under None.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from quality_gates.checks.profiles.binned import (
    UNSEEN_KEPT,
    BinnedValues,
    CategoryTally,
    CurrentColumn,
    CurrentProfile,
    categorical_reference,
    compared_columns,
    edges_of,
    exact_edges,
    known_categories,
    numeric_reference,
    quantile_positions,
    shift_for,
)
from quality_gates.checks.profiles.model import NUMERIC
from quality_gates.checks.profiles.reference import HISTOGRAM_BINS, TOP_CATEGORIES, ReferenceProfile, comparable_kind


class Counting(Protocol):
    def types(self) -> dict[str, tuple[str, str]]: ...

    def scan(self, names: Sequence[str]) -> tuple[int, dict[str, dict[str, int]]]: ...

    def edges(self, name: str, positions: np.ndarray, finite: int) -> list[float]: ...

    def slots(self, name: str, edges: np.ndarray, shift: float) -> list[tuple]: ...

    def top_values(self, name: str, limit: int, excluded: Sequence[str] | None = None) -> tuple[list[tuple[str, int]], int]: ...

    def known_counts(self, name: str, known: Sequence[str]) -> dict[str | None, int]: ...


def binned_from_slots(rows: Sequence[Sequence[Any]], edges: np.ndarray, shift: float) -> BinnedValues:
    at_edge = np.zeros(len(edges), dtype=np.int64)
    between = np.zeros(len(edges) + 1, dtype=np.int64)
    between_sum = np.zeros(len(edges) + 1, dtype=np.float64)
    total_sum = total_squares = 0.0
    minimum, maximum = math.inf, -math.inf
    for slot, n, shifted_sum, shifted_squares, low, high in rows:
        slot, n = int(slot), int(n)
        if slot % 2:
            at_edge[slot // 2] = n
        else:
            between[slot // 2] = n
            between_sum[slot // 2] = float(shifted_sum)
        total_sum += float(shifted_sum)
        total_squares += float(shifted_squares)
        minimum, maximum = min(minimum, float(low)), max(maximum, float(high))
    if not rows:
        minimum = maximum = math.nan
    return BinnedValues(edges, at_edge, between, between_sum, shift, total_sum, total_squares, minimum, maximum)


def count_current(engine: Counting, reference: ReferenceProfile, columns: Sequence[str] | None) -> CurrentProfile:
    """Drift's current side: counts on ``reference``'s edges and of its categories."""
    types = engine.types()
    names = compared_columns(reference, types, columns)
    rows, counts = engine.scan(names)
    measured = {}
    for name in names:
        expected, tally = reference.columns[name], counts[name]
        kind, dtype = types[name]
        nulls = rows - tally["present"]
        if comparable_kind(expected.kind) == NUMERIC:
            edges, shift = edges_of(expected), shift_for(expected)
            binned = binned_from_slots(engine.slots(name, edges, shift), edges, shift)
            measured[name] = CurrentColumn(
                kind, dtype, rows, nulls, tally.get("positive_inf", 0), tally.get("negative_inf", 0), numeric=binned
            )
        else:
            measured[name] = CurrentColumn(kind, dtype, rows, nulls, categories=_tally(engine, name, known_categories(expected)))
    return CurrentProfile(rows, types, measured)


def _tally(engine: Counting, name: str, known: list[str]) -> CategoryTally:
    counts = engine.known_counts(name, known)
    unseen_count = counts.pop(None, 0)
    unseen, distinct = engine.top_values(name, UNSEEN_KEPT, excluded=known) if unseen_count else ([], 0)
    return CategoryTally({str(k): v for k, v in counts.items()}, dict(unseen), unseen_count, distinct)


def count_reference(
    engine: Counting,
    columns: Sequence[str] | None,
    bins: int = HISTOGRAM_BINS,
    top_categories: int = TOP_CATEGORIES,
    skip_missing: bool = False,
) -> ReferenceProfile:
    """A reference profile: edges at the reference's quantiles, then exact counts on them
    (``skip_missing``: requested columns the data lacks are left out instead of an error)."""
    types = engine.types()
    names = list(types) if columns is None else [name for name in columns if name in types or not skip_missing]
    missing = [name for name in names if name not in types]
    if missing:
        raise KeyError(f"columns not in the reference data: {', '.join(missing)}; it has {', '.join(types)}")
    rows, counts = engine.scan(names)
    profiled = {}
    for name in names:
        (kind, dtype), tally = types[name], counts[name]
        nulls = rows - tally["present"]
        if comparable_kind(kind) == NUMERIC:
            non_finite = tally.get("positive_inf", 0) + tally.get("negative_inf", 0)
            finite = tally["present"] - non_finite
            binned = None
            if finite:
                edges = np.unique(np.asarray(engine.edges(name, quantile_positions(finite, bins), finite), dtype="float64"))
                shift = float(edges[len(edges) // 2])
                binned = binned_from_slots(engine.slots(name, edges, shift), edges, shift)
                if binned.minimum < edges[0] or binned.maximum > edges[-1]:  # approximate edges: bracket every value
                    edges = exact_edges(edges, binned.minimum, binned.maximum)
                    binned = binned_from_slots(engine.slots(name, edges, shift), edges, shift)
            profiled[name] = numeric_reference(kind, dtype, rows, nulls, non_finite, binned)
        else:
            top, distinct = engine.top_values(name, top_categories)
            profiled[name] = categorical_reference(kind, dtype, rows, nulls, top, distinct, top_categories)
    return ReferenceProfile(rows, profiled, created_at=dt.datetime.now(dt.UTC))
