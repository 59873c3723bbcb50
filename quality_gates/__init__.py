"""Data-quality gates for Apache Airflow.

Operators live in ``quality_gates.operators`` and sources in ``quality_gates.sources``. The
core names below are loaded on first use, so that importing this package from a DAG file
stays cheap (no pandas, numpy or pandera at parse time).
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "profile_partition": "quality_gates.checks.profiles",
    "PartitionProfile": "quality_gates.checks.profiles.model",
    "ColumnProfile": "quality_gates.checks.profiles.model",
    "PartitionAnomalyDetector": "quality_gates.checks.anomaly",
    "AnomalyVerdict": "quality_gates.checks.anomaly",
    "CheckResult": "quality_gates.checks.results",
    "GateResult": "quality_gates.checks.results",
}

__all__ = ["__version__", *_LAZY]

# pandera imports pyspark.pandas whenever pyspark is installed (the [spark] extra), and pyspark
# warns about pandas >= 3 on every such import, on the stderr of every gate, CLI and DAG parse.
# The gates never use pandas-on-Spark (the Spark engine collects aggregates as rows), so that one
# warning is noise here.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'quality_gates' has no attribute {name!r}")
