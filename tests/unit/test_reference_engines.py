"""Reference profiles and drift's current side computed where the data is (PostgreSQL, SQLite,
DuckDB over Parquet, polars, pandas chunks) agree with the in-memory pandas path on the same data;
the statements compile for the warehouses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
import sqlalchemy as sa

from quality_gates.checks.drift import compare_with_reference
from quality_gates.checks.profiles.reference import profile_reference
from quality_gates.engines import DuckDBFiles, Family, PandasChunks, PolarsFrame, SqlQuery, compute
from quality_gates.engines.reference_sql import (
    ColumnSql,
    counts_query,
    edges_query,
    known_counts_query,
    slot_query,
    top_values_query,
)

ENGINES = ["sqlite", "postgres", "duckdb", "polars", "pandas_chunks"]


def trips(rows: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "fare": rng.gamma(2.0, 6.0, rows) + shift,
            "passengers": rng.integers(1, 5, rows),
            "zone": rng.choice(["A", "B", "C", "D"], rows, p=[0.4, 0.3, 0.2, 0.1]),
            "paid": rng.random(rows) < 0.7,
            "pickup": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 86_400 * 7, rows), unit="s"),
        }
    )
    frame.loc[:9, "fare"] = np.nan
    frame.loc[10:12, "fare"] = np.inf
    frame.loc[13:20, "zone"] = None
    return frame


@pytest.fixture(params=ENGINES)
def where(request, tmp_path):
    """where(frame, name) -> the frame as a computation on the engine under test."""
    name = request.param
    if name in ("sqlite", "postgres"):
        url = f"sqlite:///{tmp_path / 'data.db'}" if name == "sqlite" else request.getfixturevalue("postgres_database")
        engine = sa.create_engine(url)

        def table(frame: pd.DataFrame, label: str):
            frame.to_sql(label, engine, if_exists="replace", index=False)
            return SqlQuery(engine, sa.select(sa.literal_column("*")).select_from(sa.table(label)), f"table {label}")

        return table
    if name == "duckdb":

        def files(frame: pd.DataFrame, label: str):
            frame.to_parquet(tmp_path / f"{label}.parquet")
            return DuckDBFiles.scan([str(tmp_path / f"{label}.parquet")], "parquet", f"{label}.parquet")

        return files
    if name == "polars":
        return lambda frame, label: PolarsFrame(pl.from_pandas(frame).lazy(), label)
    # Streamed in chunks of 700 rows: the counts are added chunk by chunk.
    return lambda frame, label: PandasChunks(lambda _size: (frame.iloc[i : i + 700] for i in range(0, max(len(frame), 1), 700)), label)


def checks(report) -> dict:
    return {(c.column, c.check_name): (c.status, c.details.get("statistic")) for c in report.checks}


def test_drift_current_side_gives_the_in_memory_checks(where, request):
    reference = profile_reference(trips(3_000, 0))
    current = trips(2_000, 1, shift=1.5)
    current.loc[21:60, "zone"] = "E"  # never seen in the reference
    counted = compute(Family.CURRENT_SKETCH, where(current, "current"), reference, columns=None)
    in_engine, in_memory = checks(compare_with_reference(reference, counted)), checks(compare_with_reference(reference, current))
    assert in_engine.keys() == in_memory.keys()
    for key, (status, statistic) in in_memory.items():
        assert in_engine[key][0] == status, key
        if statistic is not None:
            assert in_engine[key][1] == pytest.approx(statistic, rel=1e-9, abs=1e-12), key
    assert in_engine[("fare", "drift_wasserstein")][0] == "failed" and in_engine[("zone", "unseen_categories")][0] == "failed"
    unseen = [c for c in compare_with_reference(reference, counted).checks if c.check_name == "unseen_categories"][0]
    assert unseen.details["unseen"] == {"E": 40} and unseen.details["unseen_distinct"] == 1


def test_reference_profile_agrees_with_the_in_memory_profile(where, request):
    frame = trips(4_000, 2)
    in_engine = compute(Family.REFERENCE_PROFILE, where(frame, "reference"), columns=None)
    in_memory = profile_reference(frame)
    chunked = request.node.callspec.params["where"] == "pandas_chunks"
    assert in_engine.row_count == 4_000
    for name, expected in in_memory.columns.items():
        got = in_engine.columns[name]
        assert (got.kind, got.count, got.null_count, got.non_finite_count) == (
            expected.kind,
            expected.count,
            expected.null_count,
            expected.non_finite_count,
        ), name
        if expected.numeric is not None:
            assert got.numeric.mean == pytest.approx(expected.numeric.mean) and got.numeric.std == pytest.approx(expected.numeric.std)
            assert got.numeric.discrete == expected.numeric.discrete and got.numeric.total == expected.numeric.total
            if not chunked:  # exact quantile edges; over chunks the edges come from merged chunk profiles
                np.testing.assert_array_equal(got.numeric.edges, expected.numeric.edges)
                np.testing.assert_array_equal(got.numeric.counts, expected.numeric.counts)
        else:
            assert dict(got.categories.counts) == dict(expected.categories.counts), name
            assert (got.categories.other, got.categories.distinct) == (expected.categories.other, expected.categories.distinct)


def test_a_reference_column_the_data_lacks_is_named(where):
    with pytest.raises(KeyError, match="columns not in the reference data: tip; it has fare, passengers"):
        compute(Family.REFERENCE_PROFILE, where(trips(50, 0), "reference"), columns=["fare", "tip"])
    kept = compute(Family.REFERENCE_PROFILE, where(trips(50, 0), "reference"), columns=["fare", "tip"], skip_missing=True)
    assert list(kept.columns) == ["fare"]


def test_empty_current_data_is_counted_as_empty(where):
    reference = profile_reference(trips(500, 0))
    counted = compute(Family.CURRENT_SKETCH, where(trips(500, 1).iloc[:0], "empty"), reference, columns=["fare", "zone"])
    report = compare_with_reference(reference, counted, columns=["fare", "zone"])
    assert counted.row_count == 0 and [c.check_name for c in report.checks] == ["not_empty"]


# ---- warehouses: the same statements compile and parse -------------------------------------------

sqlglot = pytest.importorskip("sqlglot")


@pytest.mark.parametrize("name", ["snowflake", "bigquery", "trino", "databricks", "redshift"])
def test_reference_and_current_side_statements_compile_to_the_warehouses_sql(name):
    from quality_gates.checks.profiles.sql_columns import SqlColumn
    from tests.unit.test_warehouse_sql import _dialects

    dialect = _dialects()[name]
    relation = sa.select(sa.literal_column("*")).select_from(sa.table("trips", schema="analytics")).subquery("profiled")
    fare = ColumnSql(SqlColumn("fare", "numeric", sa.Double()), name)
    pickup = ColumnSql(SqlColumn("pickup", "datetime", sa.DateTime()), name)
    zone = ColumnSql(SqlColumn("zone", "categorical", sa.String()), name)
    paid = ColumnSql(SqlColumn("paid", "boolean", sa.Boolean()), name)
    edges = np.array([0.5, 1.0, 2.5, 4.0, 9.75])
    statements = {
        "counts": counts_query([fare, pickup, zone, paid], relation),
        "slots": slot_query(fare, relation, edges, 2.5),
        "datetime slots": slot_query(pickup, relation, edges, 2.5),
        "edges": edges_query(fare, relation, np.array([0, 3, 9]), 10),
        "top values": top_values_query(zone, relation, 1000),
        "unseen values": top_values_query(paid, relation, 100, excluded=["True"]),
        "known counts": known_counts_query(zone, relation, ["A", "B"]),
    }
    for label, statement in statements.items():
        sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        assert sqlglot.parse_one(sql, read=name) is not None, label
    slots = str(statements["slots"].compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    assert slots.count("CASE WHEN") == 2 * len(edges)  # a binary search: one comparison per edge and one equality per slot
    # Edges from the warehouse's own approximate quantile aggregate: one scan, no sort.
    edges_sql = str(statements["edges"].compile(dialect=dialect, compile_kwargs={"literal_binds": True})).upper()
    assert APPROXIMATE_QUANTILES[name] in edges_sql and "ROW_NUMBER" not in edges_sql, edges_sql


APPROXIMATE_QUANTILES = {
    "snowflake": "APPROX_PERCENTILE(",
    "bigquery": "APPROX_QUANTILES(",
    "trino": "APPROX_PERCENTILE(",
    "databricks": "APPROX_PERCENTILE(",
    "redshift": "APPROXIMATE PERCENTILE_DISC(",
}


def test_nan_stored_in_a_parquet_file_is_missing_not_a_value(tmp_path):
    # pyarrow keeps NaN as a value (pandas' to_parquet turns it into null); DuckDB's Parquet
    # statistics leave NaN out, which once made it count as finite.
    import pyarrow as pa
    import pyarrow.parquet as pq

    values = np.random.default_rng(0).normal(0, 1, 20_000)
    values[::10] = np.nan
    pq.write_table(pa.table({"x": values}), tmp_path / "nan.parquet")
    reference = compute(Family.REFERENCE_PROFILE, DuckDBFiles.scan([str(tmp_path / "nan.parquet")], "parquet", "nan.parquet"), columns=None)
    assert (reference.columns["x"].null_count, reference.columns["x"].numeric.total) == (2_000, 18_000)
    assert reference.columns["x"].numeric.mean == pytest.approx(np.nanmean(values))


def test_lineage_metrics_of_the_current_side_come_from_its_counts():
    from quality_gates.checks.profiles.binned import count_frame
    from quality_gates.lineage.facts import metrics_from_current, metrics_from_frame

    reference, current = profile_reference(trips(5_000, 0)), trips(3_000, 1, shift=0.5)
    from_counts, from_values = metrics_from_current(count_frame(reference, current)), metrics_from_frame(current)
    for name in ("fare", "passengers"):
        exact = {k: from_values[name][k] for k in ("nullCount", "count", "min", "max")}
        assert {k: from_counts[name][k] for k in exact} == exact
        assert from_counts[name]["sum"] == pytest.approx(from_values[name]["sum"])
    finite = current["fare"][np.isfinite(current["fare"])]
    for key, q in zip(("0.05", "0.25", "0.5", "0.75", "0.95"), (0.05, 0.25, 0.5, 0.75, 0.95)):
        # interpolated within the reference's bins: the share below it is within a bin's share (0.1%) + sampling
        assert (finite < from_counts["fare"]["quantiles"][key]).mean() == pytest.approx(q, abs=0.005)
    assert from_counts["zone"]["distinctCount"] == current["zone"].nunique()
