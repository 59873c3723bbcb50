"""The YAML schema reader: unknown and duplicate keys are errors with lines; pandera's format is kept."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest
from pandera.io import pandas_io

from quality_gates.checks.errors import SchemaDefinitionError
from quality_gates.checks.schema_loader import load_schema, tolerance_of
from quality_gates.checks.schema_yaml import parse_schema_file, parse_schema_text

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path, text: str, name: str = "schema.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def error_of(path: Path) -> str:
    with pytest.raises(SchemaDefinitionError) as error:
        load_schema(path)
    return str(error.value)


# -- finding 2: unknown keys and schemas without columns --


def test_misspelt_top_level_key_is_an_error_with_its_line(tmp_path):
    path = write(
        tmp_path,
        """\
        schema_type: dataframe
        strict: true
        colums:
          amount:
            dtype: float64
        """,
    )
    assert error_of(path) == f"{path}, line 3: unknown key 'colums' (did you mean 'columns'?)"


def test_schema_without_columns_is_an_error(tmp_path):
    path = write(tmp_path, "schema_type: dataframe\nstrict: true\n")
    assert error_of(path) == f"{path}, line 1: no 'columns' section: a schema without columns checks nothing"
    path = write(tmp_path, "strict: true\ncolumns:\n", "empty.yaml")
    assert error_of(path) == f"{path}, line 2: 'columns' is empty: a schema without columns checks nothing"
    path = write(tmp_path, "", "blank.yaml")
    assert error_of(path) == f"{path}: a schema must be a YAML mapping with a 'columns' section"


def test_unknown_keys_at_every_level(tmp_path):
    unknown_check_argument = write(
        tmp_path,
        """\
        columns:
          passengers:
            dtype: int64
            in_range:
              min_value: 1
              maximum: 8
        """,
        "a.yaml",
    )
    assert error_of(unknown_check_argument) == (
        f"{unknown_check_argument}, line 6: column 'passengers': check 'in_range': unknown argument 'maximum'; "
        "it takes min_value, max_value, include_min, include_max"
    )
    unknown_option_in_list_format = write(
        tmp_path,
        """\
        columns:
          amount:
            checks:
            - min_value: 0
              options:
                check_name: greater_than
                raise_warnings: true
        """,
        "b.yaml",
    )
    assert error_of(unknown_option_in_list_format) == (
        f"{unknown_option_in_list_format}, line 4: column 'amount': check 'greater_than': "
        "unknown argument 'raise_warnings' (did you mean 'raise_warning'?); it takes min_value"
    )
    unknown_check_name = write(
        tmp_path,
        """\
        columns:
          amount:
            checks:
              greater_thn: 0
        """,
        "c.yaml",
    )
    assert (
        error_of(unknown_check_name)
        == f"{unknown_check_name}, line 4: column 'amount': unknown check 'greater_thn' (did you mean 'greater_than'?)"
    )
    unknown_index_option = write(
        tmp_path,
        """\
        columns:
          amount: {dtype: float64}
        index:
        - dtype: int64
          nulable: true
        """,
        "d.yaml",
    )
    assert error_of(unknown_index_option) == (
        f"{unknown_index_option}, line 5: index level 0: unknown check or option 'nulable' (did you mean 'nullable'?)"
    )
    unknown_multiindex_option = write(
        tmp_path,
        """\
        columns:
          amount: {dtype: float64}
        multiindex: {orderd: true}
        """,
        "e.yaml",
    )
    assert error_of(unknown_multiindex_option) == (
        f"{unknown_multiindex_option}, line 3: unknown multiindex option 'orderd' (did you mean 'ordered'?)"
    )


def test_wrong_option_values_name_the_option_and_line(tmp_path):
    path = write(
        tmp_path,
        """\
        columns:
          amount:
            dtype: float64
            nullable: "no"
        """,
    )
    assert error_of(path) == f"{path}, line 4: column 'amount': 'nullable' must be true or false, got 'no'"
    path = write(tmp_path, "columns:\n  amount: {}\nstrict: sometimes\n", "strict.yaml")
    assert error_of(path) == f"{path}, line 3: 'strict' must be true, false or 'filter', got 'sometimes'"
    path = write(tmp_path, "columns:\n  amount:\n    greater_than: {min_value: 0, severity: fatal}\n", "severity.yaml")
    assert error_of(path) == f"{path}, line 3: column 'amount': check 'greater_than': severity must be 'warn' or 'error', got 'fatal'"
    path = write(tmp_path, "columns:\n  amount:\n    greater_than:\n      min_value: 0\n      raise_warning: 'yes'\n", "option.yaml")
    assert error_of(path) == f"{path}, line 5: column 'amount': check 'greater_than': 'raise_warning' must be true or false, got 'yes'"
    path = write(tmp_path, "columns:\n  amount:\n    mostly: {greater_than: 0.9}\n", "mostly.yaml")
    assert error_of(path) == (
        f"{path}, line 3: column 'amount': 'mostly' names 'greater_than', which is neither a check of this column "
        "nor one of not_nullable, unique, dtype"
    )


# -- finding 3: duplicate keys --


def test_column_defined_twice_is_an_error_with_both_lines(tmp_path):
    path = write(
        tmp_path,
        """\
        columns:
          amount:
            dtype: float64
            greater_than_or_equal_to: 0
          status:
            dtype: str
          amount:
            dtype: float64
        """,
    )
    assert error_of(path) == (
        f"{path}, line 7: duplicate key 'amount' in columns: also on line 2 (a second definition would silently replace the first)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("strict: true\ncolumns:\n  a: {}\nstrict: false\n", "line 4: duplicate key 'strict': also on line 1"),
        (
            "columns:\n  a:\n    dtype: int64\n    isin: [1, 2]\n    isin: [3]\n",
            "line 5: duplicate key 'isin' in columns.a: also on line 4",
        ),
        (
            "columns:\n  a:\n    in_range: {min_value: 1,\n               min_value: 2}\n",
            "line 4: duplicate key 'min_value' in columns.a.in_range: also on line 3",
        ),
        ("columns:\n  1: {}\n  1: {}\n", "line 3: duplicate key 1 in columns: also on line 2"),
    ],
)
def test_duplicate_keys_at_any_level(tmp_path, text, message):
    path = write(tmp_path, text)
    assert error_of(path).startswith(f"{path}, {message} ")


def test_column_listed_twice_in_list_format(tmp_path):
    path = write(
        tmp_path,
        """\
        columns:
        - name: amount
          dtype: float64
        - name: amount
          dtype: int64
        """,
    )
    assert error_of(path) == f"{path}, line 4: column 'amount' is defined twice (lines 2 and 4)"


def test_merge_keys_are_not_duplicates(tmp_path):
    path = write(
        tmp_path,
        """\
        columns:
          price: &money
            dtype: float64
            greater_than_or_equal_to: 0
          discount:
            <<: *money
            less_than: 100
            greater_than_or_equal_to: -5
        """,
    )
    schema = load_schema(path)
    assert [(c.name, c.statistics) for c in schema.columns["discount"].checks] == [
        ("greater_than_or_equal_to", {"min_value": -5}),
        ("less_than", {"max_value": 100}),
    ]


# -- every feature of pandera's format is kept --


def _same_as_pandera(text: str) -> None:
    ours = parse_schema_text(text).to_pandera()
    assert ours.to_yaml() == pandas_io.from_yaml(text).to_yaml()


@pytest.mark.parametrize("relative", ["schemas/trips.yaml", "tests/dags/orders.yaml"])
def test_project_schemas_read_as_pandera_reads_them(relative):
    _same_as_pandera((ROOT / relative).read_text())


def test_pandera_written_schemas_read_back_identically():
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "name": ["a", "b", None],
            "score": [1.5, 2.0, 3.0],
            "at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "took": pd.to_timedelta([1, 2, 3], unit="s"),
        }
    )
    _same_as_pandera(pa.infer_schema(frame).to_yaml())  # datetime and timedelta statistics
    frame[5] = 1  # a non-text column name: pandera writes columns as a list
    _same_as_pandera(pa.infer_schema(frame).to_yaml())
    rich = pa.DataFrameSchema(
        {
            "a": pa.Column(
                int, [pa.Check.gt(0), pa.Check.in_range(1, 5, raise_warning=True), pa.Check.isin([1, 2]), pa.Check.str_length(1, 3)]
            ),
            "b": pa.Column(
                str,
                [pa.Check.str_matches("^x"), pa.Check.notin(["y"]), pa.Check.ne(3, ignore_na=False, n_failure_cases=3)],
                nullable=True,
                required=False,
                coerce=True,
                description="d",
                title="t",
            ),
            "c.*": pa.Column(float, regex=True),
        },
        checks=[pa.Check.gt(0)],
        index=pa.MultiIndex([pa.Index(int, name="i"), pa.Index(str, name="j", checks=[pa.Check.isin(["a"])])]),
        unique=["a"],
        strict="filter",
        ordered=True,
        coerce=True,
        name="n",
        title="T",
        description="D",
        report_duplicates="exclude_first",
        unique_column_names=True,
        add_missing_columns=True,
        drop_invalid_rows=True,
        metadata={"k": 1},
    )
    _same_as_pandera(rich.to_yaml())
    _same_as_pandera(rich.to_yaml(minimal=False))


def test_check_forms_aliases_severity_and_mostly(tmp_path):
    path = write(
        tmp_path,
        """\
        columns:
          amount:
            dtype: float64
            gt: {min_value: 0, mostly: 0.9}
            le: {value: 100, severity: warn}
            checks:
              isin: [1.0, 2.0]
          status:
            checks:
            - str_startswith: s
            - value: x
              options: {check_name: str_endswith, raise_warning: true}
          at:
            dtype: datetime64[ns]
            greater_than: '2024-01-01'
            mostly: {not_nullable: 0.5}
        checks:
          not_equal_to: {value: -1, mostly: 0.75}
        """,
    )
    schema = load_schema(path)
    amount = schema.columns["amount"]
    assert [(c.name, c.statistics, c.raise_warning) for c in amount.checks] == [
        ("greater_than", {"min_value": 0}, False),
        ("less_than_or_equal_to", {"max_value": 100}, True),
        ("isin", {"allowed_values": [1.0, 2.0]}, False),
    ]
    assert tolerance_of(amount, schema, "greater_than") == 0.9  # keyed by the name results use, not the alias
    assert [(c.name, c.raise_warning) for c in schema.columns["status"].checks] == [("str_startswith", False), ("str_endswith", True)]
    at = schema.columns["at"]
    assert at.checks[0].statistics == {"min_value": pd.Timestamp("2024-01-01")}
    assert tolerance_of(at, schema, "not_nullable") == 0.5
    assert tolerance_of(None, schema, "not_equal_to") == 0.75


def test_spec_keeps_the_line_of_every_column_and_check(tmp_path):
    path = write(
        tmp_path,
        """\
        # orders
        columns:
          order_id:
            dtype: int64
            unique: true
          amount:
            dtype: float64
            greater_than_or_equal_to: 0
            checks:
            - max_value: 1000
              options: {check_name: less_than}
        checks:
          not_equal_to: -1
        """,
    )
    spec = parse_schema_file(path)
    assert [(c.name, c.line) for c in spec.columns] == [("order_id", 3), ("amount", 6)]
    amount = spec.column("amount")
    assert [(c.name, c.line) for c in amount.checks] == [("greater_than_or_equal_to", 8), ("less_than", 10)]
    assert amount.key_lines["dtype"] == 7
    assert [(c.name, c.line) for c in spec.checks] == [("not_equal_to", 13)]
    assert spec.key_lines == {"columns": 2, "checks": 12}


def test_registered_extension_checks_are_accepted(tmp_path):
    from pandera import extensions

    if "is_between_for_yaml_test" not in pa.Check.REGISTERED_CUSTOM_CHECKS:

        @extensions.register_check_method(statistics=["low", "high"])
        def is_between_for_yaml_test(series, *, low, high):
            return series.between(low, high)

    path = write(tmp_path, "columns:\n  a:\n    is_between_for_yaml_test: {low: 1, high: 3}\n")
    [check] = load_schema(path).columns["a"].checks
    assert (check.name, check.statistics) == ("is_between_for_yaml_test", {"low": 1, "high": 3})


def test_no_private_pandera_api_is_imported():
    sources = [
        p for p in (ROOT / "quality_gates").rglob("*.py") if "pandera.io._" in p.read_text() or "pandera.io import _" in p.read_text()
    ]
    assert sources == []


def test_a_new_top_level_section_is_one_table_entry(tmp_path, monkeypatch):
    """How `freshness:`-style sections plug in: a parser in SECTIONS; pandera never sees them."""
    from quality_gates.checks.schema_yaml.located import line_of_key
    from quality_gates.checks.schema_yaml.sections import SECTIONS, Section

    def parse_freshness(value, where):
        if not isinstance(value, dict) or "column" not in value:
            raise where.error("'freshness' needs a 'column'")
        if not isinstance(value.get("max_age_hours", 0), (int, float)):
            raise where.at(line_of_key(value, "max_age_hours")).error("'max_age_hours' must be a number")
        return {"column": value["column"], "line": where.line}

    monkeypatch.setitem(SECTIONS, "freshness", Section(parse_freshness, doc="newest row no older than"))
    path = write(tmp_path, "columns:\n  at:\n    dtype: datetime64[ns]\nfreshness:\n  column: at\n  max_age_hours: 2\n")
    spec = parse_schema_file(path)
    assert spec.sections["freshness"] == {"column": "at", "line": 4}
    assert list(spec.to_pandera().columns) == ["at"]
    bad = write(tmp_path, "columns:\n  at: {}\nfreshness:\n  column: at\n  max_age_hours: soon\n", "bad.yaml")
    assert error_of(bad) == f"{bad}, line 5: 'max_age_hours' must be a number"
    typo = write(tmp_path, "columns:\n  at: {}\nfreshnes: {column: at}\n", "typo.yaml")
    assert error_of(typo) == f"{typo}, line 3: unknown key 'freshnes' (did you mean 'freshness'?)"
