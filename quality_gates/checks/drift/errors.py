"""Errors of the drift and skew checks that callers branch on."""

from quality_gates.sources.base import SourceConfigurationError


class DriftInputError(SourceConfigurationError):
    """The inputs cannot be compared as declared (unknown column, key column absent, bad
    threshold): retrying cannot help, so a gate fails at once with this message."""


class ReferenceNotFoundError(DriftInputError):
    """No stored reference profile for the requested dataset and version."""
