"""The schema core on small frames: what users see for each kind of bad data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quality_gates.checks.results import Severity, Status
from quality_gates.checks.schema_validation import validate_schema

SCHEMA = pa.DataFrameSchema(
    {
        "order_id": pa.Column(int, unique=True),
        "amount": pa.Column(float, [pa.Check.ge(0), pa.Check.le(1000, raise_warning=True)]),
        "status": pa.Column(str, pa.Check.isin(["new", "paid"]), nullable=True),
    }
)


def by_key(validation):
    return {(c.check_name, c.column): c for c in validation.checks}


def orders(n=10, **overrides):
    frame = pd.DataFrame({"order_id": range(n), "amount": [5.0] * n, "status": ["paid"] * n})
    for column, values in overrides.items():
        frame[column] = values
    return frame


def test_every_declared_check_is_reported_passing_ones_too():
    validation = validate_schema([orders()], SCHEMA)
    assert validation.row_count == 10
    assert set(by_key(validation)) == {
        ("column_present", "order_id"),
        ("dtype", "order_id"),
        ("not_nullable", "order_id"),
        ("unique", "order_id"),
        ("column_present", "amount"),
        ("dtype", "amount"),
        ("not_nullable", "amount"),
        ("greater_than_or_equal_to", "amount"),
        ("less_than_or_equal_to", "amount"),
        ("column_present", "status"),
        ("dtype", "status"),
        ("isin", "status"),
        ("not_empty", None),
    }
    assert {c.status for c in validation.checks} == {Status.PASSED}


def test_failing_rows_fraction_and_bounded_sample():
    amounts = [-1.0] * 30 + [5.0] * 70
    validation = validate_schema([orders(100, amount=amounts)], SCHEMA, max_failure_cases=5)
    check = by_key(validation)[("greater_than_or_equal_to", "amount")]
    assert check.status is Status.FAILED and check.severity is Severity.ERROR
    assert check.expected == ">= 0"
    assert check.details["failing_rows"] == 30 and check.details["failing_fraction"] == pytest.approx(0.3)
    assert check.details["failure_cases"] == [{"row": i, "value": -1.0} for i in range(5)]
    assert check.observed == "30 of 100 rows (30.00%) fail, e.g. -1.0"


def test_warning_severity_checks_warn_instead_of_failing():
    validation = validate_schema([orders(amount=[5000.0] + [5.0] * 9)], SCHEMA)
    check = by_key(validation)[("less_than_or_equal_to", "amount")]
    assert (check.status, check.severity, check.details["failing_rows"]) == (Status.WARNED, Severity.WARN, 1)


def test_mostly_tolerates_a_fraction_of_failing_rows():
    column = pa.Column(float, pa.Check.ge(0), metadata={"quality_gates": {"mostly": {"greater_than_or_equal_to": 0.95}}})
    schema = pa.DataFrameSchema({"amount": column})
    tolerated = by_key(validate_schema([pd.DataFrame({"amount": [-1.0] * 5 + [1.0] * 95})], schema))
    assert tolerated[("greater_than_or_equal_to", "amount")].status is Status.PASSED
    assert tolerated[("greater_than_or_equal_to", "amount")].details["tolerated"] is True
    too_many = by_key(validate_schema([pd.DataFrame({"amount": [-1.0] * 6 + [1.0] * 94})], schema))
    assert too_many[("greater_than_or_equal_to", "amount")].status is Status.FAILED


def test_missing_required_column():
    validation = validate_schema([orders().drop(columns="amount")], SCHEMA)
    checks = by_key(validation)
    assert (checks[("column_present", "amount")].status, checks[("column_present", "amount")].observed) == (Status.FAILED, "missing")
    # Checks on a missing column were not evaluated: never reported as passing.
    ge = checks[("greater_than_or_equal_to", "amount")]
    assert (ge.status, ge.observed, ge.details["message"]) == (Status.ERROR, "not evaluated", "column 'amount' is missing")


def test_empty_data_fails_by_default_and_can_be_allowed():
    empty = orders(0)
    assert by_key(validate_schema([empty], SCHEMA))[("not_empty", None)].status is Status.FAILED
    allowed = validate_schema([empty], SCHEMA, allow_empty=True)
    assert ("not_empty", None) not in by_key(allowed)
    assert allowed.row_count == 0


def test_all_null_column_is_called_out():
    validation = validate_schema([orders(amount=[np.nan] * 10)], SCHEMA)
    check = by_key(validation)[("not_nullable", "amount")]
    assert check.status is Status.FAILED
    assert check.details["failing_fraction"] == 1.0
    assert check.details["message"] == "all values are null"
    assert check.observed.startswith("10 of 10 rows (100.00%) fail, e.g. rows 0, 1, 2")


def test_nan_counts_as_null_and_inf_fails_range_checks_and_stays_json_safe():
    amounts = [np.nan, np.inf, -np.inf] + [5.0] * 7
    checks = by_key(validate_schema([orders(amount=amounts)], SCHEMA))
    assert checks[("not_nullable", "amount")].details["failing_rows"] == 1
    assert checks[("greater_than_or_equal_to", "amount")].details["failure_cases"] == [{"row": 2, "value": "-inf"}]
    assert checks[("less_than_or_equal_to", "amount")].details["failure_cases"] == [{"row": 1, "value": "inf"}]
    json.dumps([dict(c.details) for c in checks.values()], allow_nan=False)


def test_mixed_types_in_an_object_column():
    statuses = pd.Series(["paid", 7, "new", b"raw", None, "paid", "paid", "new", "paid", 3.5], dtype=object)
    check = by_key(validate_schema([orders(status=statuses)], SCHEMA))[("dtype", "status")]
    assert check.status is Status.FAILED
    assert check.details["failing_rows"] == 3
    assert [case["value"] for case in check.details["failure_cases"]] == [7, "b'raw'", 3.5]


def test_huge_and_unserialisable_failure_cases_are_truncated():
    class Opaque:
        def __str__(self):
            return "opaque-" + "z" * 5000

    statuses = pd.Series(["x" * 1_000_000, Opaque()] + ["paid"] * 8, dtype=object)
    check = by_key(validate_schema([orders(status=statuses)], SCHEMA))
    cases = check[("isin", "status")].details["failure_cases"] + check[("dtype", "status")].details["failure_cases"]
    assert all(len(json.dumps(case)) < 400 for case in cases)
    assert any("more characters]" in str(case["value"]) for case in cases)


def test_custom_check_that_raises_is_an_error_with_its_message():
    def broken(series):
        raise ZeroDivisionError("division by zero in my check")

    schema = pa.DataFrameSchema({"amount": pa.Column(float, pa.Check(broken, name="ratio_ok"))})
    check = by_key(validate_schema([orders()], schema))[("ratio_ok", "amount")]
    assert check.status is Status.ERROR
    assert "division by zero in my check" in check.details["message"]


def test_strict_schema_reports_unexpected_columns():
    schema = pa.DataFrameSchema({"order_id": pa.Column(int)}, strict=True)
    check = by_key(validate_schema([orders()], schema))[("no_extra_columns", None)]
    assert check.status is Status.FAILED
    assert check.details["unexpected_columns"] == ["amount", "status"]


def test_frame_level_row_check_counts_rows_once():
    schema = pa.DataFrameSchema(
        {"a": pa.Column(int), "b": pa.Column(int)}, checks=[pa.Check(lambda df: df["a"] < df["b"], name="a_below_b")]
    )
    frame = pd.DataFrame({"a": [1, 5, 1, 9], "b": [2, 2, 2, 2]})
    check = by_key(validate_schema([frame.iloc[:2], frame.iloc[2:]], schema))[("a_below_b", None)]
    assert check.details["failing_rows"] == 2


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.integers(min_value=-3, max_value=3), min_size=1, max_size=60),
    cut_points=st.lists(st.integers(min_value=0, max_value=60), max_size=4),
)
def test_chunked_results_equal_whole_frame_results(values, cut_points):
    """Counts, fractions and uniqueness over chunks are exactly those over the whole frame."""
    schema = pa.DataFrameSchema({"v": pa.Column(int, pa.Check.ge(0), unique=True)})
    frame = pd.DataFrame({"v": values})
    cuts = sorted({0, len(values), *[c for c in cut_points if c <= len(values)]})
    chunks = [frame.iloc[a:b] for a, b in zip(cuts, cuts[1:])]

    def comparable(validation):
        return {key: (c.status, c.details.get("failing_rows")) for key, c in by_key(validation).items()}

    assert comparable(validate_schema(chunks, schema)) == comparable(validate_schema([frame], schema))
