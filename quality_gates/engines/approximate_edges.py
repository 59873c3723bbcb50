"""Reference edges from the warehouses' own approximate quantile functions: one scan, no sort.

The exact edges (``reference_sql.edges_query``: ``row_number()`` over the sorted column) cost a
sort of the column in the database. Where a warehouse has an approximate quantile aggregate, one
scan gives every edge instead. Only where the edges sit is approximate: the counts on them stay
exact (``binned_counts.count_reference`` counts on the edges it got, and brackets them with the
exact minimum and maximum when an approximate extreme falls inside the data), so the histogram is
still exact, its bins only less equal in mass; the KS statistic on the counts is then off by at
most the largest bin's mass (known exactly, from the counts) instead of 1/1000.

Each edge's rank error, as a share of the column's finite values, as the warehouses document it:

| warehouse | aggregate | bound |
|---|---|---|
| Databricks | ``approx_percentile(x, array(p, ...), 10000)`` | 1/accuracy = 0.01% (Spark's ``percentile_approx``) |
| Redshift | ``APPROXIMATE PERCENTILE_DISC(p) WITHIN GROUP (ORDER BY x)`` | "relative error around 0.5 percent" |
| Snowflake | ``APPROX_PERCENTILE(x, p)`` | t-Digest: "constant relative error", "no rigorous proof" of a bound |
| Trino | ``approx_percentile(x, ARRAY[p, ...])`` | none documented |
| BigQuery | ``APPROX_QUANTILES(x, n)`` (n + 1 boundaries) | none documented (its KLL functions take a precision) |

PostgreSQL and SQLite have no approximate quantile (exact edges, one sort); DuckDB picks exact
ranks with ``quantile_disc``; Spark uses ``percentile_approx`` (docs/spark.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement

DATABRICKS_ACCURACY = 10_000  # rank error 1/accuracy of the rows


class _Approximate(ColumnElement):
    """Redshift's ``APPROXIMATE`` prefix of an aggregate."""

    inherit_cache = True

    def __init__(self, aggregate: ColumnElement):
        self.aggregate = aggregate
        self.type = aggregate.type


@compiles(_Approximate)
def _compile_approximate(element: _Approximate, compiler: Any, **kw: Any) -> str:
    return "APPROXIMATE " + compiler.process(element.aggregate, **kw)


def approximate_edges(dialect: str, value: ColumnElement, positions: np.ndarray, finite: int) -> list[ColumnElement] | None:
    """The aggregates giving the values at about 0-based ``positions`` among ``finite`` sorted
    values (one row: one array, or one value per edge); None where the warehouse has none."""
    shares = [min(1.0, (int(p) + 0.5) / finite) for p in positions]  # the share just inside each rank
    if dialect == "databricks":
        return [sa.func.approx_percentile(value, sa.func.array(*shares), DATABRICKS_ACCURACY)]
    if dialect == "trino":
        return [sa.func.approx_percentile(value, sa.literal(shares, sa.ARRAY(sa.Double())))]
    if dialect == "bigquery":  # evenly spaced boundaries, minimum and maximum included
        return [sa.func.approx_quantiles(value, max(1, len(positions) - 1))]
    if dialect == "snowflake":
        return [sa.func.approx_percentile(value, share) for share in shares]
    if dialect == "redshift":
        return [_Approximate(sa.func.percentile_disc(share).within_group(value)) for share in shares]
    return None
