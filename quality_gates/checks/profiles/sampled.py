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

# Exact on every engine up to sample_rows rows; above, the polars and SQL engines take them from
# their sample too: each costs a pass over all rows as dear as all the moments together (the
# characters of every string, the floor of every float, the time of day of every stamp).
# Hoeffding bound against all rows: checks/profiles/model.py.
SAMPLED_ABOVE_SAMPLE_ROWS = frozenset(
    {"negative_fraction", "integer_fraction", "length_mean", "length_std", "length_min", "length_max", "time_of_day_mean"}
)
