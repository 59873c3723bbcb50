"""The ``details`` of drift and skew check results: JSON-safe values plus the human-readable
``explanation`` the UI and alerts show (also under ``message``, which ``CheckResult.describe`` uses)."""

from __future__ import annotations

import math
from typing import Any

from quality_gates.checks.json_safe import json_safe


def check_details(explanation: str, **values: Any) -> dict[str, Any]:
    safe = {k: _safe(v) for k, v in values.items()}
    return {**safe, "explanation": explanation, "message": explanation}


def format_statistic(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value:.4g}"


def _safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_safe(v) for v in value]
    return json_safe(value)
