"""Small conversions shared by the core, the store and the UI (each defined once, here)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

# The median absolute deviation times this estimates the standard deviation of normal data.
MAD_TO_SIGMA = 1.4826


def finite_or_none(value: Any) -> float | None:
    """A plain float for JSON and SQL (numpy scalars are neither), None for missing, NaN or ±inf."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def format_number(value: float | None, digits: int = 4) -> str:
    """``digits`` significant digits; "n/a" for a value that is missing or not finite."""
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.{digits}g}"


def as_utc(value: dt.datetime) -> dt.datetime:
    """In UTC. SQLite returns naive datetimes (everything the store writes is UTC)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
