"""Loading schemas: every mistake names the file, the line and the problem."""

from __future__ import annotations

import textwrap

import pandera.pandas as pa
import pytest

from quality_gates.checks.errors import SchemaDefinitionError
from quality_gates.checks.schema_loader import load_schema, tolerance_of


def write(tmp_path, text: str, name: str = "schema.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = write(
        tmp_path,
        """\
        columns:
          amount:
            dtype: float64
           nullable: false
        """,
    )
    with pytest.raises(SchemaDefinitionError) as error:
        load_schema(path)
    assert str(error.value).startswith(f"{path}, line 4, column 4: malformed YAML:")


def test_missing_schema_file(tmp_path):
    with pytest.raises(SchemaDefinitionError, match=r"^schema file not found: .*/nope\.yaml$"):
        load_schema("nope.yaml", base_dir=tmp_path)


def test_unknown_dtype_names_column_and_line(tmp_path):
    path = write(
        tmp_path,
        """\
        columns:
          order_id:
            dtype: int64
          amount:
            dtype: flaot64
        """,
    )
    with pytest.raises(SchemaDefinitionError) as error:
        load_schema(path)
    assert str(error.value) == f"{path}, line 5: column 'amount': unknown dtype 'flaot64'"


def test_misspelt_check_is_an_error_not_silently_ignored(tmp_path):
    path = write(
        tmp_path,
        """\
        columns:
          amount:
            dtype: float64
            greater_than_or_equals: 0
        """,
    )
    with pytest.raises(SchemaDefinitionError) as error:
        load_schema(path)
    assert (
        str(error.value)
        == f"{path}, line 4: column 'amount': unknown check or option 'greater_than_or_equals' (did you mean 'greater_than_or_equal_to'?)"
    )


def test_schema_that_is_not_a_mapping(tmp_path):
    path = write(tmp_path, "- just\n- a list\n")
    with pytest.raises(SchemaDefinitionError, match="a schema must be a YAML mapping"):
        load_schema(path)


def test_mostly_tolerance_inline_and_at_column_level(tmp_path):
    path = write(
        tmp_path,
        """\
        columns:
          amount:
            dtype: float64
            nullable: false
            mostly: {not_nullable: 0.9}
            greater_than_or_equal_to: {min_value: 0, mostly: 0.99}
            less_than: {value: 100, mostly: 0.5}
        """,
    )
    schema = load_schema(path)
    column = schema.columns["amount"]
    assert [c.name for c in column.checks] == ["greater_than_or_equal_to", "less_than"]
    assert column.checks[1].statistics == {"max_value": 100}
    assert tolerance_of(column, schema, "greater_than_or_equal_to") == 0.99
    assert tolerance_of(column, schema, "not_nullable") == 0.9


def test_mostly_out_of_range(tmp_path):
    path = write(
        tmp_path,
        """\
        columns:
          amount:
            greater_than: {min_value: 0, mostly: 1.5}
        """,
    )
    with pytest.raises(
        SchemaDefinitionError, match=r"line 3: column 'amount': 'mostly' of check 'greater_than' must be a fraction in \(0, 1\], got 1.5"
    ):
        load_schema(path)


class Orders(pa.DataFrameModel):
    order_id: int = pa.Field(unique=True)


ORDERS_SCHEMA = pa.DataFrameSchema({"order_id": pa.Column(int)})


def test_schema_objects_models_and_import_paths():
    assert load_schema(ORDERS_SCHEMA) is ORDERS_SCHEMA
    assert list(load_schema(Orders).columns) == ["order_id"]
    assert list(load_schema("tests.unit.test_schema_loader:Orders").columns) == ["order_id"]
    assert load_schema("tests.unit.test_schema_loader.ORDERS_SCHEMA") is ORDERS_SCHEMA


def test_bad_import_paths():
    with pytest.raises(SchemaDefinitionError, match="cannot import module 'no_such_module'"):
        load_schema("no_such_module:Schema")
    with pytest.raises(SchemaDefinitionError, match="module 'tests.unit.test_schema_loader' has no attribute 'Nope'"):
        load_schema("tests.unit.test_schema_loader:Nope")
    with pytest.raises(SchemaDefinitionError, match="not int"):
        load_schema(42)
