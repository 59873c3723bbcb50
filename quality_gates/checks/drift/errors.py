"""Errors of the drift and skew checks (defined in ``quality_gates.checks.errors``; this path stays importable)."""

from quality_gates.checks.errors import DriftInputError, ReferenceNotFoundError

__all__ = ["DriftInputError", "ReferenceNotFoundError"]
