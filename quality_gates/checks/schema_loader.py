"""Load a pandera schema from what a DAG author gives: a YAML file, a schema object, a model
class or a dotted import path; and explain any mistake with the file and line it is on."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandera.pandas as pa
import yaml
from pandera.engines import pandas_engine
from pandera.io import _flat_checks
from pandera.io.pandas_io import deserialize_schema

from quality_gates.checks.errors import SchemaDefinitionError

TOLERANCE_KEY = "mostly"
"""Minimum passing fraction of a check (Great Expectations' ``mostly``): our one YAML extension."""

METADATA_KEY = "quality_gates"


def load_schema(spec: Any, base_dir: str | Path | None = None) -> pa.DataFrameSchema:
    """Resolve ``spec`` into a pandas ``DataFrameSchema``.

    ``spec`` may be a ``DataFrameSchema``, a ``DataFrameModel`` subclass, a path to a YAML
    file (relative paths resolve against ``base_dir``, usually the DAG file's folder), or a
    dotted import path ``package.module:NAME`` / ``package.module.NAME`` to either object.
    """
    if isinstance(spec, pa.DataFrameSchema):
        return spec
    if isinstance(spec, type) and issubclass(spec, pa.DataFrameModel):
        return spec.to_schema()
    if isinstance(spec, Path) or (isinstance(spec, str) and spec.endswith((".yaml", ".yml"))):
        path = Path(spec)
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        return load_yaml_schema(path)
    if isinstance(spec, str):
        return load_schema(_import_object(spec))
    raise SchemaDefinitionError(
        f"schema must be a pandera DataFrameSchema, a DataFrameModel class, a .yaml path or "
        f"a dotted import path, not {type(spec).__name__}"
    )


def _import_object(dotted: str) -> Any:
    module_name, sep, attr = dotted.partition(":")
    if not sep:
        module_name, _, attr = dotted.rpartition(".")
    if not module_name or not attr:
        raise SchemaDefinitionError(f"schema '{dotted}' is neither a .yaml file nor a 'module:NAME' import path")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SchemaDefinitionError(f"schema '{dotted}': cannot import module '{module_name}': {exc}") from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise SchemaDefinitionError(f"schema '{dotted}': module '{module_name}' has no attribute '{attr}'") from None


def load_yaml_schema(path: Path) -> pa.DataFrameSchema:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaDefinitionError(f"schema file not found: {path}") from None
    except OSError as exc:
        raise SchemaDefinitionError(f"schema file {path} cannot be read: {exc}") from exc
    try:
        root = yaml.compose(text)
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SchemaDefinitionError(_yaml_error_message(path, exc)) from None
    return parse_schema_document(document, _LineFinder(root), str(path))


def _yaml_error_message(path: Path, exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
    return f"{where}: malformed YAML: {problem}"


class _LineFinder:
    """Line numbers of keys in a composed YAML tree, for error messages."""

    def __init__(self, root: yaml.Node | None):
        self._root = root

    def line(self, *keys: str) -> int | None:
        node, line = self._root, None
        for key in keys:
            if not isinstance(node, yaml.MappingNode):
                return line
            for key_node, value_node in node.value:
                if key_node.value == key:
                    node, line = value_node, key_node.start_mark.line + 1
                    break
            else:
                return line
        return line


def parse_schema_document(document: Any, lines: _LineFinder, source: str) -> pa.DataFrameSchema:
    def fail(message: str, *keys: str) -> SchemaDefinitionError:
        line = lines.line(*keys)
        return SchemaDefinitionError(f"{source}{f', line {line}' if line else ''}: {message}")

    if not isinstance(document, Mapping):
        raise fail("a schema must be a YAML mapping with a 'columns' section")
    document = dict(document)
    columns = document.get("columns") or {}
    if not isinstance(columns, Mapping):
        raise fail("'columns' must be a mapping of column name to its definition", "columns")

    tolerances: dict[str, dict[str, float]] = {}
    cleaned_columns: dict[Any, Any] = {}
    for name, definition in columns.items():
        keys = ("columns", str(name))
        definition = dict(definition or {})
        if "dtype" in definition and definition["dtype"] is not None:
            try:
                pandas_engine.Engine.dtype(definition["dtype"])
            except (TypeError, ValueError, AttributeError):
                raise fail(f"column '{name}': unknown dtype '{definition['dtype']}'", *keys, "dtype") from None
        tolerances[str(name)] = _pop_tolerances(definition, lambda msg: fail(f"column '{name}': {msg}", *keys))
        for key in definition:
            if key not in _flat_checks.COMPONENT_RESERVED_KEYS and not callable(getattr(pa.Check, key, None)):
                raise fail(f"column '{name}': unknown check or option '{key}'", *keys, key)
        cleaned_columns[name] = definition
    document["columns"] = cleaned_columns

    try:
        schema = deserialize_schema(document)
    except Exception as exc:  # pandera raises many types here; all mean "bad schema"
        raise fail(f"invalid schema: {exc}") from exc
    for name, column_tolerances in tolerances.items():
        if column_tolerances:
            column = schema.columns[name]
            column.metadata = {**(column.metadata or {}), METADATA_KEY: {TOLERANCE_KEY: column_tolerances}}
    return schema


def _pop_tolerances(definition: dict[str, Any], fail) -> dict[str, float]:
    """Take our ``mostly`` extension out of a column definition before pandera sees it.

    Accepted at column level (``mostly: {not_nullable: 0.99}``), inline in a flat check
    (``greater_than: {min_value: 0, mostly: 0.99}``) and in list-format check options.
    """
    found: dict[str, float] = {}
    column_level = definition.pop(TOLERANCE_KEY, None) or {}
    if not isinstance(column_level, Mapping):
        raise fail(f"'{TOLERANCE_KEY}' must map check names to fractions between 0 and 1")
    found.update(column_level)
    for key, value in definition.items():
        if isinstance(value, dict) and TOLERANCE_KEY in value:
            found[key] = value.pop(TOLERANCE_KEY)
            if list(value) == ["value"]:
                definition[key] = value["value"]
    for entry in definition.get("checks") or []:
        options = entry.get("options", {}) if isinstance(entry, dict) else {}
        if TOLERANCE_KEY in options:
            found[options.get("check_name", "?")] = options.pop(TOLERANCE_KEY)
    for check_name, fraction in found.items():
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction <= 1:
            raise fail(f"'{TOLERANCE_KEY}' of check '{check_name}' must be a fraction in (0, 1], got {fraction!r}")
    return {name: float(fraction) for name, fraction in found.items()}


def tolerance_of(column: pa.Column | None, schema: pa.DataFrameSchema, check_name: str) -> float | None:
    """The minimum passing fraction declared for a check, from column or schema metadata."""
    metadata = (column.metadata if column is not None else schema.metadata) or {}
    return (metadata.get(METADATA_KEY) or {}).get(TOLERANCE_KEY, {}).get(check_name)
