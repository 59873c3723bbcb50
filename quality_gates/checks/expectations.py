"""Human wording of what a pandera check expects, for check_results.expected and alerts."""

from __future__ import annotations

from typing import Any

import pandera.pandas as pa

from quality_gates.checks.json_safe import format_value

_COMPARISONS = {
    "greater_than": ">",
    "greater_than_or_equal_to": ">=",
    "less_than": "<",
    "less_than_or_equal_to": "<=",
    "equal_to": "==",
    "not_equal_to": "!=",
}


def _values(values: Any, limit: int = 8) -> str:
    values = list(values)
    shown = ", ".join(format_value(v) for v in values[:limit])
    return f"[{shown}{', …' if len(values) > limit else ''}]"


def describe_check(check: pa.Check) -> str:
    stats = check.statistics or {}
    name = check.name
    if name in _COMPARISONS and stats:
        return f"{_COMPARISONS[name]} {format_value(next(iter(stats.values())))}"
    if name == "in_range":
        low = "[" if stats.get("include_min", True) else "("
        high = "]" if stats.get("include_max", True) else ")"
        return f"in {low}{format_value(stats['min_value'])}, {format_value(stats['max_value'])}{high}"
    if name == "isin":
        return f"one of {_values(stats['allowed_values'])}"
    if name == "notin":
        return f"none of {_values(stats['forbidden_values'])}"
    if name == "str_length":
        if stats.get("exact_value") is not None:
            return f"length == {stats['exact_value']}"
        return f"length in [{stats.get('min_value')}, {stats.get('max_value')}]"
    if name in ("str_matches", "str_contains", "str_startswith", "str_endswith"):
        verb = name.removeprefix("str_").replace("with", "s with")
        return f"{verb} {format_value(next(iter(stats.values())))}"
    if name == "unique_values_eq":
        return f"unique values == {_values(stats['values'])}"
    return str(check.error or name or "custom check passes")
