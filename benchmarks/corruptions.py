"""Corruptions that real pipelines produce, each applied to one column (or to the whole partition).

Every corruption is a pure function of the clean frame, the chosen column, a fraction of rows and a
seeded random generator, so a benchmark run can be repeated exactly. ``fraction`` is a share of the
partition's rows: ``round(fraction * rows)`` rows are changed (at least one), taken among the rows
where the change actually changes something (a sign flip needs a positive value, a case change a
value whose case can change). Corruptions of a whole partition (truncation, a lost shard, a stale
copy, a type change of a whole column) ignore the fraction.

Use :func:`corrupt`: it picks the column at random among the eligible ones (``column_seed``) and
the rows with another seed, so that the 2%, 5% and 10% versions of a case hit the same column.
"""

from __future__ import annotations

import string
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

PARTITION = "*"  # the "column" of corruptions that affect the whole partition
MAX_CATEGORIES = 100  # a string column with at most this many distinct values is a category
TIME_SHIFT_HOURS = 5  # the classic local-time-vs-UTC bug (New York in winter)
NUMERIC_DEFAULTS = (0, -1, 999)
EPOCH = pd.Timestamp("1970-01-01")


@dataclass(frozen=True)
class Corrupted:
    frame: pd.DataFrame
    corruption: str
    columns: tuple[str, ...]  # the corrupted column(s); (PARTITION,) for partition-level corruptions
    fraction: float | None  # requested share of rows; None when the corruption ignores it
    changed_rows: int  # rows changed, added or removed
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Corruption:
    name: str
    description: str
    uses_fraction: bool
    eligible: Callable[[pd.DataFrame], list[str]]
    apply: Callable[..., tuple[pd.DataFrame, tuple[str, ...], int, dict]]
    needs_previous: bool = False


# --- column kinds ---------------------------------------------------------------------------------


def is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)


def is_integer(series: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)


def is_datetime(series: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(series.dtype)


def is_text(series: pd.Series) -> bool:
    return not (is_numeric(series) or is_datetime(series) or pd.api.types.is_bool_dtype(series.dtype))


def is_category(series: pd.Series) -> bool:
    return is_text(series) and 2 <= series.nunique(dropna=True) <= MAX_CATEGORIES


def _columns(frame: pd.DataFrame, predicate: Callable[[pd.Series], bool]) -> list[str]:
    return [str(c) for c in frame.columns if predicate(frame[c])]


# --- helpers --------------------------------------------------------------------------------------


def rows_to_change(rows: int, fraction: float) -> int:
    return max(1, int(round(fraction * rows)))


def _pick(candidates: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted positions: ``count`` of the candidate positions (all of them if there are fewer)."""
    candidates = np.flatnonzero(candidates) if candidates.dtype == bool else np.asarray(candidates)
    if count >= len(candidates):
        return np.sort(candidates)
    return np.sort(rng.choice(candidates, size=count, replace=False))


def _replace(frame: pd.DataFrame, column: str, series: pd.Series) -> pd.DataFrame:
    out = frame.copy()
    out[column] = series.set_axis(out.index)
    return out


def _as_float(series: pd.Series) -> pd.Series:
    return series.astype("float64") if is_integer(series) else series.copy()


def _shares(series: pd.Series) -> pd.Series:
    return series.value_counts(normalize=True, dropna=True)


# --- the corruptions ------------------------------------------------------------------------------


def inject_nulls(frame, column, fraction, rng):
    series = _as_float(frame[column])
    positions = _pick(series.notna().to_numpy(), rows_to_change(len(frame), fraction), rng)
    series.iloc[positions] = None
    return _replace(frame, column, series), (column,), len(positions), {}


def flip_sign(frame, column, fraction, rng):
    series = frame[column].copy()
    positions = _pick((series > 0).to_numpy(), rows_to_change(len(frame), fraction), rng)
    series.iloc[positions] = -series.iloc[positions]
    return _replace(frame, column, series), (column,), len(positions), {}


def _scale(factor: float):
    def scale(frame, column, fraction, rng):
        series = frame[column].copy() if factor >= 1 else _as_float(frame[column])
        positions = _pick((series.fillna(0) != 0).to_numpy(), rows_to_change(len(frame), fraction), rng)
        series.iloc[positions] = series.iloc[positions] * factor
        return _replace(frame, column, series), (column,), len(positions), {"factor": factor}

    return scale


def _default_candidates(series: pd.Series) -> list[tuple[str, object]]:
    """(label, value) of the defaults an upstream system might write into this column."""
    if is_datetime(series):
        return [("1970-01-01", EPOCH.tz_localize(series.dt.tz) if series.dt.tz is not None else EPOCH)]
    mode = series.mode(dropna=True).iloc[0]
    if is_numeric(series):
        return [*((str(v), v) for v in NUMERIC_DEFAULTS), (f"mode ({mode})", mode)]
    return [("'' (empty string)", ""), (f"mode ({mode!r})", mode)]


def pin_default(frame, column, fraction, rng):
    """Values replaced by one default, drawn among the candidates; one that would change nothing
    (the mode of a constant column) gives way to the next."""
    series = frame[column].copy()
    candidates = _default_candidates(series)
    first = int(rng.integers(len(candidates)))
    for label, default in candidates[first:] + candidates[:first]:  # noqa: B007 (the label found is used below)
        changeable = (series != default).to_numpy() & series.notna().to_numpy()
        if changeable.any():
            break
    if is_integer(series) and float(default) != int(default):
        series = series.astype("float64")
    positions = _pick(changeable, rows_to_change(len(frame), fraction), rng)
    series.iloc[positions] = default
    return _replace(frame, column, series), (column,), len(positions), {"default": label}


def _family(series: pd.Series) -> str:
    if is_datetime(series):
        return "datetime"
    if is_numeric(series):
        return "integer" if is_integer(series) else "float"
    return "text" if is_text(series) else "other"


def _alike(a: pd.Series, b: pd.Series) -> bool:
    """Could the two columns be confused? Overlapping 5–95% ranges, or values in common."""
    if is_numeric(a):
        qa, qb = a.quantile([0.05, 0.95]), b.quantile([0.05, 0.95])
        return bool(qa.iloc[0] <= qb.iloc[1] and qb.iloc[0] <= qa.iloc[1])
    return bool(set(a.dropna().unique()[:1000]) & set(b.dropna().unique()[:1000]))


def _swap_partners(frame: pd.DataFrame, column: str) -> list[str]:
    """Columns of the same dtype family; those with similar values first (pickup/dropoff zone,
    departure/arrival delay): that is how a column-order mix-up looks."""
    series = frame[column]
    family = _family(series)
    same = [
        c
        for c in map(str, frame.columns)
        if c != column and _family(frame[c]) == family and family != "other" and not frame[c].equals(series)
    ]
    alike = [c for c in same if _alike(series, frame[c])]
    return alike or same


def swap_columns(frame, column, fraction, rng):
    partners = _swap_partners(frame, column)
    other = partners[int(rng.integers(len(partners)))]
    left, right = frame[column].copy(), frame[other].copy()
    differs = (left.astype(object) != right.astype(object)).to_numpy()
    positions = _pick(differs, rows_to_change(len(frame), fraction), rng)
    left_values = left.iloc[positions].to_numpy()
    left.iloc[positions] = right.iloc[positions].to_numpy()
    right.iloc[positions] = left_values
    out = _replace(_replace(frame, column, left), other, right)
    return out, (column, other), len(positions), {"swapped_with": other}


def novel_code(existing: Sequence[str], rng: np.random.Generator) -> str:
    """A value shaped like an existing one (same length, same character classes) but new."""
    known = set(existing)
    template = existing[int(rng.integers(len(existing)))]
    for _ in range(1000):
        chars = []
        for ch in template:
            pool = (
                string.ascii_uppercase
                if ch.isupper()
                else string.ascii_lowercase
                if ch.islower()
                else string.digits
                if ch.isdigit()
                else None
            )
            chars.append(pool[int(rng.integers(len(pool)))] if pool else ch)
        candidate = "".join(chars)
        if candidate not in known:
            return candidate
    return template + "_NEW"


def unseen_category(frame, column, fraction, rng):
    series = frame[column].copy()
    values = sorted(str(v) for v in series.dropna().unique())
    code = novel_code(values, rng)
    positions = _pick(series.notna().to_numpy(), rows_to_change(len(frame), fraction), rng)
    series.iloc[positions] = code
    return _replace(frame, column, series), (column,), len(positions), {"new_value": code}


def _value_near_share(series: pd.Series, fraction: float, rng: np.random.Generator, exclude_mode: bool = False) -> str:
    shares = _shares(series)
    if exclude_mode and len(shares) > 1:
        shares = shares.iloc[1:]
    distance = (shares - fraction).abs()
    closest = distance[distance == distance.min()].index.tolist()
    return closest[int(rng.integers(len(closest)))]


def remap_category(frame, column, fraction, rng):
    """A mapping bug: rows of one existing value (the one whose share is nearest the fraction) get
    another existing value; at most ``fraction`` of the rows change."""
    series = frame[column].copy()
    source = _value_near_share(series, fraction, rng)
    targets = [v for v in _shares(series).index if v != source]
    target = targets[int(rng.integers(len(targets)))]
    positions = _pick((series == source).to_numpy(), rows_to_change(len(frame), fraction), rng)
    series.iloc[positions] = target
    return _replace(frame, column, series), (column,), len(positions), {"from": source, "to": target}


def drop_category(frame, column, fraction, rng):
    """An upstream source went missing: rows of one value (share nearest the fraction) are gone;
    at most ``fraction`` of the rows are dropped."""
    series = frame[column]
    value = _value_near_share(series, fraction, rng)
    positions = _pick((series == value).to_numpy(), rows_to_change(len(frame), fraction), rng)
    keep = np.ones(len(frame), dtype=bool)
    keep[positions] = False
    return frame.iloc[keep].reset_index(drop=True), (column,), len(positions), {"dropped_value": value}


def duplicate_rows(frame, column, fraction, rng):
    positions = _pick(np.arange(len(frame)), rows_to_change(len(frame), fraction), rng)
    out = pd.concat([frame, frame.iloc[positions]], ignore_index=True)
    return out, (PARTITION,), len(positions), {}


def shift_time(frame, column, fraction, rng):
    series = frame[column].copy()
    positions = _pick(series.notna().to_numpy(), rows_to_change(len(frame), fraction), rng)
    series.iloc[positions] = series.iloc[positions] + pd.Timedelta(hours=TIME_SHIFT_HOURS)
    return _replace(frame, column, series), (column,), len(positions), {"hours": TIME_SHIFT_HOURS}


def lose_precision(frame, column, fraction, rng):
    series = frame[column].copy()
    fractional = (series.notna() & (series != np.round(series))).to_numpy()
    positions = _pick(fractional, rows_to_change(len(frame), fraction), rng)
    series.iloc[positions] = np.round(series.iloc[positions].to_numpy())
    return _replace(frame, column, series), (column,), len(positions), {"rounded_to": "integer"}


def _changed_case(value: str) -> str:
    return value.upper() if value.upper() != value else value.lower()


def change_case(frame, column, fraction, rng):
    series = frame[column].copy()
    text = series.astype(object)
    changeable = np.array([isinstance(v, str) and _changed_case(v) != v for v in text])
    positions = _pick(changeable, rows_to_change(len(frame), fraction), rng)
    series.iloc[positions] = [_changed_case(v) for v in text.iloc[positions]]
    return _replace(frame, column, series), (column,), len(positions), {}


def pad_whitespace(frame, column, fraction, rng):
    series = frame[column].copy()
    positions = _pick(series.notna().to_numpy(), rows_to_change(len(frame), fraction), rng)
    series.iloc[positions] = [f"{v} " for v in series.iloc[positions]]
    return _replace(frame, column, series), (column,), len(positions), {"padding": "one trailing space"}


def truncate_partition(frame, column, fraction, rng):
    """A half-written partition: the job died after writing the first half (rows in arrival order)."""
    kept = len(frame) // 2
    return frame.iloc[:kept].reset_index(drop=True), (PARTITION,), len(frame) - kept, {"kept": "first 50%"}


def lose_shard(frame, column, fraction, rng):
    """One of two shards never arrived: a random half of the rows is missing."""
    keep = np.sort(rng.choice(len(frame), size=len(frame) // 2, replace=False))
    return frame.iloc[keep].reset_index(drop=True), (PARTITION,), len(frame) - len(keep), {"kept": "random 50%"}


def int_to_text(frame, column, fraction, rng):
    """An upstream schema change: an integer column now arrives as text ("42")."""
    series = frame[column].astype("str")
    return _replace(frame, column, series), (column,), len(frame), {}


def stale_copy(frame, column, fraction, rng, previous: pd.DataFrame | None = None):
    """The job did not refresh: yesterday's rows are published again under today's key."""
    if previous is None:
        raise ValueError("stale_copy needs the previous partition")
    return previous.reset_index(drop=True).copy(), (PARTITION,), len(previous), {}


SEGMENT_SHARE = 0.2  # a missing segment: the value whose share is nearest this vanishes
MAX_SEGMENTS = 20


def _segment_value(series: pd.Series) -> object | None:
    """The value of a low-cardinality column whose share is nearest ``SEGMENT_SHARE`` (between 5% and 40%)."""
    shares = _shares(series)
    shares = shares[(shares >= 0.05) & (shares <= 0.4)]
    if shares.empty:
        return None
    return (shares - SEGMENT_SHARE).abs().idxmin()


def _is_segment(series: pd.Series) -> bool:
    if not (is_text(series) or is_integer(series)):
        return False
    return 3 <= series.nunique(dropna=True) <= MAX_SEGMENTS and _segment_value(series) is not None


def drop_segment(frame, column, fraction, rng):
    """One region, one source system gone: every row of one value (share nearest 20%) is missing."""
    value = _segment_value(frame[column])
    keep = (frame[column] != value).to_numpy()
    return frame.iloc[keep].reset_index(drop=True), (column,), int((~keep).sum()), {"dropped_segment": str(value)}


def _partly_null(series: pd.Series) -> bool:
    return 0.01 <= float(series.isna().mean()) <= 0.9


def _clock_period(series: pd.Series) -> tuple[int, int] | None:
    """(modulus, +5 h step) of an integer clock: hours 0–23 or HHMM 0–2359; None otherwise."""
    if not is_integer(series) and not (pd.api.types.is_float_dtype(series.dtype) and _whole(series)):
        return None
    values = series.dropna()
    if values.empty or values.min() < 0:
        return None
    if values.max() <= 23 and values.nunique() >= 12:
        return 24, TIME_SHIFT_HOURS
    if 100 < values.max() <= 2400 and bool((values % 100 < 60).all()) and values.nunique() >= 50:
        return 2400, 100 * TIME_SHIFT_HOURS
    return None


def _whole(series: pd.Series) -> bool:
    values = series.dropna()
    return len(values) > 0 and bool((values == np.round(values)).all())


def shift_clock(frame, column, fraction, rng):
    """An integer clock (hour, HHMM) shifted by +5 h, wrapping past midnight."""
    modulus, step = _clock_period(frame[column])
    series = frame[column].copy()
    positions = _pick(series.notna().to_numpy(), rows_to_change(len(frame), fraction), rng)
    series.iloc[positions] = (series.iloc[positions] + step) % modulus
    return _replace(frame, column, series), (column,), len(positions), {"hours": TIME_SHIFT_HOURS, "modulus": modulus}


def pin_category(frame, column, fraction, rng):
    """A categorical column stuck on one existing value (not the most common one) in some rows."""
    series = frame[column].copy()
    shares = _shares(series)
    candidates = list(shares.index[1:]) or list(shares.index)
    value = candidates[int(rng.integers(len(candidates)))]
    positions = _pick((series != value).to_numpy() & series.notna().to_numpy(), rows_to_change(len(frame), fraction), rng)
    series.iloc[positions] = value
    return _replace(frame, column, series), (column,), len(positions), {"pinned": str(value)}


def _numeric_positive(series: pd.Series) -> bool:
    return is_numeric(series) and series.notna().any() and series.min() >= 0 and series.max() > 0


def _numeric_nonzero(series: pd.Series) -> bool:
    return is_numeric(series) and (series.fillna(0) != 0).any()


def _fractional_float(series: pd.Series) -> bool:
    if not pd.api.types.is_float_dtype(series.dtype):
        return False
    values = series.dropna()
    return len(values) > 0 and float((values != np.round(values)).mean()) >= 0.5


def _case_changeable(series: pd.Series) -> bool:
    return is_text(series) and any(_changed_case(str(v)) != str(v) for v in series.dropna().unique()[:1000])


def _partition(frame: pd.DataFrame) -> list[str]:
    return [PARTITION]


CORRUPTIONS: dict[str, Corruption] = {
    c.name: c
    for c in (
        Corruption("nulls", "values replaced by nulls", True, lambda f: _columns(f, lambda s: s.notna().any()), inject_nulls),
        Corruption(
            "sign_flip",
            "positive values negated (refunds, a sign convention change)",
            True,
            lambda f: _columns(f, _numeric_positive),
            flip_sign,
        ),
        Corruption("unit_x1000", "values × 1000 (km → m, s → ms)", True, lambda f: _columns(f, _numeric_nonzero), _scale(1000)),
        Corruption("unit_div100", "values ÷ 100 (cents → dollars)", True, lambda f: _columns(f, _numeric_nonzero), _scale(0.01)),
        Corruption(
            "pinned_default",
            "values replaced by a default (0, -1, 999, the mode, '' or 1970-01-01)",
            True,
            lambda f: _columns(f, lambda s: s.notna().any()),
            pin_default,
        ),
        Corruption(
            "column_swap",
            "two columns of the same type swapped in some rows (similar ones preferred)",
            True,
            lambda f: [c for c in f.columns if _swap_partners(f, c)],
            swap_columns,
        ),
        Corruption("unseen_category", "a category code nobody has seen before", True, lambda f: _columns(f, is_category), unseen_category),
        Corruption(
            "category_remap",
            "one category value mapped to another existing value",
            True,
            lambda f: _columns(f, is_category),
            remap_category,
        ),
        Corruption(
            "category_dropped",
            "rows of one category value missing (an upstream source lost)",
            True,
            lambda f: _columns(f, is_category),
            drop_category,
        ),
        Corruption("duplicate_rows", "rows replayed (exact duplicates appended)", True, _partition, duplicate_rows),
        Corruption(
            "time_shift",
            f"timestamps shifted by +{TIME_SHIFT_HOURS} h (time-zone bug)",
            True,
            lambda f: _columns(f, is_datetime),
            shift_time,
        ),
        Corruption("precision_loss", "decimals rounded away", True, lambda f: _columns(f, _fractional_float), lose_precision),
        Corruption("case_change", "text upper-/lower-cased", True, lambda f: _columns(f, _case_changeable), change_case),
        Corruption("whitespace_padding", "text with a trailing space", True, lambda f: _columns(f, is_text), pad_whitespace),
        Corruption("truncated", "half-written partition (first 50% of rows kept)", False, _partition, truncate_partition),
        Corruption("lost_shard", "a random 50% of the rows missing", False, _partition, lose_shard),
        Corruption("int_to_text", "an integer column arrives as text", False, lambda f: _columns(f, is_integer), int_to_text),
        Corruption(
            "segment_missing",
            "every row of one value of a low-cardinality column missing (~20% of rows)",
            False,
            lambda f: _columns(f, _is_segment),
            drop_segment,
        ),
        Corruption(
            "more_nulls", "more nulls in a column that is already partly null", True, lambda f: _columns(f, _partly_null), inject_nulls
        ),
        Corruption(
            "clock_shift",
            f"an integer clock (hour 0–23, HHMM) shifted by +{TIME_SHIFT_HOURS} h",
            True,
            lambda f: _columns(f, lambda s: _clock_period(s) is not None),
            shift_clock,
        ),
        Corruption(
            "pinned_category", "a categorical column stuck on one existing value", True, lambda f: _columns(f, is_category), pin_category
        ),
        Corruption("stale_copy", "yesterday's partition republished under today's key", False, _partition, stale_copy, needs_previous=True),
    )
}


def seed_for(*parts: object) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


def eligible_columns(name: str, frame: pd.DataFrame) -> list[str]:
    return CORRUPTIONS[name].eligible(frame)


def choose_column(name: str, frame: pd.DataFrame, seed: int) -> str | None:
    """A column drawn at random (seeded) among those ``name`` can corrupt; None if there is none."""
    candidates = CORRUPTIONS[name].eligible(frame)
    if not candidates:
        return None
    return candidates[int(np.random.default_rng(seed).integers(len(candidates)))]


def corrupt(
    frame: pd.DataFrame,
    name: str,
    fraction: float | None = None,
    *,
    seed: int = 0,
    column_seed: int | None = None,
    column: str | None = None,
    previous: pd.DataFrame | None = None,
) -> Corrupted | None:
    """Apply corruption ``name``; None when no column of ``frame`` is eligible.

    The column is drawn with ``column_seed`` (default ``seed``) among the eligible ones unless given;
    rows are drawn with ``seed``.
    """
    corruption = CORRUPTIONS[name]
    if corruption.uses_fraction and not (fraction and 0 < fraction <= 1):
        raise ValueError(f"{name} needs a fraction in (0, 1], not {fraction!r}")
    if column is None:
        column = choose_column(name, frame, seed if column_seed is None else column_seed)
        if column is None:
            return None
    rng = np.random.default_rng(seed)
    kwargs = {"previous": previous} if corruption.needs_previous else {}
    out, columns, changed, detail = corruption.apply(frame, column, fraction if corruption.uses_fraction else None, rng, **kwargs)
    return Corrupted(out, name, columns, fraction if corruption.uses_fraction else None, changed, detail)
