"""The partition anomaly detector. Loaded on first use: the operator reads the calendar module
(``holidays=`` is checked when a DAG is parsed), and DAG parsing must not import numpy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quality_gates.checks.anomaly.detector import AnomalyVerdict, Explanation, PartitionAnomalyDetector

__all__ = ["AnomalyVerdict", "Explanation", "PartitionAnomalyDetector"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from quality_gates.checks.anomaly import detector

        return getattr(detector, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
