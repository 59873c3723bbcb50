"""The SQL profile's two scans (checks/profiles/sql_engine.py): DuckDB over Parquet agrees with
the pandas engine; the hash bucket's duplicate-row estimate stays within its stated bound and
still catches replayed rows; the exact second pass (NaN, infinities), character lengths of
multi-byte text and the fallbacks (heavy duplication, a pre-filter key with few values) give
what pandas gives."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from quality_gates.checks.profiles.pandas_engine import profile_frame
from quality_gates.checks.profiles.sampled import SAMPLED_ABOVE_SAMPLE_ROWS
from quality_gates.checks.profiles.sql_engine import profile_sql
from quality_gates.engines import DuckDBFiles, Family, compute
from tests.unit.test_profile_engines import (
    assert_duplicate_share_within_bound,
    assert_exact_metrics_agree,
    assert_light_metrics_within_hoeffding,
    assert_sample_estimates_within_bounds,
    assert_sampled_metrics_equal,
    orders,
    table_query,
    write_table,
)

pytest.importorskip("duckdb_engine")


def parquet_orders(tmp_path, rows: int, seed: int = 0) -> tuple[pd.DataFrame, DuckDBFiles]:
    frame = orders(rows, seed).drop(columns=["coupon"])  # an all-null object column has no Parquet type
    path = tmp_path / "orders.parquet"
    frame.to_parquet(path)
    return frame, DuckDBFiles.scan([str(path)], "parquet", f"file {path}")


def test_duckdb_over_parquet_agrees_with_pandas(tmp_path):
    frame, files = parquet_orders(tmp_path, 5_000)
    expected = profile_frame(frame)
    actual = compute(Family.PARTITION_PROFILE, files, sample_rows=100_000)
    assert_exact_metrics_agree(expected, actual)
    assert_sampled_metrics_equal(expected, actual)


def test_duckdb_bucket_estimates_are_within_the_stated_bounds(tmp_path):
    frame, files = parquet_orders(tmp_path, 50_000, seed=3)
    reference = profile_frame(frame, sample_rows=2_000)
    actual = compute(Family.PARTITION_PROFILE, files, sample_rows=2_000)
    assert actual.sample_rows == 2_000
    assert_exact_metrics_agree(reference, actual, duplicates_from=2_000, from_sample=SAMPLED_ABOVE_SAMPLE_ROWS)
    assert_sample_estimates_within_bounds(frame, reference, actual)
    assert_light_metrics_within_hoeffding(reference, actual)


def replayed(rows: int, share: float, seed: int = 0) -> pd.DataFrame:
    """Distinct events, then ``share`` of them delivered a second time (a replayed batch)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"event_id": np.arange(rows), "amount": rng.normal(50, 20, rows).round(2), "kind": rng.choice(["a", "b"], rows)})
    again = frame.sample(frac=share, random_state=seed)
    return pd.concat([frame, again], ignore_index=True)


def test_replayed_rows_are_caught_by_the_estimate(postgres_database):
    frame = replayed(40_000, 0.02)
    engine = write_table(postgres_database, "replayed_events", frame)
    exact = profile_frame(frame).table_metrics["duplicate_row_share"]
    estimate = profile_sql(engine, table_query("replayed_events"), sample_rows=4_000)
    assert estimate.sample_rows == 4_000
    assert_duplicate_share_within_bound(exact, estimate.table_metrics["duplicate_row_share"], 4_000)
    assert estimate.table_metrics["duplicate_row_share"] > 0.01  # replays show, far above 0

    clean = frame.drop_duplicates()
    write_table(postgres_database, "clean_events", clean)
    assert profile_sql(engine, table_query("clean_events"), sample_rows=4_000).table_metrics["duplicate_row_share"] == 0.0


def test_a_table_of_one_repeated_row_falls_back_to_the_exact_count(postgres_database):
    frame = pd.DataFrame({"amount": [2.5] * 30_000, "kind": ["x"] * 30_000})
    engine = write_table(postgres_database, "one_row_repeated", frame)
    profile = profile_sql(engine, table_query("one_row_repeated"), sample_rows=1_000)
    assert profile.table_metrics["duplicate_row_share"] == (30_000 - 1) / 30_000
    assert profile.sample_rows == 1_000 and profile.columns["amount"].metrics["top_value_share"] == 1.0


def test_a_key_with_few_values_is_not_used_to_pre_filter(postgres_database):
    """The best pre-filter column (a float) has 3 values: rows sharing one would be sampled together."""
    rng = np.random.default_rng(5)
    rows = 60_000
    frame = pd.DataFrame(
        {"rate": rng.choice([0.5, 1.5, 2.5], rows), "user_id": rng.integers(0, 10**9, rows), "note": rng.choice(["p", "q"], rows)}
    )
    engine = write_table(postgres_database, "few_rates", frame)
    reference = profile_frame(frame, sample_rows=2_000)
    actual = profile_sql(engine, table_query("few_rates"), sample_rows=2_000)
    assert actual.sample_rows == 2_000
    assert_exact_metrics_agree(reference, actual, duplicates_from=2_000, from_sample=SAMPLED_ABOVE_SAMPLE_ROWS)
    assert_sample_estimates_within_bounds(frame, reference, actual)


@pytest.mark.parametrize("where", ["postgres", "duckdb"])
def test_nan_and_infinities_take_the_exact_pass_and_multibyte_text_counts_characters(where, postgres_database, tmp_path):
    frame = pd.DataFrame(
        {
            "x": [1.5, math.inf, -math.inf, math.nan, 0.0, -2.0, None],
            "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            "city": ["Zürich", "東京", "", None, "Oslo", "Oslo", "a"],
            "code": ["ab", "c", "", None, "de", "fgh", "i"],
        }
    )
    if where == "postgres":
        engine = write_table(postgres_database, "non_finite", frame)
        actual = profile_sql(engine, table_query("non_finite"))
    else:
        path = tmp_path / "non_finite.parquet"
        frame.to_parquet(path)
        actual = compute(Family.PARTITION_PROFILE, DuckDBFiles.scan([str(path)], "parquet", "file"), sample_rows=100_000)
    expected = profile_frame(frame)
    assert_exact_metrics_agree(expected, actual)
    assert_sampled_metrics_equal(expected, actual)
    x = actual.columns["x"].metrics
    assert (x["null_fraction"], x["mean"], x["max"]) == (pytest.approx(2 / 7), pytest.approx(-0.5 / 3), 1.5)
    assert actual.columns["city"].metrics["length_max"] == 6 and actual.columns["code"].metrics["length_max"] == 3


def test_postgres_sample_is_the_same_at_each_run(postgres_database):
    """The bucket is chosen by row hashes, not random(): the same rows give the same profile."""
    frame = replayed(30_000, 0.01, seed=2)
    engine = write_table(postgres_database, "stable_events", frame)
    first, second = (profile_sql(engine, table_query("stable_events"), sample_rows=1_500) for _ in range(2))
    assert first == second


def test_sqlite_keeps_the_exact_count_and_bernoulli_sample(tmp_path):
    frame = replayed(20_000, 0.02)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'w.db'}")
    frame.to_sql("events", engine, index=False)
    profile = profile_sql(engine, table_query("events"), sample_rows=1_000)
    assert profile.table_metrics["duplicate_row_share"] == pytest.approx(
        profile_frame(frame).table_metrics["duplicate_row_share"], rel=1e-12
    )


def test_a_statement_timeout_during_a_profile_is_a_retryable_error_naming_the_source(postgres_database):
    from quality_gates.checks.errors import QueryTimeoutError, RetryableError
    from quality_gates.engines import SqlQuery

    engine = write_table(postgres_database, "slow_orders", orders(100))
    slow = sa.text("SELECT o.* FROM slow_orders o, pg_sleep(2)")
    data = SqlQuery(engine, slow, "query (connection 'warehouse')", timeout_seconds=0.2)
    with pytest.raises(QueryTimeoutError) as error:
        compute(Family.PARTITION_PROFILE, data, sample_rows=1_000)
    assert isinstance(error.value, RetryableError)
    assert str(error.value) == (
        "query (connection 'warehouse'): the query was cancelled after the statement timeout of 0.2 s; "
        "raise timeout_seconds or narrow the partition"
    )


def test_a_declared_type_narrower_than_the_table_still_pre_filters(postgres_database):
    """Integer declared for a bigint column: the pre-filter key's hash casts to its own type."""
    frame = pd.DataFrame({"n": np.arange(30_000, dtype="int64") + 2**40})
    engine = write_table(postgres_database, "wide_ids", frame)
    query = sa.select(sa.column("n", sa.Integer)).select_from(sa.table("wide_ids"))
    profile = profile_sql(engine, query, sample_rows=1_000)
    assert profile.sample_rows == 1_000 and profile.table_metrics["duplicate_row_share"] == 0.0
    assert profile.columns["n"].metrics["min"] == 2**40


def test_duckdb_running_out_of_its_memory_limit_names_the_setting():
    """DuckDB runs in the worker under QUALITY_GATES_DUCKDB_MEMORY_LIMIT; a DISTINCT aggregate cannot
    spill, so a limit too small for the data is an error that says which setting to raise."""
    from quality_gates.checks.errors import SourceError
    from quality_gates.engines import SqlQuery
    from quality_gates.engines.sql_session import read_error

    engine = sa.create_engine("duckdb:///:memory:", connect_args={"config": {"memory_limit": "20MB", "threads": 1}})
    query = sa.text("SELECT count(DISTINCT x) FROM range(20000000) AS t(x)")
    with pytest.raises(sa.exc.DBAPIError) as raised, engine.connect() as connection:
        connection.execute(query).one()
    error = read_error(SqlQuery(engine, query, "file events.parquet"), raised.value)
    assert isinstance(error, SourceError)
    assert str(error).startswith("cannot read file events.parquet: Out of Memory Error")
    assert "raise QUALITY_GATES_DUCKDB_MEMORY_LIMIT" in str(error)
