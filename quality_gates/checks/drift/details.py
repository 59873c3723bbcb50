"""The ``details`` of drift and skew check results: JSON-safe values plus the human-readable
``explanation`` the UI and alerts show (also under ``message``, which ``CheckResult.describe`` uses)."""

from __future__ import annotations

import decimal
from typing import Any

from quality_gates.checks.json_safe import json_safe
from quality_gates.checks.results import CheckResult, Severity, Status


def no_rows_check(explanation: str) -> CheckResult:
    """The data to compare is empty: a failed ``not_empty`` check saying what it was compared with."""
    return CheckResult("not_empty", None, Status.FAILED, Severity.ERROR, "0 rows", "at least 1 row", check_details(explanation))


def check_details(explanation: str, **values: Any) -> dict[str, Any]:
    safe = {k: _safe(v) for k, v in values.items()}
    return {**safe, "explanation": explanation, "message": explanation}


def format_statistic(value: Any) -> str:
    """Any statistic as short text: ±inf, nan, ints too large for a float, and values that
    ``json_safe`` already turned into text ("inf", "NaN") all format."""
    if value is None or isinstance(value, str):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            value = float(value)
        except OverflowError:
            return f"{decimal.Decimal(value).normalize():.4g}"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.4g}"  # inf, -inf and nan format as such


def _safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_safe(v) for v in value]
    return json_safe(value)
