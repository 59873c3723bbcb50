"""Load a pandera schema from what a DAG author gives: a YAML file, a schema object, a model
class or a dotted import path; and explain any mistake with the file and line it is on."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pandera.pandas as pa

from quality_gates.checks.errors import SchemaDefinitionError
from quality_gates.checks.schema_yaml import METADATA_KEY, TOLERANCE_KEY, parse_schema_file


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
        f"schema must be a pandera DataFrameSchema, a DataFrameModel class, a .yaml path or a dotted import path, not {type(spec).__name__}"
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
    return parse_schema_file(path).to_pandera()


def tolerance_of(column: pa.Column | None, schema: pa.DataFrameSchema, check_name: str) -> float | None:
    """The minimum passing fraction declared for a check, from column or schema metadata."""
    metadata = (column.metadata if column is not None else schema.metadata) or {}
    return (metadata.get(METADATA_KEY) or {}).get(TOLERANCE_KEY, {}).get(check_name)
