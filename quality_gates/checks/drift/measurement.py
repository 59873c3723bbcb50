"""What one drift method measured on one column, before it is judged against a threshold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Measurement:
    method: str
    statistic: float  # the effect size the verdict is made on
    p_value: float | None = None
    summary: str = ""  # what was measured, in words ("KS statistic 0.153, largest CDF gap at 4.2")
    details: Mapping[str, Any] = field(default_factory=dict)
