"""Drift and training/serving skew: the pure core (no Airflow).

* ``compare_with_reference``: current data against a stored reference profile (or one made on
  the spot), per column and method, verdicts on effect sizes.
* ``compare_keyed``: training and serving rows joined on an ID, compared value by value.
"""

from quality_gates.checks.drift.compare import DriftReport, compare_with_reference
from quality_gates.checks.drift.errors import DriftInputError, ReferenceNotFoundError
from quality_gates.checks.drift.thresholds import DEFAULT_THRESHOLDS, DriftSettings

__all__ = ["DEFAULT_THRESHOLDS", "DriftInputError", "DriftReport", "DriftSettings", "ReferenceNotFoundError", "compare_with_reference"]
