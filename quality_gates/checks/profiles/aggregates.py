"""From per-column aggregates to exact profile metrics, shared by the polars and SQL engines.

Both engines compute, their own way, the same aggregates over all rows of a column (counts,
moments, extremes); this module turns them into the metrics the pandas engine defines, so the
arithmetic from aggregates to metrics exists once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from quality_gates.checks.profiles.model import (
    BOOLEAN,
    CATEGORICAL,
    DATETIME,
    METRICS_BY_KIND,
    NUMERIC,
    finite_or_nan,
    safe_ratio,
)

# What the polars engine computes per column (the SQL engine: these but "negatives", "integers",
# the length statistics and "time_of_day_mean", which it takes from its sample). Means, std (population) and extremes are over finite
# values only; "zeros", "negatives" and "integers" count finite values; infinities still count
# as present ("non_null"), as in the pandas engine.
AGGREGATES_BY_KIND: dict[str, tuple[str, ...]] = {
    NUMERIC: ("non_null", "mean", "std", "min", "max", "zeros", "negatives", "integers"),
    BOOLEAN: ("non_null", "trues"),
    CATEGORICAL: ("non_null", "length_mean", "length_std", "length_min", "length_max", "empties"),
    DATETIME: ("non_null", "span_seconds", "time_of_day_mean"),
}


def exact_metrics(kind: str, aggregates: Mapping[str, Any], rows: int) -> dict[str, float]:
    """The metrics of the aggregates an engine computed; a metric whose aggregate it left out
    (the SQL engine takes ``SAMPLED_ABOVE_SAMPLE_ROWS`` from its sample) is left out too."""
    non_null = int(aggregates["non_null"] or 0)

    def share(count_name: str) -> float:
        return safe_ratio(int(aggregates[count_name] or 0), non_null)

    def present(name: str) -> float:  # a database returns NULL (None) where pandas has NaN
        return finite_or_nan(aggregates[name]) if non_null else math.nan

    metrics = {"null_fraction": safe_ratio(rows - non_null, rows)}
    values, shares = _METRICS_FROM_AGGREGATES[kind]
    metrics |= {name: present(name) for name in values if name in aggregates}
    metrics |= {metric: share(count) for metric, count in shares.items() if count in aggregates}
    return metrics


# Per kind: metrics that are an aggregate's value, and metrics that are a count's share of values.
_METRICS_FROM_AGGREGATES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    NUMERIC: (("mean", "std", "min", "max"), {"zero_fraction": "zeros", "negative_fraction": "negatives", "integer_fraction": "integers"}),
    BOOLEAN: ((), {"true_fraction": "trues"}),
    CATEGORICAL: (("length_mean", "length_std", "length_min", "length_max"), {"empty_fraction": "empties"}),
    DATETIME: (("span_seconds", "time_of_day_mean"), {}),
}


def in_model_order(kind: str, metrics: Mapping[str, float]) -> dict[str, float]:
    """The metrics in METRICS_BY_KIND order, as the pandas engine lists them."""
    return {name: metrics[name] for name in METRICS_BY_KIND[kind]}
