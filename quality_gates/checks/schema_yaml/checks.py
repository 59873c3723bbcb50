"""The checks a YAML schema may name, and how each becomes a pandera ``Check``.

One table, ``CHECKS``: a check's YAML name (and its aliases) -> the pandera built-in that runs
it and the statistics it takes. Engines that push checks down (SQL, Spark) key their own
translations on the same canonical names, so a check is declared once here. Checks
registered with ``pandera.extensions.register_check_method`` are accepted as well.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandera.pandas as pa


@dataclass(frozen=True)
class CheckDefinition:
    """A check a schema can name: ``name`` is pandera's (and the results') name for it."""

    name: str
    parameters: tuple[str, ...]
    """The statistics it takes, in positional order; the first is what ``check: value`` sets."""
    aliases: tuple[str, ...] = ()
    open_parameters: bool = False
    """True for extension checks whose statistics pandera cannot list."""

    def build(self, statistics: Mapping[str, Any], options: Mapping[str, Any]) -> pa.Check:
        factory = getattr(pa.Check, self.name)
        if self.open_parameters and "value" in statistics:  # ``my_check: 3`` for an extension check
            return factory(statistics["value"], **options)
        return factory(**statistics, **options)


def _builtin(name: str, *aliases: str) -> CheckDefinition:
    signature = inspect.signature(getattr(pa.Check, name))
    parameters = tuple(p.name for p in signature.parameters.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
    return CheckDefinition(name, parameters, aliases)


CHECKS: dict[str, CheckDefinition] = {
    definition.name: definition
    for definition in (
        _builtin("equal_to", "eq"),
        _builtin("not_equal_to", "ne"),
        _builtin("greater_than", "gt"),
        _builtin("greater_than_or_equal_to", "ge"),
        _builtin("less_than", "lt"),
        _builtin("less_than_or_equal_to", "le"),
        _builtin("in_range", "between"),
        _builtin("isin"),
        _builtin("notin"),
        _builtin("unique_values_eq"),
        _builtin("str_matches"),
        _builtin("str_contains"),
        _builtin("str_startswith"),
        _builtin("str_endswith"),
        _builtin("str_length"),
    )
}

_ALIASES = {alias: definition for definition in CHECKS.values() for alias in definition.aliases}

CHECK_OPTIONS = frozenset({"raise_warning", "ignore_na", "n_failure_cases", "error", "name", "title", "description", "groupby", "groups"})
"""Options every check takes besides its statistics (pandera's ``Check`` arguments)."""


def check_definition(name: Any) -> CheckDefinition | None:
    """The check a YAML key names, or None when it names no check."""
    if not isinstance(name, str):
        return None
    if name in CHECKS:
        return CHECKS[name]
    if name in _ALIASES:
        return _ALIASES[name]
    if name in pa.Check.REGISTERED_CUSTOM_CHECKS:
        return _extension(name)
    return None


def _extension(name: str) -> CheckDefinition:
    signature = inspect.signature(pa.Check.REGISTERED_CUSTOM_CHECKS[name])
    parameters = tuple(p.name for p in signature.parameters.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
    return CheckDefinition(name, parameters, open_parameters=not parameters)


def known_check_names() -> list[str]:
    return [*CHECKS, *_ALIASES, *pa.Check.REGISTERED_CUSTOM_CHECKS]
