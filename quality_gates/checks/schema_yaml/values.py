"""Validators for single YAML values: each returns the value pandera wants or raises at its line."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pandera.engines import pandas_engine

from quality_gates.checks.schema_yaml.spec import Where

Validator = Callable[[Any, Where], Any]

_DECIMAL = re.compile(r"Decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)", re.IGNORECASE)


def boolean(value: Any, where: Where) -> bool:
    if not isinstance(value, bool):
        raise where.error(f"must be true or false, got {value!r}")
    return value


def optional_count(value: Any, where: Where) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise where.error(f"must be a whole number of at least 0, got {value!r}")
    return value


def text(value: Any, where: Where) -> str:
    if not isinstance(value, str):
        raise where.error(f"must be text, got {value!r}")
    return value


def optional_text(value: Any, where: Where) -> str | None:
    return None if value is None else text(value, where)


def mapping(value: Any, where: Where) -> dict:
    if not isinstance(value, Mapping):
        raise where.error(f"must be a mapping, got {value!r}")
    return dict(value)


def anything(value: Any, where: Where) -> Any:
    return value


def one_of(*choices: Any) -> Validator:
    def validate(value: Any, where: Where) -> Any:
        if value not in choices:
            raise where.error(f"must be one of {', '.join(map(repr, choices))}, got {value!r}")
        return value

    return validate


def column_names(value: Any, where: Where) -> str | list[str] | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise where.error(f"must be a column name or a list of column names, got {value!r}")


def strict(value: Any, where: Where) -> bool | str:
    if value is True or value is False or value == "filter":
        return value
    raise where.error(f"must be true, false or 'filter', got {value!r}")


def dtype(value: Any, where: Where) -> Any:
    """A pandera data type; ``Decimal(28, 2)`` as pandera writes it is accepted too."""
    if value is None:
        return None
    if isinstance(value, str) and (match := _DECIMAL.fullmatch(value)):
        return pandas_engine.Decimal(precision=int(match.group(1)), scale=int(match.group(2)))
    try:
        return pandas_engine.Engine.dtype(value)
    except (TypeError, ValueError, AttributeError):
        raise where.error(f"unknown dtype '{value}'") from None


def fraction(value: Any, where: Where, check_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise where.error(f"'mostly' of check '{check_name}' must be a fraction in (0, 1], got {value!r}")
    return float(value)


def unknown_key(key: Any, known: Iterable[str], what: str = "key") -> str:
    """``unknown key 'colums' (did you mean 'columns'?)``"""
    close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.75)
    return f"unknown {what} '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")
