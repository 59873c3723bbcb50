"""Schema checks pushed down to PostgreSQL, SQLite and DuckDB give the check rows of the pandas path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import polars as pl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quality_gates.checks.errors import PushdownError, QueryTimeoutError, SourceConfigurationError
from quality_gates.engines import DuckDBFiles, Family, PandasChunks, PolarsFrame, SqlQuery, compute

DATABASES = ["sqlite", "postgresql", "duckdb", "polars"]  # duckdb: Parquet files; polars: an in-memory frame


@pytest.fixture(params=DATABASES)
def load(request, tmp_path):
    """load(frame, key_columns=()) -> a computation over the frame's rows in the database."""
    backend = request.param
    engines: list[sa.Engine] = []

    def make(frame: pd.DataFrame, key_columns: tuple[str, ...] = ()):
        if backend == "polars":  # failure cases name rows by number, as the pandas path does
            return PolarsFrame(pl.from_pandas(frame), "the polars frame")
        if backend == "duckdb":
            path = tmp_path / f"part{len(engines)}.parquet"
            engines.append(None)
            frame.to_parquet(path)
            return DuckDBFiles.scan([str(path)], "parquet", f"file {path.name}", key_columns=key_columns)
        url = request.getfixturevalue("postgres_database") if backend == "postgresql" else f"sqlite:///{tmp_path / 'warehouse.db'}"
        engine = sa.create_engine(url)
        engines.append(engine)
        frame.to_sql("part", engine, if_exists="replace", index=False)
        return SqlQuery(engine, sa.select(sa.literal_column("*")).select_from(sa.table("part")), "table part", key_columns)

    make.backend = backend
    yield make
    for engine in engines:
        if engine is not None:
            engine.dispose()


def validate(data, schema, **options):
    options.setdefault("allow_empty", False)
    options.setdefault("max_failure_cases", 1000)
    return compute(Family.SCHEMA, data, schema, **options)


def comparable(validation):
    """What must be identical between the engines: everything but the order of failure samples."""
    rows = []
    for check in validation.checks:
        details = {k: v for k, v in check.details.items() if k != "failure_cases"}
        values = sorted(repr(_number(case["value"])) for case in check.details.get("failure_cases", ()))
        # Examples in the observed text depend on which failing rows come first.
        observed = (check.observed or "").split(", e.g.")[0]
        rows.append((check.check_name, check.column, check.status, check.severity, observed, check.expected, details, values))
    return validation.row_count, rows


def _number(value):
    """pandera's pandas backend mixes the failure cases of all checks in one column, so an int
    column's cases may come back as floats: compare numbers as numbers."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


ORDERS = pa.DataFrameSchema(
    {
        "order_id": pa.Column(int, unique=True),
        "amount": pa.Column(float, [pa.Check.in_range(0, 100), pa.Check.lt(90, raise_warning=True)], nullable=False),
        "status": pa.Column(str, [pa.Check.isin(["new", "paid"]), pa.Check.str_length(3, 4), pa.Check.str_startswith("p")], nullable=True),
        "quantity": pa.Column(int, [pa.Check.notin([13]), pa.Check.ge(1)]),
    },
    strict=True,
)


def orders(rows: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "order_id": np.arange(rows),
            "amount": rng.uniform(-10, 110, rows),
            "status": rng.choice(["new", "paid", "shipped", "lost"], rows),
            "quantity": rng.integers(0, 20, rows),
        }
    )
    frame.loc[::17, "amount"] = np.nan
    frame.loc[::13, "status"] = None
    frame.loc[[3, 5], "order_id"] = 7
    return frame


def test_pushed_down_check_rows_equal_the_pandas_path(load):
    frame = orders()
    assert comparable(validate(load(frame), ORDERS)) == comparable(validate(PandasChunks.of(frame), ORDERS))


def test_one_aggregate_scan_then_only_samples_of_failing_checks(load):
    if load.backend in ("duckdb", "polars"):
        pytest.skip("statements are counted on a SQLAlchemy engine of the test's own")
    data = load(orders())
    statements: list[str] = []
    sa.event.listen(data.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    validate(data, ORDERS)
    scans = [s for s in statements if "count(*) AS row_count" in s]
    assert len(scans) == 1
    samples = [s for s in statements if "LIMIT" in s.upper() and "row_count" not in s]
    # in_range, lt (warning), not_nullable, isin, str_length, str_startswith, notin, ge, unique x2 (count + sample)
    assert len(samples) >= 8


def test_failure_samples_carry_the_rows_key_and_are_bounded(load):
    frame = orders()
    result = validate(load(frame, ("order_id",)), ORDERS, max_failure_cases=3)
    check = next(c for c in result.checks if c.check_name == "in_range")
    cases = check.details["failure_cases"]
    assert len(cases) == 3
    for case in cases:
        row = frame.iloc[[case["row"]]] if load.backend == "polars" else frame.loc[frame.order_id == case["row"]]
        assert row["amount"].iloc[0] == pytest.approx(case["value"])


def test_missing_column_is_named_and_its_checks_are_not_evaluated(load):
    frame = orders().drop(columns=["quantity"])
    pushed = validate(load(frame), ORDERS)
    checks = {(c.check_name, c.column): c for c in pushed.checks}
    assert checks[("column_present", "quantity")].status == "failed"
    assert checks[("notin", "quantity")].details["message"] == "column 'quantity' is missing"
    assert comparable(pushed) == comparable(validate(PandasChunks.of(frame), ORDERS))


def test_custom_checks_run_on_chunks_of_only_their_columns(load):
    schema = pa.DataFrameSchema(
        {
            "amount": pa.Column(float, pa.Check(lambda s: s.round() == s, name="whole_amount"), nullable=True),
            "quantity": pa.Column(int, pa.Check.ge(1)),
        },
        checks=[pa.Check(lambda df: df["quantity"] < 15, name="small_orders")],
    )
    frame = orders()
    data = load(frame)
    assert comparable(validate(data, schema, chunk_size=50)) == comparable(validate(PandasChunks.of(frame), schema, chunk_size=50))


def test_pushdown_require_names_the_check_without_a_sql_form(load):
    schema = pa.DataFrameSchema({"amount": pa.Column(float, pa.Check(lambda s: s > 0, name="positive"), nullable=True)})
    data = load(orders())
    with pytest.raises(PushdownError) as error:
        validate(data, schema, pushdown="require")
    if load.backend in ("duckdb", "polars"):  # Parquet files: checked by one polars select over a scan
        assert str(error.value) == (
            f"{data.name}: pushdown='require', but check 'positive' on column 'amount' has no polars form; "
            "use pushdown='auto' to run it on slices of its columns"
        )
        return
    assert str(error.value) == (
        f"{data.name}: pushdown='require', but check 'positive' on column 'amount' cannot run as SQL; "
        "use pushdown='auto' to run it on streamed chunks of its columns"
    )


def test_pushdown_require_with_in_memory_data_is_a_configuration_error():
    with pytest.raises(PushdownError) as error:
        validate(PandasChunks.of(orders(), "callable orders"), ORDERS, pushdown="require")
    assert str(error.value) == "callable orders: pushdown='require', but pandas data has no database to push the checks to"


def test_regex_checks_run_in_the_database_that_has_regular_expressions(load):
    schema = pa.DataFrameSchema({"status": pa.Column(str, [pa.Check.str_matches("p|n"), pa.Check.str_contains("e")], nullable=True)})
    frame = orders()
    if load.backend == "sqlite":  # no regular expressions in SQLite: the checks run in Python
        with pytest.raises(
            PushdownError, match="but check 'str_matches' on column 'status'; check 'str_contains' on column 'status' cannot run as SQL"
        ):
            validate(load(frame), schema, pushdown="require")
    assert comparable(validate(load(frame), schema)) == comparable(validate(PandasChunks.of(frame), schema))


def test_dtype_against_the_tables_column_types(load):
    schema = pa.DataFrameSchema({"order_id": pa.Column(str), "amount": pa.Column(float, nullable=True)})
    checks = {(c.check_name, c.column): c for c in validate(load(orders()), schema).checks}
    assert checks[("dtype", "amount")].status == "passed"
    wrong = checks[("dtype", "order_id")]
    assert wrong.status == "failed"
    assert wrong.details["failing_rows"] == 200
    # PostgreSQL's and SQLite's column types; Parquet's (through polars) as pandas names them
    assert wrong.observed.split(";")[0] in ("bigint", "integer", "int64")
    assert wrong.observed.endswith("; 200 of 200 rows (100.00%) fail")


def test_empty_table_fails_not_empty(load):
    result = validate(load(orders().iloc[:0]), ORDERS)
    checks = {(c.check_name, c.column): c for c in result.checks}
    assert result.row_count == 0
    assert checks[("not_empty", None)].status == "failed"


@st.composite
def frames_and_schemas(draw):
    rows = draw(st.integers(0, 40))
    ints = draw(st.lists(st.integers(-5, 5), min_size=rows, max_size=rows))
    floats = draw(st.lists(st.one_of(st.none(), st.floats(-5, 5, allow_nan=False)), min_size=rows, max_size=rows))
    texts = draw(st.lists(st.one_of(st.none(), st.sampled_from(["", "a", "ab", "abc", "b", "ba"])), min_size=rows, max_size=rows))
    frame = pd.DataFrame({"i": pd.Series(ints, dtype="int64"), "f": pd.Series(floats, dtype="float64"), "t": pd.Series(texts, dtype="str")})
    bound = draw(st.integers(-5, 5))
    mostly = draw(st.sampled_from([None, 0.5, 0.9]))
    warn = draw(st.booleans())
    numeric = draw(
        st.sampled_from(
            [
                pa.Check.ge(bound),
                pa.Check.lt(bound),
                pa.Check.in_range(bound, bound + 3),
                pa.Check.isin([bound, bound + 1]),
                pa.Check.notin([bound]),
                pa.Check.eq(bound),
                pa.Check.ne(bound),
            ]
        )
    )
    text = draw(
        st.sampled_from(
            [
                pa.Check.str_length(1, 2),
                pa.Check.isin(["a", "b"]),
                pa.Check.str_startswith("a"),
                pa.Check.str_endswith("a"),
                pa.Check.str_length(exact_value=2),
            ]
        )
    )
    numeric.raise_warning = warn
    metadata = {"quality_gates": {"mostly": {numeric.name: mostly}}} if mostly else None
    schema = pa.DataFrameSchema(
        {
            "i": pa.Column(int, [numeric], unique=draw(st.booleans()), metadata=metadata),
            "f": pa.Column(float, [pa.Check.in_range(-1, 1)], nullable=draw(st.booleans())),
            "t": pa.Column(str, [text], nullable=draw(st.booleans())),
        },
        strict=True,
        unique=["i", "t"] if draw(st.booleans()) else None,
    )
    return frame, schema


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=frames_and_schemas())
def test_property_any_frame_and_checks_give_the_same_rows_in_every_database(load, case):
    frame, schema = case
    assert comparable(validate(load(frame), schema)) == comparable(validate(PandasChunks.of(frame), schema))


def test_statement_timeout_names_the_source(postgres_database):
    engine = sa.create_engine(postgres_database)
    slow = sa.select(sa.literal_column("1").label("x")).select_from(sa.func.pg_sleep(2).table_valued())
    data = SqlQuery(engine, slow, "query (connection 'warehouse')", timeout_seconds=0.2)
    with pytest.raises(QueryTimeoutError) as error:
        validate(data, pa.DataFrameSchema({"x": pa.Column(int)}))
    assert str(error.value) == (
        "query (connection 'warehouse'): the query was cancelled after the statement timeout of 0.2 s; "
        "raise timeout_seconds or narrow the partition"
    )
    engine.dispose()


def test_parquet_files_with_different_schemas_are_named(tmp_path):
    orders().to_parquet(tmp_path / "a.parquet")
    orders().astype({"quantity": "float64"}).to_parquet(tmp_path / "b.parquet")
    with pytest.raises(SourceConfigurationError) as error:
        DuckDBFiles.scan([str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")], "parquet", "files")
    assert str(error.value) == (
        f"{tmp_path / 'b.parquet'}: column 'quantity' is double, but int64 in {tmp_path / 'a.parquet'}: "
        "the files of one source must share a schema"
    )


def test_checks_polars_cannot_evaluate_give_the_pandas_paths_rows():
    """A naive bound against a zoned column, a number against text: pandera decides, as on pandas."""
    frame = pd.DataFrame({"at": pd.to_datetime(["2024-01-01", "2024-02-01"]).tz_localize("UTC"), "n": ["1", "x"]})
    schema = pa.DataFrameSchema({"at": pa.Column(checks=pa.Check.ge(pd.Timestamp("2024-01-15"))), "n": pa.Column(checks=pa.Check.ge(3))})
    expected = validate(PandasChunks.of(frame), schema)
    assert {c.status for c in expected.checks if c.check_name == "greater_than_or_equal_to"} == {"error"}
    assert comparable(validate(PolarsFrame(pl.from_pandas(frame), "the polars frame"), schema)) == comparable(expected)
