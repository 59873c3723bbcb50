"""Reference profiles and drift's current side computed by Spark: the counting primitives of
``binned_counts`` as Spark aggregations; only counts come back (as Rows).

* counts per slot: ``Bucketizer`` on the splits (-inf, edges…, +inf) gives each finite value's
  number of edges at or below it (a binary search per row); whether it equals that edge is one
  comparison with ``element_at`` of the edges. Grouped by slot: count, shifted sum and sum of
  squares, min, max (at most 2 × 1000 + 1 rows);
* a reference's edges: ``percentile_approx`` over all rows (``QUANTILE_ACCURACY``: each edge's
  rank is within rows / 10 000 of its target; the outer edges are the exact minimum and
  maximum). Counts on the edges are exact, so the histogram is exact for its edges: only where
  the edges sit is approximate;
* categories: grouped counts, the most frequent first, and the number of groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from quality_gates.checks.errors import require_unique_column_names
from quality_gates.checks.profiles.binned import CurrentProfile
from quality_gates.checks.profiles.model import BOOLEAN, CATEGORICAL, DATETIME, NUMERIC
from quality_gates.checks.profiles.reference import HISTOGRAM_BINS, MAX_CATEGORY_CHARS, TOP_CATEGORIES, ReferenceProfile, comparable_kind
from quality_gates.engines.binned_counts import count_current, count_reference
from quality_gates.engines.computation import SparkFrame
from quality_gates.engines.spark import QUANTILE_ACCURACY, _run, is_float, is_nested, kind_of, present, ref

VALUE, SLOT, CATEGORY = "__value", "__slot", "__category"


class SparkCounting:
    def __init__(self, computation: SparkFrame):
        self.frame = computation.frame
        self.fields = {field.name: field for field in self.frame.schema.fields}
        require_unique_column_names((field.name for field in self.frame.schema.fields), computation.name)

    def _kind(self, name: str) -> str:
        field = self.fields[name]
        return CATEGORICAL if is_nested(field.dataType) else kind_of(field.dataType)

    def types(self) -> dict[str, tuple[str, str]]:
        from pyspark.sql import types as T

        def dtype_name(name: str) -> str:
            kind, data_type = self._kind(name), self.fields[name].dataType
            if kind == BOOLEAN:
                return "bool"
            if kind == NUMERIC:
                return "int64" if isinstance(data_type, T.IntegralType) else "float64"
            if kind == DATETIME:
                return "datetime64[us, UTC]" if isinstance(data_type, T.TimestampType) else "datetime64[us]"
            return "str" if isinstance(data_type, T.StringType) else "object"

        return {name: (self._kind(name), dtype_name(name)) for name in self.fields}

    def _value(self, name: str) -> Any:
        from pyspark.sql import functions as F

        field = self.fields[name]
        if self._kind(name) == DATETIME:
            return F.unix_micros(ref(name).cast("timestamp")) / 1_000_000.0
        return present(field).cast("double")

    def _finite_rows(self, name: str) -> Any:
        from pyspark.sql import functions as F

        value = F.col(VALUE)
        return self.frame.select(self._value(name).alias(VALUE)).where((value > float("-inf")) & (value < float("inf")))

    def _text(self, name: str) -> Any:
        from pyspark.sql import functions as F
        from pyspark.sql import types as T

        field, column = self.fields[name], ref(name)
        if self._kind(name) == BOOLEAN:
            return F.when(column, F.lit("True")).when(~column, F.lit("False"))
        if isinstance(field.dataType, T.StringType):
            return F.substring(column, 1, MAX_CATEGORY_CHARS)
        return present(field).cast("string")

    def scan(self, names: Sequence[str]) -> tuple[int, dict[str, dict[str, int]]]:
        from pyspark.sql import functions as F

        parts = [F.count(F.lit(1)).alias("rows")]
        for index, name in enumerate(names):
            if comparable_kind(self._kind(name)) == NUMERIC:
                value = self._value(name)
                parts.append(F.count(value).alias(f"c{index}_present"))
                if is_float(self.fields[name].dataType):
                    parts += [
                        F.count_if(value == float("inf")).alias(f"c{index}_positive_inf"),
                        F.count_if(value == float("-inf")).alias(f"c{index}_negative_inf"),
                    ]
            else:
                parts.append(F.count(self._text(name)).alias(f"c{index}_present"))
        row = self.frame.agg(*parts).collect()[0].asDict()
        counts = {
            name: {key.split("_", 1)[1]: int(value or 0) for key, value in row.items() if key.startswith(f"c{index}_")}
            for index, name in enumerate(names)
        }
        return int(row["rows"]), counts

    def edges(self, name: str, positions: np.ndarray, finite: int) -> list[float]:
        from pyspark.sql import functions as F

        shares = [float(p) / max(finite - 1, 1) for p in positions]
        found = self._finite_rows(name).agg(F.percentile_approx(F.col(VALUE), shares, QUANTILE_ACCURACY)).collect()[0][0]
        return [float(e) for e in found or []]

    def slots(self, name: str, edges: np.ndarray, shift: float) -> list[tuple]:
        from pyspark.sql import functions as F

        values = self._finite_rows(name)
        value = F.col(VALUE)
        if len(edges):
            from pyspark.ml.feature import Bucketizer

            splits = [float("-inf"), *map(float, edges), float("inf")]
            bucketed = Bucketizer(splits=splits, inputCol=VALUE, outputCol=SLOT).transform(values)
            below = F.col(SLOT).cast("int")
            edge = F.element_at(F.array(*(F.lit(float(e)) for e in edges)), F.greatest(below, F.lit(1)))
            slot = F.when((below > 0) & (value == edge), 2 * below - 1).otherwise(2 * below)
        else:
            bucketed, slot = values, F.lit(0)
        shifted = value - F.lit(shift)
        grouped = bucketed.groupBy(slot.alias("slot")).agg(
            F.count(F.lit(1)), F.sum(shifted), F.sum(shifted * shifted), F.min(value), F.max(value)
        )
        return [tuple(row) for row in grouped.collect()]

    def _categories(self, name: str) -> Any:
        from pyspark.sql import functions as F

        return self.frame.select(self._text(name).alias(CATEGORY)).where(F.col(CATEGORY).isNotNull())

    def top_values(self, name: str, limit: int, excluded: Sequence[str] | None = None) -> tuple[list[tuple[str, int]], int]:
        from pyspark.sql import functions as F

        values = self._categories(name)
        if excluded is not None and len(excluded):
            values = values.where(~F.col(CATEGORY).isin(list(excluded)))
        grouped = values.groupBy(CATEGORY).agg(F.count(F.lit(1)).alias("n"))
        top = grouped.orderBy(F.col("n").desc(), F.col(CATEGORY)).limit(limit).collect()
        return [(str(row[0]), int(row[1])) for row in top], grouped.count()

    def known_counts(self, name: str, known: Sequence[str]) -> dict[str | None, int]:
        from pyspark.sql import functions as F

        category = F.when(F.col(CATEGORY).isin(list(known)), F.col(CATEGORY)) if known else F.lit(None).cast("string")
        grouped = self._categories(name).select(category.alias("known")).groupBy("known").count().collect()
        return {row[0]: int(row[1]) for row in grouped}


def current_spark(computation: SparkFrame, reference: ReferenceProfile, *, columns: Sequence[str] | None) -> CurrentProfile:
    return _run(computation, lambda: count_current(SparkCounting(computation), reference, columns))


def reference_spark(
    computation: SparkFrame,
    *,
    columns: Sequence[str] | None,
    bins: int = HISTOGRAM_BINS,
    top_categories: int = TOP_CATEGORIES,
    skip_missing: bool = False,
) -> ReferenceProfile:
    return _run(computation, lambda: count_reference(SparkCounting(computation), columns, bins, top_categories, skip_missing))
