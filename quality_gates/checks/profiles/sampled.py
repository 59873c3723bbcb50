"""Which profile metrics are computed from the uniform row sample; every other metric is exact."""

from __future__ import annotations

from quality_gates.checks.profiles.model import QUANTILES

SAMPLED_METRICS = frozenset(
    {
        *QUANTILES,
        "distinct_ratio",
        "top_value_share",
        *(f"time_of_day_{name}" for name in QUANTILES),
        "modal_date_share",
    }
)
