"""Compare current data with a reference profile: one verdict per column and method, and one for
the dataset, as check results.

Per column, every method that fits its type is measured; the methods that *decide* are chosen
by type and size (``DriftSettings.voting_methods``); the others are reported for information.
A method flags a column when its effect size exceeds its threshold and, for tests with a
p-value, the Benjamini-Hochberg adjusted p-value (across the columns) is below ``alpha``.
Null-fraction changes (NaN is null), changes in the share of ±inf in a numeric column,
and never-seen categories are checks of their own and also make a column drift. The dataset
drifts when the share of drifted columns (weighted by feature importance if given) exceeds
``drift_share``; drifted columns then fail, else they warn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scipy import stats

from quality_gates.checks.drift.categorical import compare_categorical
from quality_gates.checks.drift.details import check_details, format_statistic, no_rows_check
from quality_gates.checks.drift.errors import DriftInputError
from quality_gates.checks.drift.measurement import Measurement
from quality_gates.checks.drift.multiple_testing import benjamini_hochberg
from quality_gates.checks.drift.numeric import compare_numeric
from quality_gates.checks.drift.thresholds import P_VALUE_METHODS, DriftSettings
from quality_gates.checks.json_safe import json_safe
from quality_gates.checks.profiles.binned import CurrentColumn, CurrentProfile, count_frame
from quality_gates.checks.profiles.model import NUMERIC
from quality_gates.checks.profiles.reference import ColumnReference, ReferenceProfile, comparable_kind
from quality_gates.checks.results import CheckKind, CheckResult, Severity, Status

if TYPE_CHECKING:
    import pandas as pd

CHECK_NAMES = {
    "null_fraction": "null_fraction_change",
    "non_finite_fraction": "non_finite_fraction_change",
    "unseen_categories": "unseen_categories",
}
ALWAYS_VOTING = ("null_fraction", "non_finite_fraction", "unseen_categories")


@dataclass
class _Finding:
    column: str
    measurement: Measurement
    threshold: float
    voting: bool
    voters: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)
    adjusted_p: float | None = None

    @property
    def exceeds(self) -> bool:
        return self.measurement.statistic > self.threshold

    def flagged(self, alpha: float) -> bool:
        return self.exceeds and (self.adjusted_p is None or self.adjusted_p < alpha)


@dataclass(frozen=True)
class DriftReport:
    checks: tuple[CheckResult, ...]
    compared: tuple[str, ...]
    drifted_columns: tuple[str, ...]
    drift_share: float
    dataset_drifted: bool
    row_count: int

    @property
    def status(self) -> Status:
        from quality_gates.checks.results import worst_status

        return worst_status([c.status for c in self.checks])


def compare_with_reference(
    reference: ReferenceProfile,
    current: pd.DataFrame | CurrentProfile,
    *,
    columns: Sequence[str] | None = None,
    settings: DriftSettings | None = None,
    current_name: str = "the current data",
) -> DriftReport:
    """``current``: the current data's counts on the reference's edges (``CurrentProfile``, from
    the engine where the data is), or a pandas frame, counted here."""
    settings = settings or DriftSettings()
    where = reference.describe()
    if not isinstance(current, CurrentProfile):
        current = count_frame(reference, current, columns)
    structural, compared = _structure(reference, current.types, columns, where, current_name)
    settings.check_columns(compared)
    if current.row_count == 0:
        empty = no_rows_check(f"{current_name} has 0 rows: nothing to compare with {where} ({reference.row_count:,} rows)")
        return DriftReport((empty, *structural), tuple(compared), (), 0.0, True, 0)

    findings: list[_Finding] = []
    for name in compared:
        findings += _measure_column(name, reference.columns[name], current.columns[name], settings, current_name)
    for method in P_VALUE_METHODS:
        tested = [(f, f.measurement.p_value) for f in findings if f.measurement.method == method and f.measurement.p_value is not None]
        for (finding, _), adjusted in zip(tested, benjamini_hochberg([p for _, p in tested])):
            finding.adjusted_p = adjusted

    drifted = [name for name in compared if any(f.voting and f.flagged(settings.alpha) for f in findings if f.column == name)]
    total_weight = sum(settings.weight(name) for name in compared)
    share = sum(settings.weight(name) for name in drifted) / total_weight if total_weight else 0.0
    dataset_drifted = share > settings.drift_share
    checks = [_check(f, settings, dataset_drifted, where) for f in findings]
    checks.append(_dataset_check(findings, compared, drifted, share, dataset_drifted, settings, where))
    return DriftReport((*structural, *checks), tuple(compared), tuple(drifted), share, dataset_drifted, current.row_count)


def _structure(reference: ReferenceProfile, types: Mapping[str, tuple[str, str]], columns, where: str, current_name: str):
    """Columns present on one side only, or retyped, are findings of their own."""
    current_columns = list(types)
    checks: list[CheckResult] = []
    if columns is None:
        wanted = list(reference.columns)
        added = [c for c in current_columns if c not in reference.columns]
    else:
        wanted = list(dict.fromkeys(columns))
        unknown = [c for c in wanted if c not in reference.columns and c not in current_columns]
        if unknown:
            raise DriftInputError(
                f"column(s) {', '.join(unknown)} are neither in {current_name} nor in {where}; "
                f"current columns: {', '.join(current_columns)}; reference columns: {', '.join(reference.columns)}"
            )
        added = [c for c in wanted if c not in reference.columns]
    for name in added:
        asked = columns is not None
        message = f"column '{name}' is in {current_name} but not in {where} (profiled columns: {', '.join(reference.columns)}): " + (
            "it cannot be compared; profile the training data again or drop it from columns"
            if asked
            else "new since the reference was profiled, not compared"
        )
        checks.append(
            CheckResult(
                "column_not_in_reference" if asked else "column_added",
                name,
                Status.FAILED if asked else Status.WARNED,
                Severity.ERROR if asked else Severity.WARN,
                "present",
                "absent (not in the reference)",
                check_details(message),
            )
        )
    compared = []
    for name in wanted:
        if name not in reference.columns:
            continue
        expected = reference.columns[name]
        if name not in current_columns:
            checks.append(
                CheckResult(
                    "column_missing",
                    name,
                    Status.FAILED,
                    Severity.ERROR,
                    "missing",
                    f"present ({expected.dtype})",
                    check_details(
                        f"column '{name}' of {where} ({expected.dtype}) is missing from {current_name}; it has: {', '.join(current_columns)}"
                    ),
                )
            )
            continue
        kind, dtype = types[name]
        if comparable_kind(kind) != comparable_kind(expected.kind):
            checks.append(
                CheckResult(
                    "type_changed",
                    name,
                    Status.FAILED,
                    Severity.ERROR,
                    f"{dtype} ({kind})",
                    f"{expected.dtype} ({expected.kind})",
                    check_details(
                        f"column '{name}' was {expected.dtype} ({expected.kind}) in {where} and is {dtype} ({kind}) "
                        f"in {current_name}: the distributions cannot be compared"
                    ),
                )
            )
            continue
        compared.append(name)
    return checks, compared


def _measure_column(
    name: str, reference: ColumnReference, current: CurrentColumn, settings: DriftSettings, current_name: str
) -> list[_Finding]:
    numeric = comparable_kind(reference.kind) == NUMERIC
    extra = {"dtype": reference.dtype if reference.dtype == current.dtype else f"{reference.dtype} → {current.dtype}"}
    non_finite = None
    present_count, null_count, rows = current.present, current.null_count, current.rows
    measurements: list[Measurement] = []
    if numeric:
        if reference.numeric is not None and current.numeric is not None and present_count:
            measurements = compare_numeric(reference.numeric, current.numeric)
        # ±inf are neither null nor in the histogram, as in the reference profile (its non_finite_count).
        non_finite = _non_finite_fraction(reference, rows, current.positive_inf, current.negative_inf)
    elif reference.categories is not None and current.categories is not None and present_count:
        measurements = compare_categorical(reference.categories, current.categories)
    categories = 0 if numeric or reference.categories is None else len(reference.categories.counts) + bool(reference.categories.other)
    voters = settings.voting_methods(name, numeric, min(reference.present, present_count), categories)
    findings = []
    null_change = _null_fraction(name, reference, rows, present_count, null_count, current_name)
    if null_change is not None:
        findings.append(_Finding(name, null_change, settings.threshold(name, "null_fraction"), True, voters, extra))
    elif not present_count:
        findings.append(
            _Finding(
                name,
                Measurement("null_fraction", math.inf, None, _nothing_to_compare(current_name, rows, null_count), {}),
                0.0,
                True,
                voters,
                extra,
            )
        )
    if non_finite is not None:
        findings.append(_Finding(name, non_finite, settings.threshold(name, "non_finite_fraction"), True, voters, extra))
    for measurement in measurements:
        voting = measurement.method in voters or measurement.method in ALWAYS_VOTING
        findings.append(_Finding(name, measurement, settings.threshold(name, measurement.method), voting, voters, extra))
    return findings


def _null_fraction(name: str, reference: ColumnReference, rows: int, present: int, nulls: int, current_name: str) -> Measurement | None:
    if reference.null_count is None:
        return None  # stored before null counts were kept
    n0, n1 = reference.count, rows
    p0, p1, p_value = _two_proportions(reference.null_count, n0, nulls, n1)
    summary = f"null fraction {p0:.1%} → {p1:.1%} (change {p1 - p0:+.1%})"
    if not present and reference.present:
        summary += "; " + _nothing_to_compare(current_name, n1, nulls)
    elif not reference.present and present:
        summary += (
            "; every value was null in the reference" if reference.null_count == n0 else "; the reference has no finite values"
        ) + ": the distribution cannot be compared"
    elif not present:
        summary += (
            "; every value is null on both sides" if nulls == n1 and reference.null_count == n0 else "; no finite values on either side"
        )
    return Measurement(
        "null_fraction", abs(p1 - p0), p_value, summary, {"reference_null_fraction": p0, "current_null_fraction": p1, "current_rows": n1}
    )


def _nothing_to_compare(current_name: str, rows: int, nulls: int) -> str:
    if nulls == rows:
        return f"every value is null in {current_name}: the distribution cannot be compared"
    return f"no finite values in {current_name} ({rows - nulls} ±inf, {nulls} null): the distribution cannot be compared"


def _non_finite_fraction(reference: ColumnReference, rows: int, positive: int, negative: int) -> Measurement | None:
    """The share of ±inf, a finding of its own: they are neither nulls nor part of any distribution
    test, so half a column turning +inf would otherwise pass. None when neither side has any."""
    if not reference.non_finite_count and not positive and not negative:
        return None
    p0, p1, p_value = _two_proportions(reference.non_finite_count, reference.count, positive + negative, rows)
    observed = f"{p1:.1%} non-finite (+inf {positive / rows:.1%}, -inf {negative / rows:.1%})"
    return Measurement(
        "non_finite_fraction",
        abs(p1 - p0),
        p_value,
        f"share of ±inf {p0:.1%} → {p1:.1%} (change {p1 - p0:+.1%}; +inf {positive:,}, -inf {negative:,} of {rows:,} rows)",
        {
            "reference_non_finite_fraction": p0,
            "current_non_finite_fraction": p1,
            "current_positive_inf": positive,
            "current_negative_inf": negative,
            "current_rows": rows,
            "observed": observed,
        },
    )


def _two_proportions(x0: int, n0: int, x1: int, n1: int) -> tuple[float, float, float]:
    """Both shares and the two-sided p-value of the pooled two-proportion z-test."""
    p0, p1 = x0 / n0 if n0 else 0.0, x1 / n1
    pooled = (x0 + x1) / (n0 + n1)
    se = math.sqrt(pooled * (1 - pooled) * (1 / max(n0, 1) + 1 / n1))
    p_value = float(2 * stats.norm.sf(abs(p1 - p0) / se)) if se > 0 else (1.0 if p1 == p0 else 0.0)
    return p0, p1, p_value


def _check(finding: _Finding, settings: DriftSettings, dataset_drifted: bool, where: str) -> CheckResult:
    m = finding.measurement
    flagged = finding.flagged(settings.alpha)
    if flagged and finding.voting:
        status = Status.FAILED if dataset_drifted else Status.WARNED
        verdict = f"exceeds the threshold {finding.threshold:g}: drift"
    elif flagged:
        status = Status.PASSED
        verdict = f"above {finding.threshold:g}, for information only ({', '.join(finding.voters)} decide for this column at this size)"
    elif finding.exceeds:
        status = Status.PASSED
        verdict = f"above {finding.threshold:g} but not significant at this sample size"
    else:
        status = Status.PASSED
        verdict = f"within the threshold {finding.threshold:g}"
    if finding.adjusted_p is not None:
        verdict += f" (BH-adjusted p = {finding.adjusted_p:.2g}, alpha {settings.alpha:g})"
    explanation = f"{finding.column}: {m.summary}; {verdict}"
    details = check_details(
        explanation,
        method=m.method,
        statistic=m.statistic,
        threshold=finding.threshold,
        p_value=m.p_value,
        p_value_adjusted=finding.adjusted_p,
        alpha=settings.alpha if m.method in P_VALUE_METHODS else None,
        voting=finding.voting,
        drifted=flagged and finding.voting,
        reference=where,
        **finding.extra,
        **dict(m.details),
    )
    expected = f"<= {finding.threshold:g}" + (f" or BH-adjusted p >= {settings.alpha:g}" if m.method in P_VALUE_METHODS else "")
    observed = format_statistic(m.statistic)
    if m.method == "non_finite_fraction":  # a share is read against the reference's share, not as a bare change
        observed, expected = m.details["observed"], f"{m.details['reference_non_finite_fraction']:.1%} ± {finding.threshold * 100:g}%"
    name = CHECK_NAMES.get(m.method, f"drift_{m.method}")
    return CheckResult(name, finding.column, status, Severity.ERROR, observed, expected, details)


def _dataset_check(findings, compared, drifted, share, dataset_drifted, settings: DriftSettings, where: str) -> CheckResult:
    culprits = []
    for name in drifted:
        worst = max(
            (f for f in findings if f.column == name and f.voting and f.flagged(settings.alpha)),
            key=lambda f: f.measurement.statistic / f.threshold if f.threshold else math.inf,
        )
        culprits.append(
            {
                "column": name,
                "method": worst.measurement.method,
                "statistic": json_safe(worst.measurement.statistic),
                "threshold": worst.threshold,
                "weight": settings.weight(name),
            }
        )
    weighted = settings.feature_importance is not None
    observed = f"{share:.1%} of compared columns drifted ({len(drifted)} of {len(compared)}{', weighted by feature importance' if weighted else ''})"
    named = "; ".join(f"{c['column']} ({c['method']} {format_statistic(c['statistic'])} > {c['threshold']:g})" for c in culprits)
    explanation = f"Drift against {where}: {named}" if culprits else f"No column drifted against {where} ({len(compared)} compared)"
    return CheckResult(
        "dataset_drift",
        None,
        Status.FAILED if dataset_drifted else Status.PASSED,
        Severity.ERROR,
        observed,
        f"<= {settings.drift_share:.0%} of columns",
        check_details(
            explanation,
            kind=CheckKind.DATASET_DRIFT,
            drift_share=share,
            max_drift_share=settings.drift_share,
            weighted=weighted,
            compared_columns=len(compared),
            drifted_columns=list(drifted),
            culprits=culprits,
            reference=where,
        ),
    )
