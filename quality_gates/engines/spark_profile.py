"""Partition profiles computed by Spark (see ``engines.spark``): the same metrics, by the same
arithmetic (``profiles.aggregates``), as the pandas, polars and SQL engines."""

from __future__ import annotations

import math
from typing import Any

from quality_gates.checks.profiles.aggregates import exact_metrics, in_model_order
from quality_gates.checks.profiles.model import (
    BOOLEAN,
    CATEGORICAL,
    DATETIME,
    NUMERIC,
    QUANTILES,
    ColumnProfile,
    PartitionProfile,
)
from quality_gates.checks.profiles.pandas_engine import profile_column
from quality_gates.checks.profiles.sampled import SAMPLED_ABOVE_SAMPLE_ROWS, SAMPLED_METRICS
from quality_gates.engines.spark import QUANTILE_ACCURACY, SAMPLE_SEED, is_float, is_nested, kind_of, present, ref, wide_aggregation

# DataSketches KLL size: normalized rank error 2.296 / k^0.9723 (99% confidence): 0.073% of rows.
KLL_K = 4000
KLL_RANK_ERROR = 2.296 / KLL_K**0.9723
# As the SQL and polars engines: these come from the sample (every row up to ``sample_rows``;
# the Hoeffding bound of checks/profiles/model.py above). Each cost the exact pass as much as all
# the moments together (the characters of every string, the floor of every float, the time of day
# of every stamp): 2M x 15, the pass took 4x a moments-only aggregation with them.
FROM_THE_SAMPLE = SAMPLED_METRICS | SAMPLED_ABOVE_SAMPLE_ROWS
# Bernoulli sampling asks for this many standard deviations more rows than needed (as the SQL engine).
SAMPLE_MARGIN_SIGMAS = 5


def profile(frame: Any, sample_rows: int) -> PartitionProfile:
    """Four passes, each pruned to the columns it reads: the exact metrics (one aggregation,
    compiled to Java), the numeric quantiles (``percentile_approx`` is not compiled, and would
    stop the exact pass from being compiled if it shared it), the row sample, and the distinct
    row hashes."""
    from pyspark.sql import functions as F

    fields = frame.schema.fields
    kinds = {field.name: kind_of(field.dataType) if not is_nested(field.dataType) else CATEGORICAL for field in fields}
    expressions: list[tuple[tuple[int | None, str], Any]] = [((None, "rows"), F.count(F.lit(1)))]
    quantile_expressions: list[tuple[tuple[int | None, str], Any]] = []
    sketches = kll_sketches(frame)
    for index, field in enumerate(fields):
        for name, expression in _aggregates(field, kinds[field.name], sketches).items():
            (quantile_expressions if name == "quantiles" else expressions).append(((index, name), expression))
    with wide_aggregation(frame):
        found = _collect(frame, expressions)
    rows = int(found[(None, "rows")])
    if rows and quantile_expressions:
        found |= _collect(frame, quantile_expressions)
    sample = _sample(frame, [f for f in fields if kinds[f.name] != BOOLEAN], rows, sample_rows)
    columns = {}
    for index, field in enumerate(fields):
        kind = kinds[field.name]
        aggregates = {name: value for (at, name), value in found.items() if at == index}
        metrics = exact_metrics(kind, aggregates, rows)
        top_values: tuple[tuple[str, float], ...] = ()
        if kind != BOOLEAN:
            series = sample[field.name]
            sampled = profile_column(series, series)
            metrics |= {name: value for name, value in sampled.metrics.items() if name in FROM_THE_SAMPLE}
            top_values = sampled.top_values
        if kind == NUMERIC:  # over all rows, not the sample
            quantiles = aggregates.get("quantiles") or [None] * len(QUANTILES)
            metrics |= {name: _float(q) for name, q in zip(QUANTILES, quantiles)}
        columns[field.name] = ColumnProfile(kind, in_model_order(kind, metrics), top_values)
    table = {"row_count": float(rows), "duplicate_row_share": _duplicate_share(frame, rows)}
    return PartitionProfile(rows, columns, table, len(sample))


def _collect(frame: Any, expressions: list[tuple[Any, Any]]) -> dict[Any, Any]:
    """One aggregation of ``expressions`` ((key, Column) pairs): {key: value}."""
    values = frame.agg(*(e.alias(f"a{n}") for n, (_k, e) in enumerate(expressions))).collect()[0]
    return {key: value for (key, _e), value in zip(expressions, values)}


def kll_sketches(frame: Any) -> bool:
    """Whether the Spark that computes has DataSketches' KLL functions (Spark 4.1+)."""
    major, minor = (int(part) for part in frame.sparkSession.version.split(".")[:2])
    return (major, minor) >= (4, 1)


def _quantiles(values: Any, sketches: bool) -> Any:
    """p05…p95 of ``values`` over all rows: a KLL sketch where Spark has one (a quarter of
    ``percentile_approx``'s CPU; rank error at most ``KLL_RANK_ERROR`` of the rows with 99%
    confidence), else ``percentile_approx`` (rank error at most rows / ``QUANTILE_ACCURACY``)."""
    from pyspark.sql import functions as F

    if not sketches:
        return F.percentile_approx(values, list(QUANTILES.values()), QUANTILE_ACCURACY)
    ranks = F.array(*(F.lit(q) for q in QUANTILES.values()))
    # A sketch of no values is no valid sketch: Spark's get_quantile raises on it.
    return F.when(F.count(values) > 0, F.kll_sketch_get_quantile_double(F.kll_sketch_agg_double(values, F.lit(KLL_K)), ranks))


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _aggregates(field: Any, kind: str, sketches: bool) -> dict[str, Any]:
    from pyspark.sql import functions as F

    column = ref(field.name)
    value = present(field)
    if kind == BOOLEAN:
        return {"non_null": F.count(column), "trues": F.count_if(column)}
    if kind == NUMERIC:
        number = value.cast("double")
        finite = F.when((number > float("-inf")) & (number < float("inf")), number)
        return {
            "non_null": F.count(value),
            "mean": F.avg(finite),
            "std": F.stddev_pop(finite),
            "min": F.min(finite),
            "max": F.max(finite),
            "zeros": F.count_if(number == 0),
            "quantiles": _quantiles(finite, sketches),
        }
    if kind == DATETIME:
        micros = F.unix_micros(value.cast("timestamp"))
        return {
            "non_null": F.count(value),
            "span_seconds": (F.max(micros) - F.min(micros)) / 1e6,
        }
    text = value.cast("string")
    return {"non_null": F.count(text), "empties": F.count_if(text == F.lit(""))}


def _sample(frame: Any, fields: list, rows: int, sample_rows: int) -> Any:
    """A uniform sample of at most ``sample_rows`` rows as pandas series (built from Rows)."""
    import pandas as pd

    projected = frame.select(*(present(f).alias(f.name) for f in fields))
    if rows > sample_rows:
        expected = sample_rows + SAMPLE_MARGIN_SIGMAS * math.sqrt(sample_rows) + 10
        projected = projected.sample(fraction=min(1.0, expected / rows), seed=SAMPLE_SEED).limit(sample_rows)
    collected = projected.collect() if fields and rows else []
    values = list(zip(*collected)) if collected else [() for _ in fields]
    data = {}
    for field, column in zip(fields, values):
        kind = kind_of(field.dataType) if not is_nested(field.dataType) else CATEGORICAL
        if kind == NUMERIC:
            integral = not is_float(field.dataType) and field.dataType.typeName() != "decimal"
            series = (
                pd.Series(pd.array(list(column), dtype="Int64"))
                if integral
                else pd.Series([math.nan if v is None else float(v) for v in column], dtype="float64")
            )
        elif kind == DATETIME:
            series = pd.to_datetime(pd.Series(list(column), dtype=object), utc=True).astype("datetime64[ns, UTC]")
        else:
            series = pd.Series(list(column), dtype=object)
        data[field.name] = series
    return pd.DataFrame(data) if fields else pd.DataFrame(index=pd.RangeIndex(0))


def _duplicate_share(frame: Any, rows: int) -> float:
    """Rows minus distinct rows, over rows. Rows are compared by a 64-bit hash of their values
    (only 8 bytes a row are shuffled, not every column): two different rows with the same hash
    count as one duplicate; among n rows that happens with probability at most n² / 2⁶⁵
    (2·10⁻⁵ at 20M rows)."""
    from pyspark.sql import functions as F

    if rows < 2 or not frame.schema.fields:
        return 0.0 if rows else math.nan
    # NaN is missing (equal to NULL) as in pandas; nested values compare by their JSON text. Spark's
    # hash skips NULLs, so each value is hashed with its null flag: (NULL, 1) and (1, NULL) differ.
    parts = []
    for field in frame.schema.fields:
        value = present(field)
        parts += [value, value.isNull()]
    distinct = frame.select(F.xxhash64(*parts).alias("qg_row_hash")).distinct().count()
    return (rows - distinct) / rows
