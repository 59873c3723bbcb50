"""pandera's YAML schema format, read by us: line numbers in every error, no unknown or
duplicate keys, and a parsed ``SchemaSpec`` that later stages can cite lines from.

- ``parser``: file/text -> ``SchemaSpec``
- ``sections``: the allowed top-level sections (the table to extend)
- ``checks``: check names -> pandera checks (the table to extend)
- ``components``: columns, index levels, checks in pandera's flat, list and mapping forms
- ``spec``: the parsed model and its ``to_pandera()``
- ``located``: the YAML loader that keeps lines and refuses duplicate keys
"""

from quality_gates.checks.schema_yaml.parser import parse_schema_document, parse_schema_file, parse_schema_text
from quality_gates.checks.schema_yaml.spec import METADATA_KEY, TOLERANCE_KEY, CheckSpec, ColumnSpec, SchemaSpec

__all__ = [
    "METADATA_KEY",
    "TOLERANCE_KEY",
    "CheckSpec",
    "ColumnSpec",
    "SchemaSpec",
    "parse_schema_document",
    "parse_schema_file",
    "parse_schema_text",
]
