"""Training/serving skew on keyed rows: join training and serving rows on an ID and compare each
feature value by value.

Distribution tests miss a feature computed differently at serving time when the two codes
produce similar distributions (or when the serving sample is small); the join does not: the
share of joined rows whose value differs, per feature, is exactly the share of predictions made
on a different input than the model was trained on. Numbers are equal within a tolerance
(``numpy.isclose``: |a - b| <= atol + rtol·|b|); other values are compared as text; two nulls
are equal. Keys that are null or repeated on a side are left out of the join and reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from quality_gates.checks.drift.details import check_details, no_rows_check
from quality_gates.checks.drift.errors import DriftInputError
from quality_gates.checks.json_safe import format_value, json_safe
from quality_gates.checks.results import CheckKind, CheckResult, Severity, Status, worst_status

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_MAX_MISMATCH_SHARE = 0.01
DEFAULT_RTOL = 1e-6
DEFAULT_ATOL = 1e-9
EXAMPLES = 5
TRAINING, SERVING = "__training", "__serving"


@dataclass(frozen=True)
class SkewReport:
    checks: tuple[CheckResult, ...]
    joined_rows: int
    skewed_features: tuple[str, ...]

    @property
    def status(self) -> Status:
        return worst_status([c.status for c in self.checks])


def compare_keyed(
    training: pd.DataFrame,
    serving: pd.DataFrame,
    key: str | Sequence[str],
    *,
    columns: Sequence[str] | None = None,
    max_mismatch_share: float = DEFAULT_MAX_MISMATCH_SHARE,
    column_thresholds: Mapping[str, float] | None = None,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    column_tolerances: Mapping[str, Mapping[str, float]] | None = None,
    training_name: str = "training data",
    serving_name: str = "serving data",
) -> SkewReport:
    import pandas as pd

    keys = [key] if isinstance(key, str) else list(key)
    for frame, name in ((training, training_name), (serving, serving_name)):
        absent = [k for k in keys if k not in frame.columns]
        if absent:
            raise DriftInputError(f"key column(s) {', '.join(absent)} not in {name}; it has: {', '.join(map(str, frame.columns))}")
    column_thresholds = dict(column_thresholds or {})
    column_tolerances = dict(column_tolerances or {})
    checks: list[CheckResult] = []
    if columns is None:
        features = [str(c) for c in training.columns if c in serving.columns and c not in keys]
    else:
        features = []
        for name in columns:
            lacking = [side for frame, side in ((training, training_name), (serving, serving_name)) if name not in frame.columns]
            if lacking:
                checks.append(
                    CheckResult(
                        "column_missing",
                        name,
                        Status.FAILED,
                        Severity.ERROR,
                        f"missing from {' and '.join(lacking)}",
                        "present on both sides",
                        check_details(f"feature '{name}' is missing from {' and '.join(lacking)}: it cannot be compared"),
                    )
                )
            else:
                features.append(name)
    for name in set(column_thresholds) | set(column_tolerances):
        if name not in features:
            raise DriftInputError(
                f"thresholds or tolerances name '{name}', which is not a compared feature; compared: {', '.join(features)}"
            )
    if not features:
        raise DriftInputError(
            f"no feature to compare: {training_name} and {serving_name} share no column besides the key {', '.join(keys)}"
        )
    if len(serving) == 0:
        checks.append(no_rows_check(f"{serving_name} has 0 rows: nothing to compare with {training_name}"))
        return SkewReport(tuple(checks), 0, ())

    sides = []
    for frame, name in ((training, training_name), (serving, serving_name)):
        usable, check = _unique_keys(frame[[*keys, *features]], keys, name)
        sides.append(usable)
        if check is not None:
            checks.append(check)
    joined = pd.merge(sides[0], sides[1], on=keys, how="outer", suffixes=(TRAINING, SERVING), indicator=True)
    matched = joined[joined["_merge"] == "both"]
    checks.append(_unmatched(joined, keys, training_name, serving_name))
    skewed = []
    for name in features:
        threshold = float(column_thresholds.get(name, max_mismatch_share))
        tolerance = {"rtol": rtol, "atol": atol, **column_tolerances.get(name, {})}
        check = _feature(matched, name, keys, threshold, tolerance, training_name, serving_name)
        checks.append(check)
        if check.status is Status.FAILED:
            skewed.append(name)
    checks.append(_summary(checks, features, skewed, len(matched)))
    return SkewReport(tuple(checks), len(matched), tuple(skewed))


def _unique_keys(frame: pd.DataFrame, keys: list[str], name: str) -> tuple[pd.DataFrame, CheckResult | None]:
    null_key = frame[keys].isna().any(axis=1)
    keyed = frame[~null_key]
    repeated = keyed.duplicated(keys, keep=False)
    if not null_key.any() and not repeated.any():
        return keyed, None
    examples = []
    if repeated.any():
        counts = keyed[repeated].groupby(keys, dropna=False).size().sort_values(ascending=False)
        examples = [{"key": json_safe(k), "rows": int(v)} for k, v in counts.iloc[:EXAMPLES].items()]
    words = []
    if repeated.any():
        shown = ", ".join(f"{format_value(e['key'])} ({e['rows']} rows)" for e in examples)
        words.append(
            f"{int(repeated.sum()):,} rows share {keyed[repeated][keys].drop_duplicates().shape[0]:,} repeated key values, e.g. {shown}"
        )
    if null_key.any():
        words.append(f"{int(null_key.sum()):,} rows have no key")
    message = f"{name}: {'; '.join(words)} ({', '.join(keys)}); these rows are left out of the comparison"
    check = CheckResult(
        "duplicate_keys" if repeated.any() else "null_keys",
        None,
        Status.WARNED,
        Severity.WARN,
        f"{int(repeated.sum() + null_key.sum()):,} of {len(frame):,} rows",
        "unique, non-null keys",
        check_details(message, side=name, repeated_rows=int(repeated.sum()), null_key_rows=int(null_key.sum()), examples=examples),
    )
    return keyed[~repeated], check


def _unmatched(joined: pd.DataFrame, keys: list[str], training_name: str, serving_name: str) -> CheckResult:
    serving_only = joined[joined["_merge"] == "right_only"]
    training_only = joined[joined["_merge"] == "left_only"]
    matched = int((joined["_merge"] == "both").sum())
    serving_rows = matched + len(serving_only)
    examples = [json_safe(v) for v in serving_only[keys[0]].iloc[:EXAMPLES]]
    text = (
        f"{matched:,} of {serving_rows:,} {serving_name} rows found in {training_name} by {', '.join(keys)}; "
        f"{len(serving_only):,} not found"
        + (f" (e.g. {', '.join(format_value(e) for e in examples)})" if examples else "")
        + f"; {len(training_only):,} {training_name} rows have no {serving_name} row (serving may log a sample)"
    )
    if matched == 0:
        status, severity = Status.FAILED, Severity.ERROR
        text = f"no key matched: {text}. Is '{', '.join(keys)}' the same ID on both sides?"
    elif len(serving_only):
        status, severity = Status.WARNED, Severity.WARN
    else:
        status, severity = Status.PASSED, Severity.WARN
    share = len(serving_only) / serving_rows if serving_rows else 0.0
    return CheckResult(
        "missing_keys",
        None,
        status,
        severity,
        f"{len(serving_only):,} serving rows without a training row ({share:.1%})",
        "every serving key in the training data",
        check_details(
            text, matched_rows=matched, serving_only_rows=len(serving_only), training_only_rows=len(training_only), examples=examples
        ),
    )


def _feature(
    matched: pd.DataFrame, name: str, keys: list[str], threshold: float, tolerance: dict[str, float], training_name: str, serving_name: str
) -> CheckResult:
    import pandas as pd

    left, right = matched[name + TRAINING], matched[name + SERVING]
    numeric = (
        pd.api.types.is_numeric_dtype(left)
        and pd.api.types.is_numeric_dtype(right)
        and not pd.api.types.is_bool_dtype(left)
        and not pd.api.types.is_bool_dtype(right)
    )
    stats: dict[str, Any] = {}
    if numeric:
        a, b = left.to_numpy("float64", na_value=np.nan), right.to_numpy("float64", na_value=np.nan)
        both_null = np.isnan(a) & np.isnan(b)
        differs = ~both_null & ~np.isclose(a, b, rtol=tolerance["rtol"], atol=tolerance["atol"])
        both = differs & ~np.isnan(a) & ~np.isnan(b)
        if both.any():
            stats["mean_abs_difference"] = float(np.abs(a[both] - b[both]).mean())
            ratios = b[both] / np.where(a[both] == 0, np.nan, a[both])
            if np.isfinite(ratios).any():
                stats["median_serving_to_training_ratio"] = float(np.nanmedian(ratios))
    else:
        a_null, b_null = left.isna().to_numpy(), right.isna().to_numpy()
        differs = (a_null != b_null) | (~a_null & ~b_null & (left.astype(str).to_numpy() != right.astype(str).to_numpy()))
    rows = len(matched)
    mismatched = int(differs.sum())
    share = mismatched / rows if rows else 0.0
    positions = np.flatnonzero(differs)[:EXAMPLES]
    examples = [
        {"key": json_safe(matched[keys[0]].iloc[i]), "training": json_safe(left.iloc[i]), "serving": json_safe(right.iloc[i])}
        for i in positions
    ]
    status = Status.FAILED if share > threshold else Status.PASSED
    words = (
        f"{name}: {share:.1%} of {rows:,} joined rows differ between training and serving "
        f"(threshold {threshold:.1%}"
        + (f"; numbers equal within rtol {tolerance['rtol']:g}, atol {tolerance['atol']:g}" if numeric else "")
        + ")"
    )
    if "mean_abs_difference" in stats:
        words += f"; mean absolute difference {stats['mean_abs_difference']:.4g}"
    if "median_serving_to_training_ratio" in stats:
        words += f", median serving/training ratio {stats['median_serving_to_training_ratio']:.4g}"
    if examples:
        first = examples[0]
        words += f"; e.g. {keys[0]}={format_value(first['key'])}: training {format_value(first['training'])}, serving {format_value(first['serving'])}"
    return CheckResult(
        "feature_skew",
        name,
        status,
        Severity.ERROR,
        f"{share:.1%} of {rows:,} rows differ",
        f"<= {threshold:.1%} of rows",
        check_details(
            words,
            method="keyed_mismatch_share",
            statistic=share,
            threshold=threshold,
            mismatched_rows=mismatched,
            compared_rows=rows,
            training=training_name,
            serving=serving_name,
            examples=examples,
            **tolerance,
            **stats,
        ),
    )


def _summary(checks: list[CheckResult], features: list[str], skewed: list[str], rows: int) -> CheckResult:
    feature_checks = {c.column: c for c in checks if c.check_name == "feature_skew"}
    named = "; ".join(f"{name} ({feature_checks[name].details['statistic']:.1%} of rows differ)" for name in skewed)
    text = (
        f"Training/serving skew on {rows:,} joined rows: {named}"
        if skewed
        else f"No feature skewed on {rows:,} joined rows ({len(features)} compared)"
    )
    return CheckResult(
        "training_serving_skew",
        None,
        Status.FAILED if skewed else Status.PASSED,
        Severity.ERROR,
        f"{len(skewed)} of {len(features)} features skewed",
        "0 features skewed",
        check_details(
            text, kind=CheckKind.TRAINING_SERVING_SKEW, skewed_features=skewed, compared_features=len(features), joined_rows=rows
        ),
    )
