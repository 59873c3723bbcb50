"""Every error a gate branches on, in one place, by what a retry can do about it.

``ConfigurationError``: something is declared wrongly (a schema, a source, a threshold, a
store connection): the same inputs fail the same way, so a gate fails at once, without retries.
``RetryableError``: something was not there or did not answer (a database, a file, the
results store): a retry may succeed. Both record an ``error`` gate run before the task fails.

Kept free of heavy imports: DAG files import it at parse time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class QualityGateError(Exception):
    """Base of the errors below."""


class ConfigurationError(QualityGateError, ValueError):
    """Declared wrongly: retrying cannot help."""


class RetryableError(QualityGateError, RuntimeError):
    """Could not read or write right now: worth a retry."""


# --- core ----------------------------------------------------------------------------------------


class SchemaDefinitionError(ConfigurationError):
    """The schema itself is wrong: the data was not looked at."""


class DuplicateColumnsError(ConfigurationError):
    """Two or more columns of the data share a name, so no check can tell them apart.

    Deterministic: a retry reads the same columns, so gates record it as an error and fail
    without retrying.
    """

    def __init__(self, counts: dict[str, int], data: str = "the data") -> None:
        self.counts, self.data = counts, data
        names = ", ".join(f"'{name}' ({count} columns)" for name, count in counts.items())
        super().__init__(
            f"{data} returned duplicate column names: {names}; "
            "rename or drop them (e.g. with SQL aliases) so that each column can be checked"
        )


def require_unique_column_names(names: Iterable[Any], data: str = "the data") -> None:
    """Raise ``DuplicateColumnsError`` naming every column name that occurs more than once."""
    counts: dict[str, int] = {}
    for name in names:
        counts[str(name)] = counts.get(str(name), 0) + 1
    duplicated = {name: count for name, count in counts.items() if count > 1}
    if duplicated:
        raise DuplicateColumnsError(duplicated, data)


class DriftInputError(ConfigurationError):
    """The inputs cannot be compared as declared (unknown column, key column absent, bad
    threshold): retrying cannot help, so a gate fails at once with this message."""


class ReferenceNotFoundError(DriftInputError):
    """No stored reference profile for the requested dataset and version."""


class MetricDefinitionError(ConfigurationError):
    """A metric that does not fit the task or the columns (e.g. roc_auc of a 3-class model)."""


class EvaluationDataError(ConfigurationError):
    """The evaluation rows cannot be evaluated as declared (a column missing, no labelled rows)."""


class UnsupportedDialectError(ConfigurationError):
    """The database's SQL dialect has no profile or metric implementation."""


class UnsupportedEngineError(ConfigurationError):
    """No implementation of a gate's statistics for where the source's data can be computed."""


class PushdownError(ConfigurationError):
    """``pushdown="require"`` and a check has no SQL form."""


# --- sources -------------------------------------------------------------------------------------


class SourceError(RetryableError):
    """The data could not be read (database down, file not there yet): worth a retry."""


class QueryTimeoutError(SourceError):
    """A query ran past its statement timeout (a quieter database may answer in time)."""


class SourceConfigurationError(ConfigurationError):
    """The source is declared wrongly (a connection that does not exist, a provider that is not
    installed): a retry cannot help."""


# --- results store -------------------------------------------------------------------------------


class StoreUnavailableError(RetryableError):
    """The results store cannot be reached or written: retry, never pass silently."""


class StoreConfigurationError(ConfigurationError):
    """The results store is configured wrongly (a named connection that does not exist...)."""


class StoreValueError(ConfigurationError):
    """The results store refused a value (too long for its column, malformed): the same values
    fail the same way on every retry."""


class KeyTooLongError(StoreValueError):
    """A dataset name or partition key longer than the results store can keep and index."""


class PromotionError(ConfigurationError):
    """The gate run cannot become a model baseline (it failed, or measured nothing)."""
