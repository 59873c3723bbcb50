"""Schema checks on each capability, with the same check rows as the pandas path.

pandas: pandera on streamed chunks, combined exactly (``checks.schema_validation``).
polars: one select of filtered counts (``engines.schema_polars``); Parquet scanned by DuckDB also
runs there (faster than DuckDB's SQL on every size measured, make bench).
SQL: pushed down (``engines.schema_pushdown``): one aggregate query with a filtered count per
check, a bounded failure sample per failing check, and only the checks without a SQL form on
streamed chunks of the columns they need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from quality_gates.engines.computation import DEFAULT_CHUNK_SIZE, PandasChunks

if TYPE_CHECKING:
    from quality_gates.checks.schema_validation import SchemaValidation

PUSHDOWN = ("auto", "require", "never")


def validate_pandas(
    computation: PandasChunks,
    schema: Any,
    *,
    allow_empty: bool,
    max_failure_cases: int,
    pushdown: str = "auto",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> SchemaValidation:
    from quality_gates.checks.schema_validation import validate_schema

    _require_pushdown(pushdown, computation.name, computation.capability)
    return validate_schema(
        computation.chunks(chunk_size), schema, allow_empty=allow_empty, max_failure_cases=max_failure_cases, data=computation.name
    )


def check_pushdown_option(pushdown: str) -> None:
    """Every engine's schema validation accepts the same ``pushdown`` values."""
    from quality_gates.checks.errors import PushdownError

    if pushdown not in PUSHDOWN:
        raise PushdownError(f"pushdown must be one of {', '.join(PUSHDOWN)}, not {pushdown!r}")


def _require_pushdown(pushdown: str, name: str, capability: str) -> None:
    from quality_gates.checks.errors import PushdownError

    check_pushdown_option(pushdown)
    if pushdown == "require":
        raise PushdownError(f"{name}: pushdown='require', but {capability} data has no database to push the checks to")
