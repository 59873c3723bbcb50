"""Drift and training/serving skew: the pure core (no Airflow).

* ``compare_with_reference``: current data against a stored reference profile (or one made on
  the spot), per column and method, verdicts on effect sizes.
* ``compare_keyed``: training and serving rows joined on an ID, compared value by value.

The comparison (numpy, scipy) loads on first use, so that a DAG file whose drift gate only needs
the settings stays cheap to parse (scipy alone takes about a second to import).
"""

from quality_gates.checks.drift.errors import DriftInputError, ReferenceNotFoundError
from quality_gates.checks.drift.thresholds import DEFAULT_THRESHOLDS, DriftSettings

_LAZY = {"DriftReport": "compare", "compare_with_reference": "compare"}

__all__ = ["DEFAULT_THRESHOLDS", "DriftInputError", "DriftSettings", "ReferenceNotFoundError", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
