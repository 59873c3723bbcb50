"""Profiles of pandas DataFrames (numpy underneath): the reference engine."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from quality_gates.checks.json_safe import truncate
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

NS_PER_DAY = 86_400 * 10**9


def column_kind(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return BOOLEAN
    if pd.api.types.is_numeric_dtype(dtype):
        return NUMERIC
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return DATETIME
    return CATEGORICAL


def sample_positions(rows: int, sample_rows: int = SAMPLE_ROWS, seed: int = 0) -> np.ndarray | None:
    """Sorted positions of a uniform sample without replacement; None means every row."""
    if rows <= sample_rows:
        return None
    return np.sort(np.random.default_rng(seed).choice(rows, size=sample_rows, replace=False))


def profile_frame(frame: pd.DataFrame, *, sample_rows: int = SAMPLE_ROWS) -> PartitionProfile:
    rows = len(frame)
    positions = sample_positions(rows, sample_rows)
    columns = {}
    for name in frame.columns:
        series = frame[name]
        sample = series if positions is None else series.take(positions)
        columns[str(name)] = profile_column(series, sample)
    table = {"row_count": float(rows), "duplicate_row_share": duplicate_row_share(frame)}
    return PartitionProfile(rows, columns, table, rows if positions is None else len(positions))


def profile_column(series: pd.Series, sample: pd.Series) -> ColumnProfile:
    kind = column_kind(series)
    if kind == NUMERIC:
        return _numeric(series, sample)
    if kind == BOOLEAN:
        return _boolean(series)
    if kind == DATETIME:
        return _datetime(series, sample)
    return _categorical(series, sample)


def _top(sample_non_null: pd.Series) -> tuple[float, float, tuple[tuple[str, float], ...]]:
    """distinct ratio, most-frequent share, top values: all over the sample's non-null values."""
    total = len(sample_non_null)
    if not total:
        return math.nan, math.nan, ()
    counts = sample_non_null.value_counts(sort=True, dropna=True)
    top = tuple((truncate(str(value), 200), int(count) / total) for value, count in counts.iloc[:TOP_VALUES].items())
    return len(counts) / total, float(counts.iloc[0]) / total, top


def _numeric(series: pd.Series, sample: pd.Series) -> ColumnProfile:
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    rows = len(values)
    present = ~np.isnan(values)
    non_null = int(present.sum())
    finite = values[np.isfinite(values)]
    sampled = sample.to_numpy(dtype="float64", na_value=np.nan)
    sampled = sampled[~np.isnan(sampled)]
    distinct, top_share, top = _top(sample.dropna())  # original dtype: integers show as "1", not "1.0"
    quantiles = np.quantile(sampled, list(QUANTILES.values())) if len(sampled) else [math.nan] * len(QUANTILES)
    metrics = {
        "null_fraction": safe_ratio(rows - non_null, rows),
        "mean": finite_or_nan(finite.mean()) if len(finite) else math.nan,
        "std": finite_or_nan(finite.std()) if len(finite) else math.nan,
        "min": finite_or_nan(finite.min()) if len(finite) else math.nan,
        "max": finite_or_nan(finite.max()) if len(finite) else math.nan,
        **{name: finite_or_nan(q) for name, q in zip(QUANTILES, quantiles)},
        "zero_fraction": safe_ratio(int((finite == 0).sum()), non_null),
        "negative_fraction": safe_ratio(int((finite < 0).sum()), non_null),
        "integer_fraction": safe_ratio(int((finite == np.floor(finite)).sum()), non_null),
        "distinct_ratio": distinct,
        "top_value_share": top_share,
    }
    return ColumnProfile(NUMERIC, metrics, top)


def _boolean(series: pd.Series) -> ColumnProfile:
    rows = len(series)
    non_null = series.dropna()
    return ColumnProfile(
        BOOLEAN,
        {
            "null_fraction": safe_ratio(rows - len(non_null), rows),
            "true_fraction": safe_ratio(int(non_null.astype(bool).sum()), len(non_null)),
        },
    )


def _as_text(series: pd.Series) -> pd.Series:
    """Non-null values as strings (mixed-type object columns included)."""
    non_null = series.dropna()
    if pd.api.types.is_string_dtype(non_null.dtype) and not pd.api.types.is_object_dtype(non_null.dtype):
        return non_null
    return non_null.map(str).astype("str")


def _categorical(series: pd.Series, sample: pd.Series) -> ColumnProfile:
    rows = len(series)
    text = _as_text(series)
    lengths = text.str.len().to_numpy(dtype="float64")
    distinct, top_share, top = _top(_as_text(sample))
    metrics = {
        "null_fraction": safe_ratio(rows - len(text), rows),
        "distinct_ratio": distinct,
        "top_value_share": top_share,
        "length_mean": finite_or_nan(lengths.mean()) if len(lengths) else math.nan,
        "length_std": finite_or_nan(lengths.std()) if len(lengths) else math.nan,
        "length_min": finite_or_nan(lengths.min()) if len(lengths) else math.nan,
        "length_max": finite_or_nan(lengths.max()) if len(lengths) else math.nan,
        "empty_fraction": safe_ratio(int((lengths == 0).sum()), len(lengths)),
    }
    return ColumnProfile(CATEGORICAL, metrics, top)


def _epoch_ns(series: pd.Series) -> np.ndarray:
    """Non-null timestamps as UTC epoch nanoseconds. Dates beyond what nanoseconds hold
    (years before 1677 or after 2262, like a "valid until 9999-12-31") are left out, as the
    polars and SQL engines leave them out of time statistics too."""
    values = series.dropna()
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    values = values[(values >= pd.Timestamp.min) & (values <= pd.Timestamp.max)]
    return values.astype("datetime64[ns]").to_numpy().view("int64")


def _datetime(series: pd.Series, sample: pd.Series) -> ColumnProfile:
    rows = len(series)
    stamps = _epoch_ns(series)
    sampled = _epoch_ns(sample)
    time_of_day = (stamps % NS_PER_DAY) / 1e9
    sampled_time_of_day = (sampled % NS_PER_DAY) / 1e9
    quantiles = np.quantile(sampled_time_of_day, list(QUANTILES.values())) if len(sampled) else [math.nan] * len(QUANTILES)
    metrics = {
        "null_fraction": safe_ratio(rows - int(series.notna().sum()), rows),
        "distinct_ratio": safe_ratio(len(np.unique(sampled)), len(sampled)),
        "span_seconds": (stamps.max() - stamps.min()) / 1e9 if len(stamps) else math.nan,
        "time_of_day_mean": finite_or_nan(time_of_day.mean()) if len(stamps) else math.nan,
        **{f"time_of_day_{name}": finite_or_nan(q) for name, q in zip(QUANTILES, quantiles)},
        "modal_date_share": modal_date_share(sampled),
    }
    return ColumnProfile(DATETIME, metrics, hour_of_day_shares(sampled))


def hour_of_day_shares(epoch_ns: np.ndarray) -> tuple[tuple[str, float], ...]:
    """The datetime column's "values" for new-value detection: hours of the day (UTC) with
    their shares, so that rows at hours never seen before (a shifted clock) stand out."""
    if not len(epoch_ns):
        return ()
    hours, counts = np.unique((epoch_ns % NS_PER_DAY) // (3600 * 10**9), return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return tuple((f"{int(hours[i]):02d}h", float(counts[i]) / len(epoch_ns)) for i in order[:24])


def modal_date_share(epoch_ns: np.ndarray) -> float:
    """Share of timestamps (UTC) on the most common calendar date."""
    if not len(epoch_ns):
        return math.nan
    _, counts = np.unique(epoch_ns // NS_PER_DAY, return_counts=True)
    return float(counts.max()) / len(epoch_ns)


def duplicate_row_share(frame: pd.DataFrame) -> float:
    """Share of rows that repeat an earlier row exactly (64-bit row hashes, sorted)."""
    rows = len(frame)
    if rows < 2 or not len(frame.columns):
        return 0.0 if rows else math.nan
    try:
        hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    except TypeError:  # unhashable cells (lists, dicts): hash their text
        hashes = pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy()
    ordered = np.sort(hashes)
    return int((ordered[1:] == ordered[:-1]).sum()) / rows
