"""Summaries of one gate run's checks by the kind of gate that wrote them: culprit columns and
why (anomaly, drift, skew), the model's metrics against their bars (model and serving gates) and
the label report of a serving gate. Anything not recognised here is still shown, generically,
check by check; these only read the recorded ``details``, so old results render the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from quality_gates.checks.results import CheckKind, GateAction, GateKind, GateMode, action_words
from quality_gates.plugin.schemas import CheckOut, CulpritOut, LabelReportOut, MetricOut

GATE_LABELS = {
    GateKind.SCHEMA: "schema",
    GateKind.ANOMALY: "anomaly",
    GateKind.DRIFT: "drift",
    GateKind.SKEW: "training/serving skew",
    GateKind.REFERENCE: "reference profile",
    GateKind.MODEL_METRIC: "model metric",
    GateKind.SERVING_METRIC: "serving metric",
    GateKind.FRESHNESS: "freshness",
    GateKind.CROSS_TABLE: "cross-table",
}


@dataclass(frozen=True)
class GateView:
    """Which sections of a gate run's page a kind of gate fills (each section is one view below)."""

    culprits: bool = False
    metrics: bool = False
    labels: bool = False
    partition: bool = False  # the profiled partition and its baseline actions: only anomaly gates profile


VIEWS = {
    GateKind.SCHEMA: GateView(),
    GateKind.ANOMALY: GateView(culprits=True, partition=True),
    GateKind.DRIFT: GateView(culprits=True),
    GateKind.SKEW: GateView(culprits=True),
    GateKind.REFERENCE: GateView(),
    GateKind.MODEL_METRIC: GateView(metrics=True),
    GateKind.SERVING_METRIC: GateView(metrics=True, labels=True),
    GateKind.FRESHNESS: GateView(),  # age and newest timestamp: observed vs expected says it all
    GateKind.CROSS_TABLE: GateView(),  # example keys shown with each check's details
}
# A kind this version does not know (written by a newer gate): every section that finds its details.
UNKNOWN_GATE = GateView(culprits=True, metrics=True, labels=True)


def view_for(gate: str) -> GateView:
    try:
        return VIEWS[GateKind(gate)]
    except ValueError:
        return UNKNOWN_GATE


def gate_label(kind: str) -> str:
    return GATE_LABELS.get(kind, kind.replace("_", " "))


def action_label(action: str | None, mode: str | None) -> str | None:
    """ "allowed in warn mode", "blocked", "skipped"; None for runs recorded before actions were."""
    try:
        return action_words(GateAction(action), GateMode(mode) if mode else None) if action else None
    except ValueError:  # a value this version does not know: show it as it is
        return action


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) else None


def _g(value: float) -> str:
    return f"{value:.4g}"


# --- culprit columns -----------------------------------------------------------------------------


def culprits(checks: list[CheckOut]) -> list[CulpritOut]:
    """Columns the gate blames, each with the measurement that blames it (when there is one)."""
    found: dict[str, CulpritOut] = {}

    def add(column: Any, reason: str | None = None) -> None:
        if isinstance(column, str) and column and (column not in found or (reason and not found[column].reason)):
            found[column] = CulpritOut(column=column, reason=reason)

    by_column = {(c.check_name, c.column): c for c in checks}
    for check in checks:
        details = check.details
        for item in details.get("culprits") or []:
            if isinstance(item, dict):  # drift: {"column", "method", "statistic", "threshold", ...}
                measures = [c.details for c in checks if c.column == item.get("column") and c.details.get("drifted")]
                add(item.get("column"), "; ".join(filter(None, map(_drift_reason, measures or [item]))) or None)
            else:  # anomaly: column names
                add(item)
        for column in details.get("skewed_features") or []:
            skew = by_column.get(("feature_skew", column))
            add(column, _skew_reason(skew.details) if skew else None)
    return list(found.values())


def _drift_reason(item: dict[str, Any]) -> str | None:
    statistic, threshold = _number(item.get("statistic")), _number(item.get("threshold"))
    if statistic is None and item.get("statistic") != "inf":
        return None
    shown = "inf" if statistic is None else _g(statistic)
    method = item.get("method") or "distance"
    return f"{method} {shown} > threshold {_g(threshold)}" if threshold is not None else f"{method} {shown}"


def _skew_reason(details: dict[str, Any]) -> str | None:
    share, threshold = _number(details.get("statistic")), _number(details.get("threshold"))
    if share is None:
        return None
    rows = details.get("compared_rows")
    of = f" of {rows:,} joined rows" if isinstance(rows, int) else ""
    return f"{share:.1%}{of} differ" + (f" (threshold {threshold:.1%})" if threshold is not None else "")


# --- model metrics -------------------------------------------------------------------------------


def metrics(checks: list[CheckOut]) -> list[MetricOut]:
    """Each metric × slice a model or serving gate judged: value and interval against the bar, with
    positions (0–100 %) for a small drawing."""
    rows = [c for c in checks if c.details.get("kind") == CheckKind.MODEL_METRIC]
    out = []
    for c in sorted(rows, key=lambda c: (str(c.details.get("metric")), c.details.get("slice") != "overall", str(c.details.get("slice")))):
        d = c.details
        value, low, high, bar = (_number(d.get(k)) for k in ("value", "ci_low", "ci_high", "bar"))
        # Each row on its own scale: what matters is where the interval lies against this row's bar.
        points = [v for v in (value, low, high, bar) if v is not None]
        lo, hi = (min(points), max(points)) if points else (0.0, 1.0)
        pad = (hi - lo) * 0.25 or abs(hi) * 0.05 or 0.05
        lo, hi = lo - pad, hi + pad

        def at(v: float | None) -> float | None:
            return None if v is None else round(100 * (v - lo) / (hi - lo), 2)  # noqa: B023 (used in this iteration only)

        confidence = _number(d.get("confidence"))
        out.append(
            MetricOut(
                metric=str(d.get("metric") or c.check_name),
                slice=str(d.get("slice") or c.column or "overall"),
                status=c.status,
                verdict=str(d.get("verdict") or c.status),
                value=value,
                ci_low=low,
                ci_high=high,
                confidence=f"{round(confidence * 100)}%" if confidence is not None else None,
                bar=bar,
                direction=d.get("direction"),
                baseline=_number(d.get("baseline")),
                baseline_source=d.get("baseline_source"),
                rows=d.get("n") if isinstance(d.get("n"), int) else None,
                explanation=d.get("explanation"),
                value_at=at(value),
                ci_low_at=at(low),
                ci_high_at=at(high),
                bar_at=at(bar),
            )
        )
    return out


# --- the serving gate's labels -------------------------------------------------------------------


def label_report(checks: list[CheckOut]) -> LabelReportOut | None:
    """Coverage, delay and class balance of a serving gate's joined labels, if it recorded them."""
    named = {c.check_name: c for c in checks if c.details.get("kind") == CheckKind.SERVING_EVALUATION}
    if not named:
        return None
    volume, coverage = named.get("prediction_volume"), named.get("label_coverage")
    delay, balance = named.get("label_delay"), named.get("class_balance")
    cov = coverage.details if coverage else {}
    classes: list[dict[str, Any]] = []
    if balance:
        shares = {k: balance.details.get(k) or {} for k in ("labels", "predicted", "predicted_labelled")}
        for name in sorted(set().union(*(s.keys() for s in shares.values()))):
            classes.append({"class": name, **{k: _number(s.get(name)) for k, s in shares.items()}})
    insufficient = cov.get("verdict") == "insufficient labels" or (volume is not None and volume.details.get("predictions") == 0)
    unjudged = cov.get("unjudged_metrics") if isinstance(cov.get("unjudged_metrics"), dict) else {}
    return LabelReportOut(
        insufficient=insufficient,
        reason=_without_prefix(
            coverage.details.get("explanation")
            if coverage and insufficient
            else volume.details.get("explanation")
            if volume and insufficient
            else None
        ),
        predictions=volume.details.get("predictions") if volume else None,
        labelled=cov.get("labelled"),
        coverage=_number(cov.get("coverage")),
        min_coverage=coverage.expected if coverage else None,
        delay_mean=delay.observed.removeprefix("mean ") if delay and delay.observed else None,
        delay_max=_duration(_number(delay.details.get("max_seconds"))) if delay else None,
        delay_histogram={k: v for k, v in (delay.details.get("histogram") or {}).items()} if delay else {},
        classes=classes,
        unjudged_metrics={k.replace("@", " on "): _number(v) for k, v in unjudged.items()},
    )


def _duration(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


def _without_prefix(text: str | None) -> str | None:
    """The explanation after "insufficient labels: " (the page says that in bold already)."""
    return text.split(": ", 1)[1] if text and text.startswith("insufficient labels: ") else text
