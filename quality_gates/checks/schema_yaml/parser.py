"""Read a YAML schema file into a ``SchemaSpec``: every mistake names the file and its line."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from quality_gates.checks.errors import SchemaDefinitionError
from quality_gates.checks.schema_yaml import values
from quality_gates.checks.schema_yaml.located import DuplicateKeyError, UnhashableKeyError, line_of, line_of_key, load_located
from quality_gates.checks.schema_yaml.sections import SECTIONS
from quality_gates.checks.schema_yaml.spec import SchemaSpec, Where


def parse_schema_file(path: str | Path) -> SchemaSpec:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaDefinitionError(f"schema file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaDefinitionError(f"schema file {path} cannot be read: {exc}") from exc
    return parse_schema_text(text, str(path))


def parse_schema_text(text: str, source: str = "<schema>") -> SchemaSpec:
    try:
        document = load_located(text)
    except DuplicateKeyError as exc:
        inside = f" in {exc.where}" if exc.where else ""
        raise Where(source, exc.second_line).error(
            f"duplicate key {_quoted(exc.key)}{inside}: also on line {exc.first_line} (a second definition would silently replace the first)"
        ) from None
    except UnhashableKeyError as exc:
        raise Where(source, exc.line).error(str(exc)) from None
    except yaml.YAMLError as exc:
        raise SchemaDefinitionError(_malformed(source, exc)) from None
    return parse_schema_document(document, source)


def parse_schema_document(document: Any, source: str = "<schema>") -> SchemaSpec:
    """A loaded document (from ``load_located`` for line numbers, or any plain mapping)."""
    where = Where(source, line_of(document))
    if not isinstance(document, Mapping):
        raise where.error("a schema must be a YAML mapping with a 'columns' section")
    sections: dict[str, Any] = {}
    for key, value in document.items():
        at = where.at(line_of_key(document, key))
        section = SECTIONS.get(key) if isinstance(key, str) else None
        if section is None:
            raise at.error(values.unknown_key(key, SECTIONS))
        sections[key] = section.parse(value, at.at(None, "" if not section.pandera_argument else f"'{key}' "))
    if not sections.get("columns"):
        line = line_of_key(document, "columns")
        message = "'columns' is empty" if line else "no 'columns' section"
        raise where.at(line or 1).error(f"{message}: a schema without columns checks nothing")
    return SchemaSpec(source, sections, dict(getattr(document, "key_lines", {})))


def _quoted(key: Any) -> str:
    return f"'{key}'" if isinstance(key, str) else repr(key)


def _malformed(source: str, exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark else source
    return f"{where}: malformed YAML: {problem}"
