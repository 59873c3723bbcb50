"""Columns, index levels and checks of a YAML schema, in pandera's formats.

A column's checks may be written flat (``greater_than: 0``, as ``pandera.Field`` reads), as
pandera's list (``checks: [{min_value: 0, options: {check_name: greater_than}}]``) or as a
mapping (``checks: {greater_than: 0}``). Our extensions: ``mostly`` (the minimum passing
fraction, inline in a check or per column for the built-in constraints) and ``severity``
(``warn`` or ``error``, the readable form of pandera's ``raise_warning``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quality_gates.checks.schema_yaml import values
from quality_gates.checks.schema_yaml.checks import CHECK_OPTIONS, CheckDefinition, check_definition, known_check_names
from quality_gates.checks.schema_yaml.located import line_of, line_of_item, line_of_key
from quality_gates.checks.schema_yaml.spec import TOLERANCE_KEY, CheckSpec, ColumnSpec, Where

SEVERITY_KEY = "severity"
SEVERITIES = {"error": False, "warn": True}  # -> pandera's raise_warning

_REPORT_DUPLICATES = values.one_of("exclude_first", "exclude_last", "all")

INDEX_OPTIONS: dict[str, values.Validator] = {
    "dtype": values.dtype,
    "nullable": values.boolean,
    "unique": values.boolean,
    "coerce": values.boolean,
    "report_duplicates": _REPORT_DUPLICATES,
    "title": values.optional_text,
    "description": values.optional_text,
    "default": values.anything,
    "metadata": values.mapping,
    "drop_invalid_rows": values.boolean,
}
"""Options of an index level: each is the ``pandera.Index`` argument of the same name."""

COLUMN_OPTIONS: dict[str, values.Validator] = {**INDEX_OPTIONS, "required": values.boolean, "regex": values.boolean}
"""Options of a column: each is the ``pandera.Column`` argument of the same name."""

CHECK_OPTION_VALUES: dict[str, values.Validator] = {
    "raise_warning": values.boolean,
    "ignore_na": values.boolean,
    "n_failure_cases": values.optional_count,
    "error": values.optional_text,
    "title": values.optional_text,
    "description": values.optional_text,
}
"""Check options whose values can be checked here; the others (groupby, groups, name) go to pandera as written."""

BUILT_IN_CONSTRAINTS = ("not_nullable", "unique", "dtype")
"""What a column's own options check, by the names results use: ``mostly`` may relax them too."""


def parse_columns(columns: Any, where: Where) -> tuple[ColumnSpec, ...]:
    """``columns:`` as a mapping of name -> definition, or pandera's list of definitions with ``name``."""
    if isinstance(columns, Mapping):
        return tuple(
            parse_component(definition, where.at(line_of_key(columns, name), f"column '{name}': "), name, COLUMN_OPTIONS)
            for name, definition in columns.items()
        )
    if isinstance(columns, list):
        parsed: dict[Any, ColumnSpec] = {}
        for number, definition in enumerate(columns):
            at = where.at(line_of_item(columns, number), "")
            name = _listed_name(definition, at, "column")
            column = parse_component(definition, at.at(None, f"column '{name}': "), name, COLUMN_OPTIONS, listed=True)
            if name in parsed:
                raise at.error(f"column '{name}' is defined twice (lines {parsed[name].line} and {column.line})")
            parsed[name] = column
        return tuple(parsed.values())
    if columns is None:
        return ()
    raise where.error("'columns' must be a mapping of column name to its definition")


def parse_index(index: Any, where: Where) -> tuple[ColumnSpec, ...]:
    """``index:`` as pandera writes it: a list of levels (one level is an ``Index``, more a ``MultiIndex``)."""
    if index is None:
        return ()
    levels = index if isinstance(index, list) else [index]
    parsed = []
    for number, definition in enumerate(levels):
        at = where.at(line_of_item(levels, number) or line_of(definition), f"index level {number}: ")
        name = definition.get("name") if isinstance(definition, Mapping) else None
        parsed.append(parse_component(definition, at, name, INDEX_OPTIONS, listed=True))
    return tuple(parsed)


def _listed_name(definition: Any, where: Where, what: str) -> Any:
    if not isinstance(definition, Mapping) or definition.get("name") is None:
        raise where.error(f"each {what} in the list needs a 'name'")
    name = definition["name"]
    return tuple(name) if isinstance(name, list) else name  # a MultiIndex column, as pandera writes it


def parse_component(
    definition: Any, where: Where, name: Any, options_table: Mapping[str, values.Validator], *, listed: bool = False
) -> ColumnSpec:
    if definition is None:
        definition = {}
    if not isinstance(definition, Mapping):
        raise where.error(f"must be a mapping of checks and options, got {definition!r}")
    where = where.at(line_of(definition) if listed else None)
    options: dict[str, Any] = {}
    if listed:
        options["name"] = name
    if definition.get("dtype") is not None:
        options["dtype"] = values.dtype(definition["dtype"], where.at(line_of_key(definition, "dtype")))
    checks: list[CheckSpec] = []
    tolerance_entry = None
    for key, value in definition.items():
        at = where.at(line_of_key(definition, key))
        if key == "dtype" or (listed and key == "name"):
            continue
        if key in options_table:
            if value is not None:  # pandera writes every default as null
                options[key] = options_table[key](value, at.at(None, f"{where.context}'{key}' "))
        elif key == "checks":
            checks.extend(parse_checks(value, at, options.get("dtype")))
        elif key == TOLERANCE_KEY:
            tolerance_entry = (value, at)
        elif (named_check := check_definition(key)) is not None:
            checks.append(parse_check(named_check, value, at, options.get("dtype")))
        else:
            known = [*options_table, "checks", TOLERANCE_KEY, *known_check_names()]
            raise at.error(values.unknown_key(key, known, "check or option"))
    tolerances = _column_tolerances(tolerance_entry, checks) if tolerance_entry else {}
    return ColumnSpec(name, where.line, options, tuple(checks), tolerances, dict(getattr(definition, "key_lines", {})))


def _column_tolerances(entry: tuple[Any, Where], checks: list[CheckSpec]) -> dict[str, float]:
    """``mostly: {not_nullable: 0.99, greater_than: 0.9}``: per built-in constraint or declared check."""
    tolerances, where = entry
    if not isinstance(tolerances, Mapping):
        raise where.error(f"'{TOLERANCE_KEY}' must map check names to fractions between 0 and 1")
    declared = {check.name for check in checks}
    found = {}
    for name, value in tolerances.items():
        at = where.at(line_of_key(tolerances, name))
        definition = check_definition(name)
        canonical = definition.name if definition else name
        if canonical not in declared and canonical not in BUILT_IN_CONSTRAINTS:
            raise at.error(
                f"'{TOLERANCE_KEY}' names '{name}', which is neither a check of this column nor one of {', '.join(BUILT_IN_CONSTRAINTS)}"
            )
        found[canonical] = values.fraction(value, at, canonical)
    return found


def parse_checks(checks: Any, where: Where, dtype: Any = None) -> list[CheckSpec]:
    """A ``checks:`` section: pandera's list format, or a mapping of check name -> value."""
    if checks is None:
        return []
    if isinstance(checks, Mapping):
        return [
            parse_check(_named_check(name, where.at(line_of_key(checks, name))), value, where.at(line_of_key(checks, name)), dtype)
            for name, value in checks.items()
        ]
    if not isinstance(checks, list):
        raise where.error("'checks' must be a list of checks or a mapping of check name to its value")
    return [parse_check_entry(entry, where.at(line_of_item(checks, number)), dtype) for number, entry in enumerate(checks)]


def parse_check_entry(entry: Any, where: Where, dtype: Any = None) -> CheckSpec:
    """One list entry: ``{min_value: 0, options: {check_name: greater_than}}`` or ``{greater_than: 0}``."""
    if isinstance(entry, Mapping) and "options" in entry:
        options = entry["options"]
        if not isinstance(options, Mapping) or not options.get("check_name"):
            raise where.error("a check's 'options' must name it with 'check_name'")
        definition = _named_check(options["check_name"], where.at(line_of_key(options, "check_name")))
        flat = {key: value for key, value in entry.items() if key != "options"}
        flat.update({key: value for key, value in options.items() if key != "check_name"})
        return parse_check(definition, flat, where, dtype)
    if isinstance(entry, Mapping) and len(entry) == 1:
        [(name, value)] = entry.items()
        at = where.at(line_of_key(entry, name))
        return parse_check(_named_check(name, at), value, at, dtype)
    raise where.error("each check must be '{check_name: value}' or have 'options: {check_name: ...}'")


def _named_check(name: Any, where: Where) -> CheckDefinition:
    definition = check_definition(name)
    if definition is None:
        raise where.error(values.unknown_key(name, known_check_names(), "check"))
    return definition


def parse_check(definition: CheckDefinition, value: Any, where: Where, dtype: Any = None) -> CheckSpec:
    """``check: value`` or ``check: {statistic: value, option: value, mostly: 0.99}``."""
    statistics: dict[str, Any] = {}
    options: dict[str, Any] = {}
    mostly = None
    first = definition.parameters[0] if definition.parameters else "value"
    if isinstance(value, Mapping):
        for key, item in value.items():
            at = where.at(line_of_key(value, key))
            if key == TOLERANCE_KEY:
                mostly = values.fraction(item, at, definition.name)
            elif key == SEVERITY_KEY:
                if item not in SEVERITIES:
                    raise at.error(f"check '{definition.name}': severity must be 'warn' or 'error', got {item!r}")
                options["raise_warning"] = SEVERITIES[item]
            elif key in CHECK_OPTIONS:
                validate = CHECK_OPTION_VALUES.get(key, values.anything)
                options[key] = validate(item, at.at(None, f"{where.context}check '{definition.name}': '{key}' "))
            else:
                statistics[key] = item
        if list(statistics) == ["value"]:
            statistics = {first: statistics["value"]}
    elif value is not None:
        statistics = {first: value}
    unknown = [key for key in statistics if key not in definition.parameters]
    if unknown and not definition.open_parameters:
        takes = ", ".join(definition.parameters)
        allowed = [*definition.parameters, *CHECK_OPTIONS, TOLERANCE_KEY, SEVERITY_KEY]
        raise where.at(line_of_key(value, unknown[0])).error(
            f"check '{definition.name}': {values.unknown_key(unknown[0], allowed, 'argument')}; it takes {takes}"
        )
    check = CheckSpec(definition, statistics, options, mostly, where.line)
    try:
        check.to_pandera(dtype)
    except (TypeError, ValueError) as exc:
        raise where.error(f"check '{definition.name}': {exc}") from None
    return check
