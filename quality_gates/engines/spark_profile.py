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
from quality_gates.checks.profiles.sampled import SAMPLED_METRICS
from quality_gates.engines.spark import QUANTILE_ACCURACY, SAMPLE_SEED, is_float, is_nested, kind_of, present, ref

MICROS_PER_DAY = 86_400_000_000
# Bernoulli sampling asks for this many standard deviations more rows than needed (as the SQL engine).
SAMPLE_MARGIN_SIGMAS = 5


def profile(frame: Any, sample_rows: int) -> PartitionProfile:
    from pyspark.sql import functions as F

    fields = frame.schema.fields
    kinds = {field.name: kind_of(field.dataType) if not is_nested(field.dataType) else CATEGORICAL for field in fields}
    expressions: list[tuple[tuple[int | None, str], Any]] = [((None, "rows"), F.count(F.lit(1)))]
    for index, field in enumerate(fields):
        expressions += [((index, name), e) for name, e in _aggregates(field, kinds[field.name]).items()]
    values = frame.agg(*(e.alias(f"a{n}") for n, (_k, e) in enumerate(expressions))).collect()[0]
    found = {key: value for (key, _e), value in zip(expressions, values)}
    rows = int(found[(None, "rows")])
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
            metrics |= {name: value for name, value in sampled.metrics.items() if name in SAMPLED_METRICS}
            top_values = sampled.top_values
        if kind == NUMERIC:  # over all rows, not the sample
            quantiles = aggregates.get("quantiles") or [None] * len(QUANTILES)
            metrics |= {name: _float(q) for name, q in zip(QUANTILES, quantiles)}
        columns[field.name] = ColumnProfile(kind, in_model_order(kind, metrics), top_values)
    table = {"row_count": float(rows), "duplicate_row_share": _duplicate_share(frame, rows)}
    return PartitionProfile(rows, columns, table, len(sample))


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _aggregates(field: Any, kind: str) -> dict[str, Any]:
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
            "negatives": F.count_if(finite < 0),
            "integers": F.count_if(F.floor(finite) == finite),
            "quantiles": F.percentile_approx(finite, list(QUANTILES.values()), QUANTILE_ACCURACY),
        }
    if kind == DATETIME:
        micros = F.unix_micros(value.cast("timestamp"))
        return {
            "non_null": F.count(value),
            "span_seconds": (F.max(micros) - F.min(micros)) / 1e6,
            "time_of_day_mean": F.avg(F.pmod(micros, F.lit(MICROS_PER_DAY))) / 1e6,
        }
    text = value.cast("string")
    lengths = F.char_length(text).cast("double")
    return {
        "non_null": F.count(text),
        "length_mean": F.avg(lengths),
        "length_std": F.stddev_pop(lengths),
        "length_min": F.min(lengths),
        "length_max": F.max(lengths),
        "empties": F.count_if(text == F.lit("")),
    }


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
    if rows < 2 or not frame.schema.fields:
        return 0.0 if rows else math.nan
    # NaN is missing (equal to NULL) as in pandas; nested values compare by their JSON text.
    distinct = frame.select(*(present(f).alias(f.name) for f in frame.schema.fields)).distinct().count()
    return (rows - distinct) / rows
