"""Turn arbitrary cell values into small JSON values, so that no failure case can crash a write."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

MAX_VALUE_CHARS = 200


def truncate(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters]"


def json_safe(value: Any, limit: int = MAX_VALUE_CHARS) -> Any:
    """A JSON-serialisable, bounded stand-in for ``value``.

    Numbers stay numbers when JSON can hold them (NaN and infinities cannot: they become
    the strings "NaN", "inf", "-inf"); everything else becomes a truncated string.
    """
    if value is None or isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:  # numpy scalars
            value = value.item()
        except (ValueError, TypeError):
            pass
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    import pandas as pd  # here, not at module level: the store imports this module at DAG parse

    if pd.isna(value) is True:  # pandas NA / NaT; collections give arrays, not True
        return None
    if isinstance(value, decimal.Decimal):
        return json_safe(float(value)) if value.is_finite() else str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, str):
        return truncate(value, limit)
    return truncate(repr(value) if isinstance(value, bytes) else str(value), limit)


def format_value(value: Any) -> str:
    """Short text for messages: ``-1.5``, ``'abc'``, ``null``."""
    safe = json_safe(value, limit=60)
    if safe is None:
        return "null"
    if isinstance(safe, str) and safe not in ("NaN", "inf", "-inf"):
        return repr(safe)
    return str(safe)
