"""The top-level sections a YAML schema may have: one table, ``SECTIONS``.

Each entry says how to read the section's value and, for pandera's own options, which
``DataFrameSchema`` argument it sets. A section with no pandera argument is kept, parsed, in
``SchemaSpec.sections`` for the stage that uses it. To add one (say ``freshness:``), write a
parser ``(value, where) -> parsed`` that raises ``where.at(line).error(...)`` on mistakes, and
add ``"freshness": Section(parse_freshness, doc="...")`` here; unknown-key errors then suggest
it and ``spec.sections["freshness"]`` holds its parsed value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quality_gates.checks.schema_yaml import values
from quality_gates.checks.schema_yaml.components import parse_checks, parse_columns, parse_index
from quality_gates.checks.schema_yaml.new_sections import parse_freshness, parse_sql_checks
from quality_gates.checks.schema_yaml.spec import Where

PANDAS_APIS = ("pandas",)
"""Gates validate pandas frames; pandera tags schemas for modin, dask and pyspark.pandas too."""


@dataclass(frozen=True)
class Section:
    parse: values.Validator
    pandera_argument: str | None = None
    doc: str = ""


def _schema_type(value: Any, where: Where) -> str:
    if value != "dataframe":
        raise where.error(f"schema_type must be 'dataframe', got {value!r}")
    return value


def _api(value: Any, where: Where) -> str:
    if value not in PANDAS_APIS:
        raise where.error(f"this schema is for the {value!r} API; quality gates validate pandas DataFrames ('pandas')")
    return value


def _multiindex(value: Any, where: Where) -> dict:
    options = values.mapping(value, where)
    for key in options:
        if key not in ("coerce", "strict", "name", "ordered", "unique"):
            raise where.error(values.unknown_key(key, ("coerce", "strict", "name", "ordered", "unique"), "multiindex option"))
    return options


def _option(validate: values.Validator, argument: str, doc: str) -> Section:
    return Section(validate, argument, doc)


SECTIONS: dict[str, Section] = {
    # The schema's content.
    "columns": Section(parse_columns, doc="the columns: name -> dtype, options and checks"),
    "checks": Section(lambda value, where: tuple(parse_checks(value, where)), doc="checks on the whole frame"),
    "index": Section(parse_index, doc="index levels"),
    "multiindex": Section(_multiindex, doc="options of a multi-level index"),
    # Run by the schema gate beside pandera's checks (quality_gates.checks.schema_yaml.new_sections).
    "freshness": Section(parse_freshness, doc="how old the newest timestamp may be"),
    "sql_checks": Section(parse_sql_checks, doc="custom SQL assertions: queries returning the failing rows"),
    # What pandera writes about the file itself.
    "schema_type": Section(_schema_type),
    "version": Section(values.anything, doc="the pandera version that wrote the file"),
    "api": Section(_api),
    "dataframe_library": Section(_api),
    # pandera's DataFrameSchema options, each the argument of the same name.
    "dtype": _option(values.dtype, "dtype", "one dtype for every column"),
    "coerce": _option(values.boolean, "coerce", "convert columns to their dtype before checking"),
    "strict": _option(values.strict, "strict", "true: no other columns allowed; 'filter': drop them"),
    "name": _option(values.optional_text, "name", ""),
    "ordered": _option(values.boolean, "ordered", "columns in this order"),
    "unique": _option(values.column_names, "unique", "rows unique over these columns"),
    "report_duplicates": _option(values.one_of("exclude_first", "exclude_last", "all"), "report_duplicates", ""),
    "unique_column_names": _option(values.boolean, "unique_column_names", ""),
    "add_missing_columns": _option(values.boolean, "add_missing_columns", ""),
    "title": _option(values.optional_text, "title", ""),
    "description": _option(values.optional_text, "description", ""),
    "metadata": _option(values.mapping, "metadata", "free-form; ours lives under 'quality_gates'"),
    "drop_invalid_rows": _option(values.boolean, "drop_invalid_rows", ""),
}
