"""Partition profiles: typed summary statistics of one partition, the input of anomaly detection.

Every engine (pandas, polars, SQL) fills the same metrics with the same definitions:

* Exact, over all rows: row count, null fraction, mean, std (population), min, max, zero,
  negative and integer-valued fractions, string length statistics, empty-string and true
  fractions, and the duplicate-row share (some of them from the sample on more rows: below).
* Over a uniform random sample of at most ``SAMPLE_ROWS`` rows (all rows below that size):
  quantiles, distinct ratio, most-frequent-value share, the top values with their shares, and
  time-of-day quantiles and the modal date share (share of timestamps on the most common
  calendar date: a shifted clock moves rows out of a daily partition's date). Quantiles from
  a 100,000-row sample are within ±0.43 percentile ranks of the exact ones with 95% confidence
  (Dvoretzky–Kiefer–Wolfowitz bound); the distinct ratio is that of the sample, which keeps it
  comparable between partitions of different sizes.

How closely the engines agree (asserted by tests/unit/test_profile_engines.py):

* Exact metrics: within 1e-9 relative (sums taken in a different order). SQLite has no
  stddev, so std comes from E[x²] − E[x]²: within 1e-6 relative (cancellation costs about
  log10((mean/std)²) of float64's 16 digits). SQLite's date functions resolve milliseconds:
  datetime span and mean time of day within 1 ms.
* Duplicate-row share: pandas, polars and PostgreSQL >= 14 hash each row to 64 bits (about
  3e-6 expected false duplicates among 10^7 rows); PostgreSQL < 14 uses md5 and SQLite compares
  rows. -0.0 and 0.0 are the same value, as NaN and null are. The SQL engine (PostgreSQL,
  DuckDB, the warehouses) counts it exactly up to ``sample_rows`` rows; on more rows it counts
  the rows whose row hash falls in a bucket of the hash range holding about n = ``sample_rows``
  rows (both copies of a duplicate fall in it together, each distinct row with the same
  probability): an unbiased estimate whose standard error is at most sqrt(D(1 − D)/n) when
  duplicates come in pairs (D the share; n = 100,000 and D = 1%: ±0.03 percentage points, so a
  replay of 0.2% of the rows is 5 standard errors above none), and at most sqrt(M·D/n) when a
  row repeats up to M times. SQLite, and any table so duplicated that the bucket comes out far
  from its expected size, keep the exact count.
* Negative and integer-valued fractions, string length statistics and the mean time of day
  (``sampled.SAMPLED_ABOVE_SAMPLE_ROWS``): exact up to ``sample_rows`` rows. Above, the polars,
  SQL and Spark engines take them from their sample (each would cost a pass over all rows as dear as
  all the moments): with n sampled rows, a fraction, and a mean scaled to [0, 1] by its range
  (a length mean by the column's length range, the mean time of day by 86,400 s), is within
  sqrt(ln(2/δ) / 2n) of all rows' with probability 1 − δ (Hoeffding; n = 100,000, δ = 0.05:
  0.0043). Sampled length extremes and std have no such bound (a rare long value can be
  missed). The SQL engine's sample is read into pandas, so stamps beyond 2262 stay out of its
  mean time of day (as out of every time-of-day metric).
* Sample-based metrics when every row is sampled: equal up to float rounding. Top values are
  equal except for the order of equally frequent values, which is their first occurrence in
  the order rows are read (a database promises no order).
* Sample-based metrics of larger data: pandas and polars sample the same rows (seed 0) and
  agree exactly. The SQL engine samples the rows of the lowest row hashes (the same rows at each
  run; each row with the same probability, duplicates together; SQLite: Bernoulli, then a
  random subset, a different one at each run). With n sampled rows and ε = sqrt(ln(2/δ) / 2n), each of the
  following holds with probability at least 1 − δ: every quantile lies within ε of its
  percentile rank in all rows (DKW); a share (top value, modal date) within 2ε of the share
  in all rows; the distinct ratios of two engines within 2ε of each other (bounded
  differences). n = 100,000 and δ = 0.05 give ε = 0.0043; the tests use n = 2,000 and
  δ = 1e-6, ε = 0.060.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

SAMPLE_ROWS = 100_000
TOP_VALUES = 20
TABLE = "*"  # the column name under which table-level metrics are stored

NUMERIC, CATEGORICAL, BOOLEAN, DATETIME = "numeric", "categorical", "boolean", "datetime"
QUANTILES = {"p05": 0.05, "p25": 0.25, "p50": 0.50, "p75": 0.75, "p95": 0.95}

METRICS_BY_KIND: dict[str, tuple[str, ...]] = {
    NUMERIC: (
        "null_fraction",
        "mean",
        "std",
        "min",
        "max",
        *QUANTILES,
        "zero_fraction",
        "negative_fraction",
        "integer_fraction",
        "distinct_ratio",
        "top_value_share",
    ),
    CATEGORICAL: (
        "null_fraction",
        "distinct_ratio",
        "top_value_share",
        "length_mean",
        "length_std",
        "length_min",
        "length_max",
        "empty_fraction",
    ),
    BOOLEAN: ("null_fraction", "true_fraction"),
    DATETIME: (
        "null_fraction",
        "distinct_ratio",
        "span_seconds",
        "time_of_day_mean",
        *(f"time_of_day_{q}" for q in QUANTILES),
        "modal_date_share",
    ),
}
TABLE_METRICS = ("row_count", "duplicate_row_share")

# Metrics that are a share of rows: their sampling noise is binomial (see the detector).
FRACTION_METRICS = frozenset(
    {
        "null_fraction",
        "zero_fraction",
        "negative_fraction",
        "integer_fraction",
        "top_value_share",
        "empty_fraction",
        "true_fraction",
        "duplicate_row_share",
        "distinct_ratio",
        "modal_date_share",
    }
)


@dataclass(frozen=True)
class ColumnProfile:
    kind: str
    metrics: Mapping[str, float]
    # (value as text, share of sampled non-null values), most frequent first; for datetime
    # columns the values are hours of the day ("07h"), so that a shifted clock shows as new values.
    top_values: tuple[tuple[str, float], ...] = ()

    def value(self, metric: str) -> float:
        return self.metrics.get(metric, math.nan)


@dataclass(frozen=True)
class PartitionProfile:
    row_count: int
    columns: Mapping[str, ColumnProfile]
    table_metrics: Mapping[str, float] = field(default_factory=dict)
    sample_rows: int = 0
    partition_key: str | None = None

    def metric_items(self):
        """(column, metric, value) for every metric, table-level ones under ``TABLE``."""
        for metric, value in self.table_metrics.items():
            yield TABLE, metric, value
        for name, column in self.columns.items():
            for metric, value in column.metrics.items():
                yield name, metric, value

    def with_key(self, partition_key: str) -> PartitionProfile:
        return PartitionProfile(self.row_count, self.columns, self.table_metrics, self.sample_rows, partition_key)


def finite_or_nan(value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return math.nan
    return value if math.isfinite(value) else math.nan


def safe_ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan
