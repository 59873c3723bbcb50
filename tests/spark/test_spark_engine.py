"""The Spark engine agrees with the pandas engine on the same data: schema check rows and
counts exactly, profiles within the stated tolerances, column values exactly."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

from quality_gates.checks.errors import PushdownError
from quality_gates.checks.profiles.model import QUANTILES
from quality_gates.checks.profiles.sampled import SAMPLED_ABOVE_SAMPLE_ROWS, SAMPLED_METRICS
from quality_gates.engines import Capability, Family, PandasChunks, compute, registered
from quality_gates.engines.computation import SparkFrame
from tests.unit.test_profile_engines import assert_exact_metrics_agree, orders
from tests.unit.test_schema_pushdown import ORDERS, comparable, validate


def order_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": [1, 2, 3, 3, 5, 6],
            "amount": [10.0, 95.0, np.nan, 120.0, 50.0, -1.0],
            "status": ["new", "paid", None, "shipped", "pd", "paid"],
            "quantity": [1, 13, 2, 0, 5, 1],
        }
    )


def test_spark_is_registered_for_every_family():
    for family in Family:
        assert Capability.SPARK in registered(family)


def test_schema_check_rows_agree_with_pandas(parquet):
    frame, local = parquet(order_rows())
    expected = validate(PandasChunks.of(local), ORDERS)
    actual = validate(SparkFrame(frame, "spark part"), ORDERS)
    assert comparable(actual) == comparable(expected)
    assert {c.check_name for c in actual.checks if c.status != "passed"} >= {"in_range", "unique", "not_nullable", "isin"}


def test_schema_failure_cases_carry_the_key_columns(parquet):
    frame, _local = parquet(order_rows())
    result = validate(SparkFrame(frame, "spark part", key_columns=("order_id",)), ORDERS)
    in_range = next(c for c in result.checks if c.check_name == "in_range")
    assert sorted(case["row"] for case in in_range.details["failure_cases"]) == [3, 6]


def test_custom_checks_and_coerced_dtypes_run_on_chunks_and_agree(parquet):
    schema = pa.DataFrameSchema(
        {
            "amount": pa.Column(float, pa.Check(lambda s: s.fillna(0) < 100, name="below_100"), nullable=True),
            "quantity": pa.Column(int, coerce=True),
        },
        checks=[pa.Check(lambda df: df["quantity"] > 0, name="positive_quantity")],
    )
    frame, local = parquet(order_rows())
    expected = validate(PandasChunks.of(local), schema)
    assert comparable(validate(SparkFrame(frame, "spark part"), schema, chunk_size=2)) == comparable(expected)
    with pytest.raises(PushdownError, match="pushdown='require', but .*check 'below_100' on column 'amount'.* cannot run in Spark"):
        validate(SparkFrame(frame, "spark part"), schema, pushdown="require")


def test_missing_column_and_wrong_dtype_are_check_rows(parquet):
    schema = pa.DataFrameSchema({"order_id": pa.Column(str), "customer": pa.Column(int)})
    frame, _local = parquet(order_rows())
    result = validate(SparkFrame(frame, "spark part"), schema)
    rows = {(c.check_name, c.column): c for c in result.checks}
    assert rows[("column_present", "customer")].status == "failed"
    assert rows[("dtype", "order_id")].status == "failed" and "bigint" in rows[("dtype", "order_id")].observed


def test_profile_agrees_with_pandas(parquet):
    from quality_gates.checks.profiles import profile_partition

    data = orders(3_000).drop(columns="coupon")  # an all-None column: Parquet gives Spark an int column
    frame, local = parquet(data)
    expected = profile_partition(local, engine="pandas", sample_rows=10_000)
    actual = compute(Family.PARTITION_PROFILE, SparkFrame(frame, "spark part"), sample_rows=10_000)
    assert_exact_metrics_agree(expected, actual)
    # Every row is in the sample (3 000 < 10 000): sample metrics agree exactly, quantiles
    # (percentile_approx over all rows) are within one rank in 10 000 of pandas' interpolation.
    for name, column in expected.columns.items():
        for metric, value in column.metrics.items():
            other = actual.columns[name].metrics[metric]
            if metric in QUANTILES and column.kind == "numeric":
                values = np.sort(local[name].dropna().to_numpy(dtype=float))
                if not len(values):
                    assert math.isnan(other), (name, metric)
                    continue
                low, high = np.quantile(values, max(QUANTILES[metric] - 1e-3, 0)), np.quantile(values, min(QUANTILES[metric] + 1e-3, 1))
                assert (math.isnan(value) and math.isnan(other)) or low <= other <= high, (name, metric, value, other)
            elif metric in SAMPLED_METRICS:
                assert (math.isnan(value) and math.isnan(other)) or math.isclose(value, other, rel_tol=1e-9), (name, metric)
        assert [v for v, _ in actual.columns[name].top_values][:3] == [v for v, _ in column.top_values][:3] or column.kind == "numeric"


def test_profile_samples_large_partitions(parquet):
    frame, _local = parquet(orders(2_000))
    profile = compute(Family.PARTITION_PROFILE, SparkFrame(frame, "spark part"), sample_rows=500)
    assert profile.sample_rows == 500 and profile.row_count == 2_060
    # Negative and integer fractions, length statistics, mean time of day: from the sample, within
    # the Hoeffding bound of checks/profiles/model.py (sqrt(ln(2/0.001) / 1000) at 99.9%).
    exact = compute(Family.PARTITION_PROFILE, SparkFrame(frame, "spark part"), sample_rows=10_000)
    bound = math.sqrt(math.log(2 / 0.001) / (2 * 500))
    for name, column in exact.columns.items():
        for metric in SAMPLED_ABOVE_SAMPLE_ROWS & set(column.metrics):
            value, sampled = column.metrics[metric], profile.columns[name].metrics[metric]
            scale = {"time_of_day_mean": 86_400.0}.get(metric, 1.0)
            if metric.startswith("length_"):
                scale = max(exact.columns[name].metrics["length_max"] - exact.columns[name].metrics["length_min"], 1.0)
            if metric in ("length_mean", "negative_fraction", "integer_fraction", "time_of_day_mean") and not math.isnan(value):
                assert abs(value - sampled) <= bound * scale, (name, metric, value, sampled)


def test_empty_partition_profile_and_schema(parquet):
    frame, local = parquet(order_rows().iloc[:0])
    profile = compute(Family.PARTITION_PROFILE, SparkFrame(frame, "spark part"), sample_rows=100)
    assert profile.row_count == 0 and math.isnan(profile.columns["amount"].metrics["mean"])
    result = validate(SparkFrame(frame, "spark part"), ORDERS)
    not_empty = next(c for c in result.checks if c.check_name == "not_empty")
    assert not_empty.status == "failed"
    assert comparable(result) == comparable(validate(PandasChunks.of(local), ORDERS))


def test_nested_columns_are_profiled_and_checked_as_json_text(spark):
    frame = spark.sql("SELECT id, map('a', id) AS tags, array(id, id) AS pair, named_struct('x', id) AS point FROM range(4)")
    profile = compute(Family.PARTITION_PROFILE, SparkFrame(frame, "nested"), sample_rows=100)
    assert {profile.columns[n].kind for n in ("tags", "pair", "point")} == {"categorical"}
    assert profile.columns["pair"].top_values[0][0].startswith("[")
    assert profile.table_metrics["duplicate_row_share"] == 0.0
    schema = pa.DataFrameSchema({"tags": pa.Column(str, nullable=False), "pair": pa.Column(object, pa.Check.isin([1]))})
    rows = {(c.check_name, c.column): c.status for c in validate(SparkFrame(frame, "nested"), schema).checks}
    assert rows[("dtype", "tags")] == "failed" and rows[("not_nullable", "tags")] == "passed"
    assert rows[("isin", "pair")] == "failed"


def test_column_values_are_the_requested_columns(parquet):
    frame, local = parquet(orders(500))
    values = compute(Family.COLUMN_VALUES, SparkFrame(frame, "spark part"), columns=["amount", "city", "nope"])
    assert list(values.columns) == ["amount", "city"]
    pd.testing.assert_series_equal(values["amount"], local["amount"], check_names=False)

    def texts(series):
        return series.astype(object).where(series.notna(), None).tolist()

    assert texts(values["city"]) == texts(local["city"])
