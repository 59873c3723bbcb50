"""Errors of the core that callers branch on (kept free of heavy imports)."""


class SchemaDefinitionError(ValueError):
    """The schema itself is wrong: the data was not looked at."""
