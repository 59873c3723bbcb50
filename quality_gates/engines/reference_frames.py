"""Reference profiles and drift's current side on pandas chunks and on polars (lazy scans).

pandas: chunk by chunk, so memory is bounded by the chunk size. The current side adds the
chunks' counts (exact). A reference of one chunk (an in-memory frame) is profiled exactly; over
several chunks, the chunks' own profiles are merged (``merge_references``) for the edges and the
categories, and a second pass counts every value on the merged edges, so the histogram's counts,
moments and null counts are exact and only the edges' placement is approximate (and categories,
when a chunk has more than ``TOP_CATEGORIES`` distinct values).

polars: the counting primitives of ``binned_counts`` as lazy queries (projection pushdown on a
``scan_parquet``; ``search_sorted`` against the edges, grouped by slot). Edges are exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from quality_gates.checks.errors import require_unique_column_names
from quality_gates.checks.profiles.binned import CurrentProfile, count_chunks, numeric_reference
from quality_gates.checks.profiles.model import BOOLEAN, CATEGORICAL, DATETIME, NUMERIC
from quality_gates.checks.profiles.reference import (
    HISTOGRAM_BINS,
    MAX_CATEGORY_CHARS,
    TOP_CATEGORIES,
    ReferenceProfile,
    comparable_kind,
    merge_references,
    profile_reference,
)
from quality_gates.engines.binned_counts import count_current, count_reference
from quality_gates.engines.computation import PandasChunks, PolarsFrame

# ---- pandas chunks -----------------------------------------------------------------------------


def _checked(computation: PandasChunks):
    for chunk in computation.chunks():
        require_unique_column_names(chunk.columns, computation.name)
        yield chunk


def current_pandas(computation: PandasChunks, reference: ReferenceProfile, *, columns: Sequence[str] | None) -> CurrentProfile:
    return count_chunks(reference, _checked(computation), columns)


def reference_pandas(
    computation: PandasChunks,
    *,
    columns: Sequence[str] | None,
    bins: int = HISTOGRAM_BINS,
    top_categories: int = TOP_CATEGORIES,
    skip_missing: bool = False,
) -> ReferenceProfile:
    import pandas as pd

    chunks = _checked(computation)
    first = next(chunks, pd.DataFrame())
    if skip_missing and columns is not None:
        columns = [name for name in columns if name in first.columns]
    second = next(chunks, None)
    if second is None:
        return profile_reference(first, columns=columns, bins=bins, top_categories=top_categories)
    parts = [profile_reference(chunk, columns=columns, bins=bins, top_categories=top_categories) for chunk in (first, second)]
    parts += [profile_reference(chunk, columns=columns, bins=bins, top_categories=top_categories) for chunk in chunks]
    merged = merge_references(parts, bins=bins, top_categories=top_categories)
    counted = count_chunks(merged, _checked(computation), columns)
    profiled = {}
    for name, column in merged.columns.items():
        current = counted.columns[name]
        if comparable_kind(column.kind) == NUMERIC:
            non_finite = current.positive_inf + current.negative_inf
            profiled[name] = numeric_reference(column.kind, column.dtype, current.rows, current.null_count, non_finite, current.numeric)
        else:
            profiled[name] = column
    return ReferenceProfile(counted.row_count, profiled, created_at=merged.created_at)


# ---- polars ------------------------------------------------------------------------------------


class PolarsCounting:
    """The counting primitives of ``binned_counts`` as polars lazy queries."""

    def __init__(self, computation: PolarsFrame):
        self.lazy = computation.lazy()
        self.schema = dict(self.lazy.collect_schema())
        require_unique_column_names(self.schema, computation.name)

    def _kind(self, name: str) -> str:
        import polars as pl

        dtype = self.schema[name]
        if dtype == pl.Boolean:
            return BOOLEAN
        if dtype.is_numeric():
            return NUMERIC
        if dtype.is_temporal() and dtype != pl.Time and not isinstance(dtype, pl.Duration):
            return DATETIME
        return CATEGORICAL

    def types(self) -> dict[str, tuple[str, str]]:
        import polars as pl

        def dtype_name(name: str) -> str:
            dtype, kind = self.schema[name], self._kind(name)
            if kind == BOOLEAN:
                return "bool"
            if kind == NUMERIC:
                return "int64" if dtype.is_integer() else "float64"
            if kind == DATETIME:
                return "datetime64[us, UTC]" if getattr(dtype, "time_zone", None) else "datetime64[us]"
            return "str" if dtype == pl.String else "object"

        return {name: (self._kind(name), dtype_name(name)) for name in self.schema}

    def _value(self, name: str) -> Any:
        import polars as pl

        column = pl.col(name)
        if self._kind(name) == DATETIME:
            stamps = column.cast(pl.Datetime("us")) if self.schema[name] == pl.Date else column
            return stamps.dt.epoch("us").cast(pl.Float64) / 1_000_000.0
        return column.cast(pl.Float64)

    def _text(self, name: str) -> Any:
        import polars as pl

        column = pl.col(name)
        if self._kind(name) == BOOLEAN:
            return pl.when(column.is_null()).then(None).when(column).then(pl.lit("True")).otherwise(pl.lit("False"))
        if self.schema[name] == pl.String:
            return column.str.slice(0, MAX_CATEGORY_CHARS)
        return column.cast(pl.String)

    def scan(self, names: Sequence[str]) -> tuple[int, dict[str, dict[str, int]]]:
        import polars as pl

        parts = [pl.len().alias("rows")]
        for index, name in enumerate(names):
            if comparable_kind(self._kind(name)) == NUMERIC:
                value = self._value(name)
                parts += [
                    (value.is_not_null() & ~value.is_nan()).sum().alias(f"c{index}_present"),
                    (value == float("inf")).sum().alias(f"c{index}_positive_inf"),
                    (value == float("-inf")).sum().alias(f"c{index}_negative_inf"),
                ]
            else:
                parts.append(pl.col(name).is_not_null().sum().alias(f"c{index}_present"))
        row = self.lazy.select(parts).collect().row(0, named=True)
        counts = {
            name: {key.split("_", 1)[1]: int(value or 0) for key, value in row.items() if key.startswith(f"c{index}_")}
            for index, name in enumerate(names)
        }
        return int(row["rows"]), counts

    def _finite_values(self, name: str) -> Any:
        import polars as pl

        return self.lazy.select(self._value(name).alias("v")).filter(pl.col("v").is_finite())

    def edges(self, name: str, positions: np.ndarray, finite: int) -> list[float]:
        import polars as pl

        ordered = self._finite_values(name).select(pl.col("v").sort().gather(pl.lit(pl.Series(positions, dtype=pl.Int64))))
        return ordered.collect()["v"].to_list()

    def slots(self, name: str, edges: np.ndarray, shift: float) -> list[tuple]:
        import polars as pl

        value = pl.col("v")
        if len(edges):
            series = pl.lit(pl.Series(edges, dtype=pl.Float64))
            below = series.search_sorted(value, side="right").cast(pl.Int64)
            at = (below > 0) & (value == series.gather((below - 1).clip(0)))
            slot = pl.when(at).then(2 * below - 1).otherwise(2 * below)
        else:
            slot = pl.lit(0, dtype=pl.Int64)
        shifted = value - shift
        grouped = (
            self._finite_values(name)
            .group_by(slot.alias("slot"))
            .agg(pl.len(), shifted.sum(), (shifted * shifted).sum().alias("squares"), value.min().alias("min"), value.max().alias("max"))
        )
        return grouped.collect().rows()

    def _categories(self, name: str) -> Any:
        import polars as pl

        return self.lazy.select(self._text(name).alias("v")).filter(pl.col("v").is_not_null())

    def top_values(self, name: str, limit: int, excluded: Sequence[str] | None = None) -> tuple[list[tuple[str, int]], int]:
        import polars as pl

        values = self._categories(name)
        if excluded is not None:
            values = values.filter(~pl.col("v").is_in(list(excluded)))
        counts = values.group_by("v").agg(pl.len().alias("n")).collect()
        top = counts.sort(["n", "v"], descending=[True, False]).head(limit)
        return [(str(v), int(n)) for v, n in top.rows()], counts.height

    def known_counts(self, name: str, known: Sequence[str]) -> dict[str | None, int]:
        import polars as pl

        category = pl.when(pl.col("v").is_in(list(known))).then(pl.col("v")).alias("category")
        grouped = self._categories(name).select(category).group_by("category").agg(pl.len())
        return {value: int(n) for value, n in grouped.collect().rows()}


def current_polars(computation: PolarsFrame, reference: ReferenceProfile, *, columns: Sequence[str] | None) -> CurrentProfile:
    return count_current(PolarsCounting(computation), reference, columns)


def reference_polars(
    computation: PolarsFrame,
    *,
    columns: Sequence[str] | None,
    bins: int = HISTOGRAM_BINS,
    top_categories: int = TOP_CATEGORIES,
    skip_missing: bool = False,
) -> ReferenceProfile:
    return count_reference(PolarsCounting(computation), columns, bins, top_categories, skip_missing)
