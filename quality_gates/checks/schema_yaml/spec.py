"""A parsed YAML schema: what the author wrote, with the line of every column and check.

``SchemaSpec.to_pandera()`` builds the pandera ``DataFrameSchema`` through pandera's public
constructors. Later stages (per-engine pushdown, ``freshness:``-style sections) read the spec
itself, so their errors can cite ``file, line N`` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pandera.pandas as pa

from quality_gates.checks.errors import SchemaDefinitionError
from quality_gates.checks.schema_yaml.checks import CheckDefinition

TOLERANCE_KEY = "mostly"
"""Minimum passing fraction of a check (Great Expectations' ``mostly``)."""

METADATA_KEY = "quality_gates"
"""Where our extensions live in pandera ``metadata`` (so Python-defined schemas can set them too)."""


@dataclass(frozen=True)
class Where:
    """A place in a schema file, for error messages: ``file, line N: column 'x': problem``."""

    source: str
    line: int | None = None
    context: str = ""

    def at(self, line: int | None, context: str | None = None) -> Where:
        return Where(self.source, line or self.line, self.context if context is None else context)

    def error(self, message: str) -> SchemaDefinitionError:
        where = f"{self.source}, line {self.line}" if self.line else self.source
        return SchemaDefinitionError(f"{where}: {self.context}{message}")


@dataclass(frozen=True)
class CheckSpec:
    """One check as declared: canonical ``name``, its statistics and options, its line."""

    definition: CheckDefinition
    statistics: Mapping[str, Any]
    options: Mapping[str, Any]
    mostly: float | None
    line: int | None

    @property
    def name(self) -> str:
        return self.definition.name

    def to_pandera(self, dtype: Any = None) -> pa.Check:
        statistics = {key: _typed_statistic(value, dtype) for key, value in self.statistics.items()}
        return self.definition.build(statistics, self.options)


@dataclass(frozen=True)
class ColumnSpec:
    """A column (or index level): pandera ``Column``/``Index`` arguments, checks and lines."""

    name: Any
    line: int | None
    options: Mapping[str, Any]
    checks: tuple[CheckSpec, ...] = ()
    tolerances: Mapping[str, float] = field(default_factory=dict)
    """Column-level ``mostly`` for the built-in constraints (``not_nullable``, ``unique``, ``dtype``)."""
    key_lines: Mapping[str, int] = field(default_factory=dict)

    def all_tolerances(self) -> dict[str, float]:
        return {**self.tolerances, **{c.name: c.mostly for c in self.checks if c.mostly is not None}}

    def to_pandera(self, component: type = pa.Column) -> pa.Column | pa.Index:
        options = _with_tolerances(dict(self.options), self.all_tolerances())
        checks = [check.to_pandera(options.get("dtype")) for check in self.checks]
        return component(checks=checks or None, **options)


@dataclass(frozen=True)
class SchemaSpec:
    """A whole schema file. ``sections`` holds every top-level section's parsed value by key."""

    source: str
    sections: Mapping[str, Any]
    key_lines: Mapping[str, int]

    @property
    def columns(self) -> tuple[ColumnSpec, ...]:
        return self.sections.get("columns", ())

    @property
    def checks(self) -> tuple[CheckSpec, ...]:
        """Checks on the whole frame (the top-level ``checks:`` section)."""
        return self.sections.get("checks", ())

    def column(self, name: Any) -> ColumnSpec:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def where(self, line: int | None) -> Where:
        return Where(self.source, line)

    def to_pandera(self) -> pa.DataFrameSchema:
        from quality_gates.checks.schema_yaml.sections import SECTIONS

        options: dict[str, Any] = {}
        for key, value in self.sections.items():
            if argument := SECTIONS[key].pandera_argument:
                options[argument] = value
        options = _with_tolerances(options, {check.name: check.mostly for check in self.checks if check.mostly is not None})
        try:
            return pa.DataFrameSchema(
                columns={column.name: column.to_pandera() for column in self.columns},
                checks=[check.to_pandera() for check in self.checks] or None,
                index=self._index(),
                **options,
            )
        except (TypeError, ValueError, pa.errors.SchemaInitError) as exc:
            raise Where(self.source).error(f"invalid schema: {exc}") from exc

    def _index(self) -> pa.Index | pa.MultiIndex | None:
        levels = self.sections.get("index") or ()
        if not levels:
            return None
        if len(levels) == 1:
            return levels[0].to_pandera(pa.Index)
        return pa.MultiIndex([level.to_pandera(pa.Index) for level in levels], **(self.sections.get("multiindex") or {}))


def _with_tolerances(options: dict[str, Any], tolerances: Mapping[str, float | None]) -> dict[str, Any]:
    """pandera keeps no per-check metadata: our ``mostly`` fractions ride in the component's."""
    if tolerances:
        metadata = dict(options.get("metadata") or {})
        metadata[METADATA_KEY] = {**metadata.get(METADATA_KEY, {}), TOLERANCE_KEY: dict(tolerances)}
        options["metadata"] = metadata
    return options


def _typed_statistic(value: Any, dtype: Any) -> Any:
    """Dates and durations are written as text (or nanoseconds) in YAML; compare them as such."""
    native = getattr(dtype, "type", None)
    if native is None or isinstance(value, bool):
        return value
    if isinstance(value, list):
        return [_typed_statistic(item, dtype) for item in value]
    if pd.api.types.is_datetime64_any_dtype(native) and isinstance(value, (str, int)):
        stamp = pd.Timestamp(value)
        tz = getattr(native, "tz", None)
        return stamp.tz_localize(tz) if tz is not None and stamp.tzinfo is None else stamp
    if pd.api.types.is_timedelta64_dtype(native) and isinstance(value, (str, int)):
        return pd.Timedelta(value) if isinstance(value, str) else pd.Timedelta(value, unit="ns")
    return value
