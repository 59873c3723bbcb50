"""Errors of the core that callers branch on (kept free of heavy imports)."""

from collections.abc import Iterable
from typing import Any


class SchemaDefinitionError(ValueError):
    """The schema itself is wrong: the data was not looked at."""


class DuplicateColumnsError(ValueError):
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
