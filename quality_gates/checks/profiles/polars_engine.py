"""Profiles of polars DataFrames and LazyFrames, with the pandas engine's definitions.

Over all rows, in one query (one pass, every aggregate of every column in its final select):
the row count, null fractions, mean, std, min and max, zero, empty-string and true fractions,
datetime spans. The sample-based metrics come from the rows the pandas engine samples
(``sample_positions``), computed the same way, so both engines agree exactly on them.

Above ``sample_rows`` rows, ``SAMPLED_IN_POLARS`` (negative and integer fractions, string
length statistics, mean time of day) also come from those sampled rows: each costs a pass as
dear as all the moments (the characters of every string, the floor of every float), and a
profile must stay within twice a moments-only select (10M x 15: make bench). They equal the
pandas engine's values on the sampled rows; against all rows, with n sampled rows, a fraction
or a mean scaled to [0, 1] by the column's length range is within sqrt(ln(2/delta) / 2n)
with probability 1 - delta (Hoeffding: n = 100,000, delta = 0.05: 0.0043). Sampled length
extremes can miss rare values (the exact min and max of a string column's length are only
computed up to sample_rows rows).

Duplicate rows are counted exactly up to ``DUPLICATE_SUBSET_ROWS`` rows; above, among the rows
kept by a hash of key columns (``_duplicate_key``): all copies of a row are kept or dropped
together, so the share among kept rows estimates the share among all rows, with a standard
error of about sqrt(share * g / kept) for key groups of about g rows (g <= 2 for a key as
distinct as an id: 200,000 kept rows and a 3% share give +-0.0005), and 0 stays 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import polars as pl

from quality_gates.checks.json_safe import truncate
from quality_gates.checks.profiles.aggregates import exact_metrics, in_model_order
from quality_gates.checks.profiles.model import (
    BOOLEAN,
    CATEGORICAL,
    DATETIME,
    NUMERIC,
    QUANTILES,
    SAMPLE_ROWS,
    TOP_VALUES,
    ColumnProfile,
    PartitionProfile,
    finite_or_nan,
    safe_ratio,
)
from quality_gates.checks.profiles.pandas_engine import NS_PER_DAY, hour_of_day_shares, modal_date_share, sample_positions
from quality_gates.checks.profiles.sampled import SAMPLED_ABOVE_SAMPLE_ROWS

ROWS = "rows"
# Above sample_rows rows, these come from the sampled rows (the rows the pandas engine samples).
SAMPLED_IN_POLARS = SAMPLED_ABOVE_SAMPLE_ROWS
LIGHT_SKIPPED = frozenset({"negatives", "length_mean", "length_std", "length_min", "length_max", "time_of_day_mean"})  # their aggregates
# Duplicate rows are counted exactly up to this many rows; above, on about this many rows kept
# by a hash of key columns (all copies of a row together), see ``_duplicate_key``.
DUPLICATE_SUBSET_ROWS = 200_000
KEY_GROUP_SHARE = 0.001  # no key value may hold more of the sample than this
STD_ONE_PASS_RATIO = 1e5  # |mean| / std above which std is recomputed in two passes

# Types whose cast to String gives the text a user expects; other types (binary, nested,
# objects) become text through Python's str(), as in the pandas engine.
CASTABLE_TO_TEXT = (pl.String, pl.Categorical, pl.Enum, pl.Null, pl.Time, pl.Duration)


def column_kind(dtype: pl.DataType) -> str:
    if dtype == pl.Boolean:
        return BOOLEAN
    if dtype.is_integer() or dtype.is_float() or isinstance(dtype, pl.Decimal):
        return NUMERIC
    if isinstance(dtype, (pl.Date, pl.Datetime)):
        return DATETIME
    return CATEGORICAL


def profile_polars(frame: pl.DataFrame | pl.LazyFrame, *, sample_rows: int = SAMPLE_ROWS) -> PartitionProfile:
    lazy = frame.lazy()
    schema = lazy.collect_schema()
    kinds = {name: column_kind(dtype) for name, dtype in schema.items()}
    rows = frame.height if isinstance(frame, pl.DataFrame) else int(lazy.select(pl.len()).collect().item())
    positions = sample_positions(rows, sample_rows)
    sample = _sample(frame, list(schema), positions)
    if positions is None:  # every row is in the sample: one read of the data, not two
        frame, lazy = sample, sample.lazy()
    light = positions is not None
    every_row_duplicates = rows <= DUPLICATE_SUBSET_ROWS  # counted in the one pass over all rows
    # The pass over all rows runs (in polars' threads) while this thread works on the sample.
    with ThreadPoolExecutor(max_workers=1) as pool:
        all_rows = pool.submit(_exact_aggregates, lazy, schema, kinds, every_row_duplicates=every_row_duplicates, light=light)
        sampled = {name: _SAMPLED_BY_KIND[kind](sample.get_column(name)) for name, kind in kinds.items() if kind != BOOLEAN}
        of_sample = _exact_aggregates(sample.lazy(), schema, kinds, every_row_duplicates=False, light=False) if light else {}
        duplicates = None if every_row_duplicates else _kept_rows_duplicates(frame, schema, _duplicate_key(sample, schema, rows))
        exact = all_rows.result()
    if duplicates is not None:
        exact[DUPLICATES] = duplicates
    columns = {}
    for index, (name, kind) in enumerate(kinds.items()):
        metrics = exact_metrics(kind, exact[index], rows)
        if light:
            from_sample = exact_metrics(kind, of_sample[index], sample.height)
            # An integer column's integer fraction is 1 (or NaN without values): no need for the sample.
            replaced = SAMPLED_IN_POLARS - {"integer_fraction"} if schema[name].is_integer() else SAMPLED_IN_POLARS
            metrics |= {metric: from_sample[metric] for metric in replaced if metric in from_sample}
        top_values: TopValues = ()
        if kind != BOOLEAN:
            sampled_metrics, top_values = sampled[name]
            metrics |= sampled_metrics
        columns[name] = ColumnProfile(kind, in_model_order(kind, metrics), top_values)
    table = {"row_count": float(rows), "duplicate_row_share": _duplicate_share(exact.get(DUPLICATES, {}), rows, len(schema))}
    return PartitionProfile(rows, columns, table, rows if positions is None else len(positions))


def _sample(frame: pl.DataFrame | pl.LazyFrame, columns: list[str], positions: np.ndarray | None) -> pl.DataFrame:
    if isinstance(frame, pl.DataFrame):
        return frame.select(columns) if positions is None else frame.select(columns)[positions]
    lazy = frame.select(columns)
    if positions is None:
        return lazy.collect()
    # Filtering on the row number reads the rows once without holding them all: twice as fast
    # as LazyFrame.gather, which collects everything first.
    return lazy.filter(pl.int_range(pl.len(), dtype=pl.UInt64).is_in(pl.Series(positions, dtype=pl.UInt64))).collect()


# ---- exact metrics: one pass over all rows --------------------------------------------------


def _values(name: str, dtype: pl.DataType) -> pl.Expr:
    """The column as pandas sees it: NaN is missing, like None."""
    return _as_pandas_sees(pl.col(name), dtype)


def _as_pandas_sees(values: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    return values.fill_nan(None) if dtype.is_float() else values


def _text(name: str, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, CASTABLE_TO_TEXT):
        return pl.col(name).cast(pl.String)
    return pl.col(name).map_elements(str, return_dtype=pl.String)


def _epoch_ns(name: str) -> pl.Expr:
    return pl.col(name).dt.epoch("ns")  # UTC for zoned datetimes, midnight UTC for dates


def _exact_aggregates(
    lazy: pl.LazyFrame, schema: pl.Schema, kinds: dict[str, str], *, every_row_duplicates: bool, light: bool
) -> dict[Any, dict[str, Any]]:
    """Each column's aggregates (by position) and the duplicate count (under ``DUPLICATES``);
    ``light``: without the aggregates of ``SAMPLED_IN_POLARS`` (None in their place).

    One query over all rows; then, only for float columns holding NaN or infinities (or whose
    spread is tiny next to their mean), a second query over those columns alone. Most columns
    need no mask and polars' one-pass std: the common case costs one pass, not three.
    """
    found = _by_column(
        _exact_query(lazy, schema, kinds, every_row_duplicates=every_row_duplicates, masked=set(), light=light).collect().row(0, named=True)
    )
    redo = {name for index, name in enumerate(schema) if _needs_mask(found[index])}
    if redo:
        subset = pl.Schema({name: dtype for name, dtype in schema.items() if name in redo})
        again = _by_column(
            _exact_query(lazy.select(list(subset)), subset, kinds, every_row_duplicates=False, masked=redo, light=light)
            .collect()
            .row(0, named=True)
        )
        positions = {name: index for index, name in enumerate(schema)}
        for index, name in enumerate(subset):
            found[positions[name]] = again[index]
    return found


def _by_column(row: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    found: dict[Any, dict[str, Any]] = {}
    for key, value in row.items():
        column, _, aggregate = key.partition(":")
        found.setdefault(int(column) if column.isdigit() else column, {})[aggregate] = value
    return found


def _needs_mask(aggregates: dict[str, Any]) -> bool:
    """Whether a numeric column's one-pass moments differ from the pandas engine's: NaN or
    infinities made the mean non-finite, or the mean is so large next to the spread that the
    one-pass std loses digits (polars' std is within 1e-12 relative up to |mean| = 1e6 std)."""
    if "std" not in aggregates or aggregates["mean"] is None:
        return False  # not numeric, or no value at all
    mean, std = aggregates["mean"], aggregates["std"]
    if not math.isfinite(mean):
        return True
    if aggregates["min"] == aggregates["max"]:
        aggregates["std"] = 0.0  # one value: exactly no spread, whatever the rounding of one pass
        return False
    return abs(mean) > STD_ONE_PASS_RATIO * std


def _exact_query(
    lazy: pl.LazyFrame, schema: pl.Schema, kinds: dict[str, str], *, every_row_duplicates: bool, masked: set[str], light: bool
) -> pl.LazyFrame:
    """One pass, two steps: values derived from each column (text lengths, epoch stamps, the
    duplicate key's bucket) are computed once, then every aggregate of every column in one
    select. Polars does not share a subexpression between aggregates, so deriving inside each
    aggregate would repeat the work: 2.5x slower on 10M rows."""
    derived: dict[str, pl.Expr] = {}
    aggregates = [pl.len().alias(ROWS)]
    for index, (name, dtype) in enumerate(schema.items()):
        exact = _numeric_masked if name in masked else _EXACT_BY_KIND[kinds[name]]
        column_derived, column_aggregates = exact(name, dtype, lambda role, i=index: f"{i}:{role}")
        if light:  # the sample's values stand in for these: no pass over all rows for them
            skipped = LIGHT_SKIPPED if dtype.is_integer() else LIGHT_SKIPPED | {"integers"}
            column_aggregates = {a: pl.lit(None) if a in skipped else e for a, e in column_aggregates.items()}
            column_derived = {k: e for k, e in column_derived.items() if not k.endswith(":length")}
        derived |= column_derived
        aggregates += [expression.alias(f"{index}:{aggregate}") for aggregate, expression in column_aggregates.items()]
    if every_row_duplicates and schema:
        duplicate_derived, duplicate_aggregates = _every_row_duplicates(schema)
        derived |= duplicate_derived
        aggregates += duplicate_aggregates
    return lazy.select([expression.alias(name) for name, expression in derived.items()]).select(aggregates)


# ---- duplicate rows: exact up to DUPLICATE_SUBSET_ROWS rows, estimated above ------------------

DuplicateKey = tuple[tuple[str, ...], int]  # (key columns, buckets): 1 bucket keeps every row
DUPLICATES = "duplicates"


def _duplicate_key(sample: pl.DataFrame, schema: pl.Schema, rows: int) -> DuplicateKey:
    """Which columns decide whether a row is kept for the duplicate count, and how many buckets.

    Every copy of a row has the same values in every column, so keeping the rows whose key
    columns hash into one of ``buckets`` buckets keeps all copies of each kept row together:
    the share of repeats among the kept rows estimates the share among all rows (and is 0 when
    there is none). The key is the fewest columns (most distinct first) none of whose values
    holds more than ``KEY_GROUP_SHARE`` of the sample: kept rows then come in small groups, as
    in a uniform sample. Without such columns, or at most ``DUPLICATE_SUBSET_ROWS`` rows, every
    row is counted.
    """
    buckets = -(-rows // DUPLICATE_SUBSET_ROWS)
    names = list(schema)
    if buckets <= 1 or not sample.height:
        return tuple(names), 1
    hashes = sample.select([_values(name, dtype).hash(seed=i).alias(name) for i, (name, dtype) in enumerate(schema.items())])
    by_distinct = sorted(names, key=lambda name: -hashes.get_column(name).n_unique())
    largest_group = max(1, int(KEY_GROUP_SHARE * sample.height))
    for size in range(1, len(names)):
        key = by_distinct[:size]
        if int(hashes.select(pl.sum_horizontal(key).value_counts(sort=True).struct.field("count").first()).item()) <= largest_group:
            return tuple(key), buckets
    return tuple(names), 1


def _row_hash(schema: pl.Schema, columns: tuple[str, ...] | None = None) -> pl.Expr:
    """A 64-bit hash per row (of ``columns``, all by default), NaN hashing as null.

    The wrapping sum of each column's hash, every column with its own seed so that swapping
    values between columns changes the sum: three times faster than hashing a struct of the
    row. Like the pandas engine's 64-bit hashes, two distinct rows collide with probability
    ~2^-64 (10M rows: ~3e-6 expected false duplicates).
    """
    wanted = set(schema) if columns is None else set(columns)
    hashes = [_values(name, dtype).hash(seed=i) for i, (name, dtype) in enumerate(schema.items()) if name in wanted]
    return hashes[0] if len(hashes) == 1 else pl.sum_horizontal(hashes)


def _every_row_duplicates(schema: pl.Schema) -> tuple[dict[str, pl.Expr], list[pl.Expr]]:
    """Derived row hashes and the aggregates counting them, for the one exact query."""
    hashes = pl.col(f"{DUPLICATES}:hash")
    return {f"{DUPLICATES}:hash": _row_hash(schema)}, [
        hashes.n_unique().alias(f"{DUPLICATES}:distinct"),
        pl.len().alias(f"{DUPLICATES}:kept"),
    ]


def _kept_rows_duplicates(frame: pl.DataFrame | pl.LazyFrame, schema: pl.Schema, key: DuplicateKey) -> dict[str, Any]:
    """The kept rows' count and distinct rows: only they are hashed in full (10M rows, about
    300k kept: a third of one moments pass instead of twice one)."""
    columns, buckets = key
    if buckets == 1:  # no key found: every row
        return frame.lazy().select(_row_hash(schema).n_unique().alias("distinct"), pl.len().alias("kept")).collect().row(0, named=True)
    kept = _row_hash(schema, columns) < pl.lit(2**64 // buckets, dtype=pl.UInt64)  # a comparison: half a modulo's cost
    if isinstance(frame, pl.DataFrame):  # positions, then gather: much faster than filter on a wide frame
        subset = frame[frame.select(kept.arg_true()).to_series()].lazy()
    else:
        subset = frame.filter(kept)
    return subset.select(_row_hash(schema).n_unique().alias("distinct"), pl.len().alias("kept")).collect().row(0, named=True)


Exact = tuple[dict[str, pl.Expr], dict[str, pl.Expr]]  # (derived columns, aggregates over them)
Key = Callable[[str], str]  # the name of one of the column's derived values


def _numeric_exact(name: str, dtype: pl.DataType, key: Key) -> Exact:
    """Unmasked moments and polars' one-pass std: right unless the column holds NaN or
    infinities or its spread is tiny next to its mean (``_needs_mask`` then redoes it)."""
    value = pl.col(key("value"))
    source = pl.col(name) if dtype.is_integer() or dtype == pl.Float64 else pl.col(name).cast(pl.Float64)
    return {key("value"): source}, {
        "non_null": value.count(),
        "mean": value.mean(),
        "std": value.std(ddof=0),
        "min": value.min(),
        "max": value.max(),
        "zeros": (value == 0).sum(),
        "negatives": (value < 0).sum(),
        "integers": value.count() if dtype.is_integer() else (value == value.floor()).sum(),
    }


def _numeric_masked(name: str, dtype: pl.DataType, key: Key) -> Exact:
    """The pandas engine's definitions, step by step: NaN is missing, infinities are present
    but outside the moments, std in two passes."""
    value = pl.col(key("value"))
    if dtype.is_integer():  # every value finite and integer-valued: no masks, no floor
        return {key("value"): pl.col(name)}, {
            "non_null": value.count(),
            "mean": value.mean(),
            "std": _two_pass_std(value),
            "min": value.min(),
            "max": value.max(),
            "zeros": (value == 0).sum(),
            "negatives": (value < 0).sum(),
            "integers": value.count(),
        }
    numbers = pl.col(name).cast(pl.Float64)
    finite = pl.col(key("finite"))  # NaN and infinities masked: infinities are present, but not in moments
    derived = {key("value"): numbers, key("finite"): pl.when(numbers.is_finite()).then(numbers)}
    return derived, {
        "non_null": value.count() - value.is_nan().sum(),
        "mean": finite.mean(),
        "std": _two_pass_std(finite),
        "min": finite.min(),
        "max": finite.max(),
        "zeros": (value == 0).sum(),
        "negatives": (finite < 0).sum(),
        "integers": (finite == finite.floor()).sum(),
    }


def _two_pass_std(values: pl.Expr) -> pl.Expr:
    """Population std as numpy (so the pandas engine) computes it: polars' std loses digits
    when the mean is large next to the spread (3.0e15 ± 300: 4e-4 relative error)."""
    deviations = values - values.mean()
    return (deviations * deviations).mean().sqrt()


def _boolean_exact(name: str, dtype: pl.DataType, key: Key) -> Exact:
    value = pl.col(key("value"))
    return {key("value"): pl.col(name)}, {"non_null": value.count(), "trues": value.sum()}


def _categorical_exact(name: str, dtype: pl.DataType, key: Key) -> Exact:
    lengths = pl.col(key("length"))
    text = _text(name, dtype)
    derived = {key("length"): text.str.len_chars(), key("empty"): text.str.len_bytes() == 0}  # characters, as Python's len()
    return derived, {
        "non_null": pl.col(key("empty")).count(),
        "length_mean": lengths.mean(),
        "length_std": lengths.std(ddof=0),
        "length_min": lengths.min(),
        "length_max": lengths.max(),
        "empties": pl.col(key("empty")).sum(),
    }


def _datetime_exact(name: str, dtype: pl.DataType, key: Key) -> Exact:
    # Microseconds unless the column holds nanoseconds: nanoseconds since 1970 overflow int64
    # after 2262, and warehouses do hold 9999-12-31. Same results: x / 1e6 and 1000x / 1e9 round
    # the same real number.
    unit, per_second = ("ns", 10**9) if getattr(dtype, "time_unit", None) == "ns" else ("us", 10**6)
    stamps = pl.col(key("epoch"))
    return {key("value"): pl.col(name), key("epoch"): pl.col(name).dt.epoch(unit)}, {
        "non_null": pl.col(key("value")).count(),
        "span_seconds": (stamps.max() - stamps.min()) / per_second,
        "time_of_day_mean": ((stamps % (86_400 * per_second)) / per_second).mean(),  # polars' % is floored, like numpy's
    }


_EXACT_BY_KIND = {NUMERIC: _numeric_exact, BOOLEAN: _boolean_exact, CATEGORICAL: _categorical_exact, DATETIME: _datetime_exact}


def _duplicate_share(counts: dict[str, Any], rows: int, width: int) -> float:
    """Share of rows repeating an earlier row, among the rows kept for the count (all rows up
    to ``DUPLICATE_SUBSET_ROWS``)."""
    if rows < 2 or not width:
        return 0.0 if rows else math.nan
    kept = int(counts["kept"])
    return safe_ratio(kept - int(counts["distinct"]), kept)


# ---- sample-based metrics, on at most sample_rows rows ---------------------------------------

TopValues = tuple[tuple[str, float], ...]


def _numeric_sampled(sample: pl.Series) -> tuple[dict[str, float], TopValues]:
    present = (sample.fill_nan(None) if sample.dtype.is_float() else sample).drop_nulls()
    distinct, top_share, top = _top(present)
    return {**_quantiles(present.cast(pl.Float64).to_numpy(), ""), "distinct_ratio": distinct, "top_value_share": top_share}, top


def _categorical_sampled(sample: pl.Series) -> tuple[dict[str, float], TopValues]:
    text = sample.to_frame().select(_text(sample.name, sample.dtype)).to_series().drop_nulls()
    distinct, top_share, top = _top(text)
    return {"distinct_ratio": distinct, "top_value_share": top_share}, top


def _datetime_sampled(sample: pl.Series) -> tuple[dict[str, float], TopValues]:
    # Stamps beyond 2262 have no nanosecond epoch (null here): they stay out of the sample, as
    # they do in the SQL engine (and the pandas engine cannot hold them at all).
    stamps = sample.to_frame().select(_epoch_ns(sample.name)).to_series().drop_nulls()
    epoch_ns = stamps.to_numpy()  # the pandas engine's numpy helpers, on the (small) sample
    metrics = {
        "distinct_ratio": safe_ratio(stamps.n_unique(), len(stamps)),
        **_quantiles((epoch_ns % NS_PER_DAY) / 1e9, "time_of_day_"),
        "modal_date_share": modal_date_share(epoch_ns),
    }
    return metrics, hour_of_day_shares(epoch_ns)


_SAMPLED_BY_KIND = {NUMERIC: _numeric_sampled, CATEGORICAL: _categorical_sampled, DATETIME: _datetime_sampled}


def _quantiles(values: np.ndarray, prefix: str) -> dict[str, float]:
    # numpy on the (small) sample: the pandas engine's interpolation, bit for bit.
    found = np.quantile(values, list(QUANTILES.values())) if len(values) else [math.nan] * len(QUANTILES)
    return {f"{prefix}{name}": finite_or_nan(value) for name, value in zip(QUANTILES, found)}


def _top(present: pl.Series) -> tuple[float, float, TopValues]:
    """distinct ratio, most-frequent share, top values, over the sample's non-null values.

    Equally frequent values keep the order of their first occurrence, as pandas' value_counts does.
    """
    total = len(present)
    if not total:
        return math.nan, math.nan, ()
    # Each value's count and first position, then only the most frequent sorted: three times
    # faster than an order-keeping group_by and a sort of every distinct value.
    counts = present.to_frame("value").with_row_index("first").group_by("value").agg(pl.len().alias("count"), pl.col("first").min())
    top_rows = counts.top_k(TOP_VALUES, by=["count", "first"], reverse=[False, True]).sort(["count", "first"], descending=[True, False])
    as_text = _value_text(present.dtype)
    top = tuple((truncate(as_text(value), 200), count / total) for value, count in top_rows.select("value", "count").iter_rows())
    return counts.height / total, top_rows.item(0, "count") / total, top


def _value_text(dtype: pl.DataType):
    # As pandas prints them: Python ints and floats (a float32 0.1 shows as its float64 expansion).
    if isinstance(dtype, pl.Decimal):
        return lambda value: str(float(value))
    return str
