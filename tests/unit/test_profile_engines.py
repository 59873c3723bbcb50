"""The pandas, polars and SQL (SQLite, PostgreSQL) profiling engines agree on the same data.

Tolerances are those stated in ``quality_gates.checks.profiles.model``:
exact metrics within 1e-9 relative (SQLite: std within 1e-6, datetimes within 1 ms);
sample-based metrics equal when every row is sampled; on larger data, each engine's quantiles
within the DKW bound (in rank terms) of the whole data's, shares within twice that bound.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

import numpy as np
import pandas as pd
import polars as pl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quality_gates.checks.profiles import ColumnProfile, PartitionProfile, profile_partition
from quality_gates.checks.profiles.model import BOOLEAN, DATETIME, NUMERIC, QUANTILES
from quality_gates.checks.profiles.pandas_engine import NS_PER_DAY, profile_frame, sample_positions
from quality_gates.checks.profiles.polars_engine import SAMPLED_IN_POLARS, profile_polars
from quality_gates.checks.profiles.sampled import SAMPLED_ABOVE_SAMPLE_ROWS, SAMPLED_METRICS
from quality_gates.checks.profiles.sql_engine import profile_sql

EXACT_RELATIVE = 1e-9
SQLITE_STD_RELATIVE = 1e-6
SQLITE_DATETIME_SECONDS = 1e-3  # SQLite's date functions resolve milliseconds
# A test fails by chance with probability at most this, per engine and column (DKW, McDiarmid).
FALSE_ALARM = 1e-6
Z_FALSE_ALARM = 4.9  # a normal deviate beyond ±4.9 has probability 1e-6


def dkw_epsilon(sample_size: int, false_alarm: float = FALSE_ALARM) -> float:
    """sup |F_sample - F| exceeds this with probability at most false_alarm (Dvoretzky-Kiefer-Wolfowitz)."""
    return math.sqrt(math.log(2 / false_alarm) / (2 * sample_size))


# ---- data -----------------------------------------------------------------------------------


def orders(rows: int, seed: int = 0) -> pd.DataFrame:
    """Orders as they land: nulls, zeros, negatives, empty strings, a constant and an empty
    column, and about 3% of rows delivered twice."""
    rng = np.random.default_rng(seed)
    amount = rng.normal(40, 25, rows).round(2)
    amount[rng.random(rows) < 0.08] = 0.0
    amount[rng.random(rows) < 0.1] = np.nan
    quantity = pd.array(rng.integers(-2, 12, rows), dtype="Int64")
    quantity[rng.random(rows) < 0.07] = pd.NA
    city = pd.array(rng.choice(["Paris", "Zürich", "東京", "São Paulo", "", "Oslo"], rows, p=[0.3, 0.2, 0.1, 0.1, 0.1, 0.2]), dtype="str")
    city[rng.random(rows) < 0.05] = None
    paid = pd.array(rng.random(rows) < 0.7, dtype="boolean")
    paid[rng.random(rows) < 0.04] = pd.NA
    start = pd.Timestamp("2024-06-01 00:00:00")
    created_at = pd.Series(start + pd.to_timedelta(rng.integers(0, 3 * 86_400 * 10**6, rows), unit="us"), dtype="datetime64[us]")
    created_at[rng.random(rows) < 0.06] = pd.NaT
    shipped_at = (created_at + pd.to_timedelta(rng.integers(3_600, 86_400, rows), unit="s")).dt.tz_localize("UTC")
    frame = pd.DataFrame(
        {
            "amount": amount,
            "quantity": quantity,
            "rating": rng.integers(2, 11, rows) / 2,
            "city": city,
            "paid": paid,
            "created_at": created_at,
            "shipped_at": shipped_at,
            "channel": "web",
            "discount": np.full(rows, np.nan),
            "coupon": pd.Series([None] * rows, dtype=object),
        }
    )
    repeated = frame.sample(frac=0.03, random_state=seed) if rows else frame
    return pd.concat([frame, repeated], ignore_index=True).sample(frac=1.0, random_state=seed + 1).reset_index(drop=True)


def write_table(url: str, name: str, frame: pd.DataFrame) -> sa.Engine:
    engine = sa.create_engine(url)
    frame.to_sql(name, engine, if_exists="replace", index=False, chunksize=10_000)
    return engine


def table_query(name: str) -> sa.Select:
    return sa.select(sa.literal_column("*")).select_from(sa.table(name))


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.db'}"
    return request.getfixturevalue("postgres_database")


# ---- comparisons ----------------------------------------------------------------------------


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def tolerance(metric: str, kind: str, sqlite: bool) -> tuple[float, float]:
    """(relative, absolute) tolerance of an exact metric."""
    if sqlite and metric in ("std", "length_std"):
        return SQLITE_STD_RELATIVE, 1e-12
    if sqlite and kind == DATETIME:
        return 0.0, SQLITE_DATETIME_SECONDS
    return EXACT_RELATIVE, 1e-12


def same(expected: float, actual: float, relative: float, absolute: float = 1e-12) -> bool:
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    return math.isclose(expected, actual, rel_tol=relative, abs_tol=absolute)


def assert_exact_metrics_agree(
    expected: PartitionProfile,
    actual: PartitionProfile,
    *,
    sqlite: bool = False,
    duplicates_from: int = 0,
    from_sample: frozenset[str] = frozenset(),
) -> None:
    """``duplicates_from``: the number of rows the SQL engine's duplicate-row share was estimated
    from (0: every row, exact); ``from_sample``: metrics the engine takes from its sample."""
    assert actual.row_count == expected.row_count
    assert list(actual.columns) == list(expected.columns)
    if duplicates_from:
        assert_duplicate_share_within_bound(
            expected.table_metrics["duplicate_row_share"], actual.table_metrics["duplicate_row_share"], duplicates_from
        )
    else:
        assert same(expected.table_metrics["duplicate_row_share"], actual.table_metrics["duplicate_row_share"], EXACT_RELATIVE)
    for name, column in expected.columns.items():
        other = actual.columns[name]
        assert other.kind == column.kind, name
        assert list(other.metrics) == list(column.metrics), name
        for metric, value in column.metrics.items():
            if metric not in SAMPLED_METRICS | from_sample:
                relative, absolute = tolerance(metric, column.kind, sqlite)
                assert same(value, other.metrics[metric], relative, absolute), (name, metric, value, other.metrics[metric])


def assert_sampled_metrics_equal(expected: PartitionProfile, actual: PartitionProfile) -> None:
    assert actual.sample_rows == expected.sample_rows
    for name, column in expected.columns.items():
        other = actual.columns[name]
        for metric, value in column.metrics.items():
            if metric in SAMPLED_METRICS:
                assert same(value, other.metrics[metric], 1e-12), (name, metric, value, other.metrics[metric])
        assert_same_top_values(column, other)


def assert_same_top_values(expected: ColumnProfile, actual: ColumnProfile) -> None:
    """Equal, except for the order (and, at the cut, the choice) of equally frequent values,
    which follows the order rows are read in: a database promises none without ORDER BY."""
    assert [share for _, share in actual.top_values] == pytest.approx([share for _, share in expected.top_values], rel=1e-12)
    if not expected.top_values:
        return
    cut = expected.top_values[-1][1]

    def by_share(top):
        groups = defaultdict(set)
        for value, share in top:
            if not math.isclose(share, cut, rel_tol=1e-12):
                groups[round(share, 12)].add(value)
        return groups

    assert by_share(actual.top_values) == by_share(expected.top_values)


def assert_duplicate_share_within_bound(exact: float, estimate: float, rows: int) -> None:
    """The hash-bucket estimate from about ``rows`` rows: standard error at most
    sqrt(D(1 - D)/rows) when duplicates come in pairs (checks/profiles/model.py)."""
    standard_error = math.sqrt(max(exact, 1 / rows) * (1 - exact) / rows)
    assert abs(estimate - exact) <= Z_FALSE_ALARM * standard_error, (exact, estimate, standard_error)


def rank_interval(values: np.ndarray, x: float) -> tuple[float, float]:
    """Share of values below x and at or below x: where x sits in the data, in rank terms."""
    ordered = np.sort(values)
    return np.searchsorted(ordered, x, "left") / len(ordered), np.searchsorted(ordered, x, "right") / len(ordered)


def assert_quantiles_within_dkw(everything: np.ndarray, profile: ColumnProfile, prefix: str, epsilon: float) -> None:
    for name, q in QUANTILES.items():
        below, at_or_below = rank_interval(everything, profile.metrics[f"{prefix}{name}"])
        assert below - epsilon <= q <= at_or_below + epsilon, (prefix + name, q, below, at_or_below, epsilon)


def epoch_ns(stamps: pd.Series) -> np.ndarray:
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return stamps.astype("datetime64[ns]").to_numpy().view("int64")


def top_share(values: pd.Series) -> float:
    return values.value_counts().iloc[0] / len(values)


def assert_sample_estimates_within_bounds(frame: pd.DataFrame, reference: PartitionProfile, profile: PartitionProfile) -> None:
    """Sample-based metrics from a profile's own random sample, checked against all rows."""
    epsilon = dkw_epsilon(profile.sample_rows)
    for name, column in profile.columns.items():
        present = frame[name].dropna()
        if not len(present) or column.kind == BOOLEAN:
            continue
        if column.kind == NUMERIC:
            assert_quantiles_within_dkw(present.to_numpy(dtype="float64"), column, "", epsilon)
        if column.kind == DATETIME:
            stamps = epoch_ns(present)
            assert_quantiles_within_dkw((stamps % NS_PER_DAY) / 1e9, column, "time_of_day_", epsilon)
            # A share is a difference of two CDF values: within 2 epsilon of the share in all rows.
            assert abs(column.metrics["modal_date_share"] - top_share(pd.Series(stamps // NS_PER_DAY))) <= 2 * epsilon, name
        else:
            assert abs(column.metrics["top_value_share"] - top_share(present)) <= 2 * epsilon, name
        # The distinct ratio is the sample's own: two samples of one size differ by at most
        # 2 epsilon (bounded differences, McDiarmid).
        assert abs(column.metrics["distinct_ratio"] - reference.columns[name].metrics["distinct_ratio"]) <= 2 * epsilon, name


# ---- every row sampled: the engines agree exactly ------------------------------------------


def test_the_data_covers_what_the_engines_must_agree_on():
    profile = profile_frame(orders(5_000))
    kinds = {name: column.kind for name, column in profile.columns.items()}
    assert kinds == {
        "amount": "numeric",
        "quantity": "numeric",
        "rating": "numeric",
        "city": "categorical",
        "paid": "boolean",
        "created_at": "datetime",
        "shipped_at": "datetime",
        "channel": "categorical",
        "discount": "numeric",
        "coupon": "categorical",
    }
    amount, city = profile.columns["amount"].metrics, profile.columns["city"].metrics
    assert amount["null_fraction"] > 0 and amount["zero_fraction"] > 0 and amount["negative_fraction"] > 0
    assert 0 < city["empty_fraction"] < 1 and city["null_fraction"] > 0
    assert profile.table_metrics["duplicate_row_share"] > 0.02
    assert profile.columns["quantity"].top_values[0][0].lstrip("-").isdigit()  # integers print as "3", not "3.0"


def test_polars_agrees_with_pandas():
    frame = orders(5_000)
    expected = profile_frame(frame)
    for data in (pl.from_pandas(frame), pl.from_pandas(frame).lazy()):
        actual = profile_polars(data)
        assert_exact_metrics_agree(expected, actual)
        assert_sampled_metrics_equal(expected, actual)


def test_sql_agrees_with_pandas(sql_url):
    frame = orders(5_000)
    engine = write_table(sql_url, "profile_orders", frame)
    expected = profile_frame(frame)
    actual = profile_sql(engine, table_query("profile_orders"))
    assert_exact_metrics_agree(expected, actual, sqlite=is_sqlite(sql_url))
    assert_sampled_metrics_equal(expected, actual)


# ---- more rows than sample_rows --------------------------------------------------------------


def test_polars_samples_the_rows_pandas_samples():
    frame = orders(50_000)
    expected = profile_frame(frame, sample_rows=2_000)
    for data in (pl.from_pandas(frame), pl.from_pandas(frame).lazy()):
        actual = profile_polars(data, sample_rows=2_000)
        assert expected.sample_rows == 2_000
        assert_exact_metrics_agree(expected, actual, from_sample=SAMPLED_IN_POLARS)
        assert_sampled_metrics_equal(expected, actual)
        # The metrics polars takes from the sample are the pandas engine's, on the sampled rows.
        of_sample = profile_frame(frame.iloc[sample_positions(len(frame), 2_000)])
        for name, column in actual.columns.items():
            for metric in SAMPLED_IN_POLARS & set(column.metrics):
                assert same(of_sample.columns[name].metrics[metric], column.metrics[metric], EXACT_RELATIVE), (name, metric)


def test_sql_sample_estimates_are_within_the_stated_bounds(sql_url):
    frame = orders(50_000, seed=1)
    engine = write_table(sql_url, "profile_orders_large", frame)
    reference = profile_frame(frame, sample_rows=2_000)
    actual = profile_sql(engine, table_query("profile_orders_large"), sample_rows=2_000)
    assert actual.sample_rows == 2_000
    # SQLite counts distinct rows exactly; PostgreSQL estimates from a hash bucket of ~2,000 rows.
    duplicates_from = 0 if is_sqlite(sql_url) else 2_000
    assert_exact_metrics_agree(
        reference, actual, sqlite=is_sqlite(sql_url), duplicates_from=duplicates_from, from_sample=SAMPLED_ABOVE_SAMPLE_ROWS
    )
    for profile in (reference, actual):
        assert_sample_estimates_within_bounds(frame, reference, profile)
    assert_light_metrics_within_hoeffding(reference, actual)


def assert_light_metrics_within_hoeffding(exact: PartitionProfile, actual: PartitionProfile) -> None:
    """Fractions, and means scaled to [0, 1] by their range, of a sample of n rows are within
    sqrt(ln(2/delta) / 2n) of all rows' with probability 1 - delta (Hoeffding; checks/profiles/model.py)."""
    epsilon = dkw_epsilon(actual.sample_rows)  # the same expression as DKW's
    checked = 0
    for name, column in actual.columns.items():
        truth = exact.columns[name].metrics
        ranges = {
            "negative_fraction": 1.0,
            "integer_fraction": 1.0,
            "length_mean": truth.get("length_max", math.nan) - truth.get("length_min", math.nan),
            "time_of_day_mean": 86_400.0,
        }
        for metric, scale in ranges.items():
            if metric in column.metrics and not math.isnan(truth[metric]):
                assert abs(column.metrics[metric] - truth[metric]) <= epsilon * scale, (name, metric, truth[metric], column.metrics[metric])
                checked += 1
    assert checked >= 4


# ---- edge cases ------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [0, 1])
def test_empty_and_single_row_partitions(sql_url, rows):
    frame = orders(rows)
    expected = profile_frame(frame)
    assert expected.row_count == rows
    assert math.isnan(expected.table_metrics["duplicate_row_share"]) == (rows == 0)
    engine = write_table(sql_url, f"profile_orders_{rows}", frame)
    polars_profile = profile_polars(pl.from_pandas(frame))
    sql_profile = profile_sql(engine, table_query(f"profile_orders_{rows}"))
    for actual, sqlite in ((polars_profile, False), (sql_profile, is_sqlite(sql_url))):
        assert_exact_metrics_agree(expected, actual, sqlite=sqlite)
        assert_sampled_metrics_equal(expected, actual)


def test_all_null_columns(sql_url):
    frame = pd.DataFrame({"no_number": [np.nan] * 4, "no_text": pd.Series([None] * 4, dtype=object), "id": [1, 2, 3, 4]})
    expected = profile_frame(frame)
    assert expected.columns["no_number"].metrics["null_fraction"] == 1.0
    assert all(math.isnan(value) for name, value in expected.columns["no_number"].metrics.items() if name != "null_fraction")
    engine = write_table(sql_url, "profile_sparse", frame)
    for actual in (profile_polars(pl.from_pandas(frame)), profile_sql(engine, table_query("profile_sparse"))):
        assert_exact_metrics_agree(expected, actual)
        assert_sampled_metrics_equal(expected, actual)


def test_polars_null_typed_column_and_infinities():
    frame = pl.DataFrame({"nothing": pl.Series([None, None, None], dtype=pl.Null), "x": [1.5, math.inf, -math.inf]})
    profile = profile_polars(frame)
    assert profile.columns["nothing"].kind == "categorical" and profile.columns["nothing"].metrics["null_fraction"] == 1.0
    # Infinities are present values, outside the moments: the pandas engine's definition.
    x = profile.columns["x"].metrics
    assert x["null_fraction"] == 0.0 and x["mean"] == 1.5 and x["max"] == 1.5
    assert_exact_metrics_agree(profile_frame(frame.to_pandas()), profile)


def test_polars_types_that_pandas_also_has():
    frame = pd.DataFrame(
        {
            "zone": pd.Categorical(["north", "south", None, "north"]),
            "ratio": np.array([0.1, 0.2, np.nan, 0.1], dtype="float32"),
            "small": np.array([1, 0, 255, 1], dtype="uint8"),
            "local_time": pd.to_datetime(["2024-03-31 01:30", "2024-03-31 03:30", None, "2024-10-27 02:30"]).tz_localize(
                "Europe/Paris", ambiguous=True
            ),
        }
    )
    expected = profile_frame(frame)
    actual = profile_polars(pl.from_pandas(frame))
    assert_exact_metrics_agree(expected, actual)
    assert_sampled_metrics_equal(expected, actual)


def test_sql_column_names_that_need_quoting(sql_url):
    frame = pd.DataFrame({"Order Total": [1.5, 2.5, None], "select": ["a", "", None], "MixedCase": [1, 2, 2]})
    engine = write_table(sql_url, "profile Quoted", frame)
    query = sa.select(sa.literal_column("*")).select_from(sa.table("profile Quoted"))
    expected = profile_frame(frame)
    actual = profile_sql(engine, query)
    assert_exact_metrics_agree(expected, actual, sqlite=is_sqlite(sql_url))
    assert_sampled_metrics_equal(expected, actual)


def test_far_future_sentinel_dates_count_as_present(sql_url):
    """9999-12-31 ("valid until further notice") is beyond pandas' nanoseconds, not beyond polars
    or SQL: present in the exact metrics, left out of the sample-based ones (for the SQL engine,
    whose sample is read into pandas, the mean time of day too)."""
    stamps = [dt.datetime(2024, 1, 1, 6), dt.datetime(2024, 1, 2, 18), dt.datetime(9999, 12, 31)]
    span = (stamps[-1] - stamps[0]).total_seconds()
    engine = write_table(sql_url, "profile_sentinel", pd.DataFrame({"valid_to": pd.Series(stamps, dtype="datetime64[us]")}))
    polars, sql = profile_polars(pl.DataFrame({"valid_to": stamps})), profile_sql(engine, table_query("profile_sentinel"))
    for profile in (polars, sql):
        metrics = profile.columns["valid_to"].metrics
        assert metrics["null_fraction"] == 0.0 and metrics["span_seconds"] == pytest.approx(span, rel=1e-12)
        assert metrics["time_of_day_p50"] == 12 * 3600  # of the two stamps a nanosecond epoch can hold
    assert polars.columns["valid_to"].metrics["time_of_day_mean"] == pytest.approx(8 * 3600)
    assert sql.columns["valid_to"].metrics["time_of_day_mean"] == pytest.approx(12 * 3600)


class QuerySource:
    """What profile_partition asks of a SQL source (quality_gates.sources.SqlSource's shape)."""

    def __init__(self, url: str, statement):
        self.url, self._statement = url, statement

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.url)

    def statement(self, engine):
        return self._statement


def test_text_query_source_through_profile_partition(sql_url):
    frame = orders(3_000)
    write_table(sql_url, "profile_orders_text", frame)
    query = sa.text("SELECT * FROM profile_orders_text WHERE quantity >= :least OR quantity IS NULL").bindparams(least=0)
    if is_sqlite(sql_url):
        # SQLite reports no result types: declare what its stored values cannot tell (0/1
        # booleans, a column of NULLs).
        query = query.columns(sa.column("paid", sa.Boolean), sa.column("discount", sa.Float))
    actual = profile_partition(QuerySource(sql_url, query))
    subset = frame[(frame["quantity"] >= 0) | frame["quantity"].isna()].reset_index(drop=True)
    expected = profile_frame(subset)
    assert actual.row_count == len(subset)
    assert_exact_metrics_agree(expected, actual, sqlite=is_sqlite(sql_url))
    assert_sampled_metrics_equal(expected, actual)


def test_sqlite_text_query_types_come_from_the_values(tmp_path):
    engine = write_table(f"sqlite:///{tmp_path / 'w.db'}", "orders", orders(100))
    profile = profile_sql(engine, sa.text("SELECT amount, quantity, city, created_at, paid FROM orders"))
    kinds = {name: column.kind for name, column in profile.columns.items()}
    assert kinds == {"amount": "numeric", "quantity": "numeric", "city": "categorical", "created_at": "datetime", "paid": "numeric"}


def test_postgres_dates_numerics_and_time_zones(postgres_database):
    engine = sa.create_engine(postgres_database)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS profile_typed")
        connection.exec_driver_sql(
            "CREATE TABLE profile_typed AS SELECT date '2024-01-01' + g AS day, (g / 4.0)::numeric(8, 2) AS price,"
            " timestamptz '2024-01-01 23:30:00+02' + g * interval '1 hour' AS at,"
            " CASE WHEN g %% 2 = 0 THEN 'NaN'::float8 ELSE g END AS maybe_nan"
            " FROM generate_series(0, 9) g"
        )
    profile = profile_sql(engine, table_query("profile_typed"))
    day, price, at, maybe_nan = (profile.columns[name] for name in ("day", "price", "at", "maybe_nan"))
    assert day.kind == "datetime" and day.metrics["span_seconds"] == 9 * 86_400 and day.metrics["time_of_day_mean"] == 0
    assert price.kind == "numeric" and price.metrics["max"] == 2.25 and price.top_values[0][0] == "0.0"
    hours_utc = [(21.5 + g) % 24 for g in range(10)]  # 23:30+02 is 21:30 UTC, whatever the session's zone
    assert at.metrics["time_of_day_p05"] == pytest.approx(np.quantile(hours_utc, 0.05) * 3600)
    assert at.metrics["time_of_day_mean"] == pytest.approx(np.mean(hours_utc) * 3600)
    assert maybe_nan.metrics["null_fraction"] == 0.5  # NaN is missing, as in pandas


def test_dispatcher_routes_and_rejects():
    frame = orders(200)
    assert profile_partition(frame) == profile_frame(frame)
    assert_sampled_metrics_equal(profile_frame(frame), profile_partition(frame, engine="polars"))
    assert_exact_metrics_agree(profile_frame(frame), profile_partition(pl.from_pandas(frame).lazy()))
    with pytest.raises(ValueError, match="engine must be one of"):
        profile_partition(frame, engine="spark")
    with pytest.raises(ValueError, match="needs a SQL source"):
        profile_partition(frame, engine="sql")
    with pytest.raises(TypeError, match="cannot profile a builtins.list"):
        profile_partition([1, 2, 3])


# ---- property: pandas and polars agree on any small frame ------------------------------------

floats = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True, width=64), st.sampled_from([0.0, -1.0, 2.0]))
texts = st.one_of(st.none(), st.text(st.characters(exclude_categories=("Cs",)), max_size=5), st.sampled_from(["", "a"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(floats, st.one_of(st.none(), st.integers(-3, 3)), texts, st.one_of(st.none(), st.booleans())), max_size=30))
def test_pandas_and_polars_agree_on_any_small_frame(rows):
    frame = pd.DataFrame(
        {
            "x": pd.Series([row[0] for row in rows], dtype="float64"),
            "n": pd.array([row[1] for row in rows], dtype="Int64"),
            "s": pd.Series([row[2] for row in rows], dtype="str"),
            "b": pd.array([row[3] for row in rows], dtype="boolean"),
        }
    )
    expected = profile_frame(frame)
    actual = profile_polars(pl.from_pandas(frame))
    assert_exact_metrics_agree(expected, actual)
    assert_sampled_metrics_equal(expected, actual)


# ---- polars: duplicate rows estimated above DUPLICATE_SUBSET_ROWS ------------------------------


def test_polars_estimates_the_duplicate_share_of_large_frames_within_its_bound():
    from quality_gates.checks.profiles.pandas_engine import duplicate_row_share
    from quality_gates.checks.profiles.polars_engine import DUPLICATE_SUBSET_ROWS

    rng = np.random.default_rng(3)
    rows = 2 * DUPLICATE_SUBSET_ROWS
    unique = pd.DataFrame({"id": np.arange(rows), "kind": rng.choice(["a", "b"], rows), "x": rng.normal(0, 1, rows).round(1)})
    replayed = pd.concat([unique, unique.sample(frac=0.05, random_state=1)], ignore_index=True)
    for frame in (unique, replayed):
        exact = duplicate_row_share(frame)
        for data in (pl.from_pandas(frame), pl.from_pandas(frame).lazy()):
            estimate = profile_polars(data, sample_rows=2_000).table_metrics["duplicate_row_share"]
            if exact == 0:
                assert estimate == 0.0  # kept rows have no repeat either: no false alarm
            else:  # standard error sqrt(share * 2 / kept) ~ 0.0005; 8 of them
                assert abs(estimate - exact) < 8 * math.sqrt(exact * 2 / DUPLICATE_SUBSET_ROWS)


def test_polars_counts_every_row_when_no_column_set_is_distinct_enough():
    from quality_gates.checks.profiles.pandas_engine import duplicate_row_share
    from quality_gates.checks.profiles.polars_engine import DUPLICATE_SUBSET_ROWS

    rng = np.random.default_rng(4)
    rows = DUPLICATE_SUBSET_ROWS + 1_000
    frame = pd.DataFrame({"a": rng.random(rows) < 0.5, "b": rng.integers(0, 3, rows)})
    assert profile_polars(pl.from_pandas(frame), sample_rows=2_000).table_metrics["duplicate_row_share"] == duplicate_row_share(frame)
