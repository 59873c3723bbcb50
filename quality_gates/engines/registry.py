"""Which implementation computes which statistic family on which capability.

Like pandera's backends: a statistic family is declared once (its signature below), and each
engine registers the function that computes it on its kind of data. Entries are
``"module:function"`` strings, imported on first use, so that registering an engine (Spark,
a warehouse) costs nothing at DAG parse time and its library is only needed when used.

Implementation signatures, by family (``computation`` first, keyword options after):

* ``SCHEMA``: ``(computation, schema, *, allow_empty, max_failure_cases, pushdown, chunk_size)``
  -> ``SchemaValidation``
* ``PARTITION_PROFILE``: ``(computation, *, sample_rows)`` -> ``PartitionProfile``
* ``REFERENCE_PROFILE``: ``(computation, *, columns)`` -> ``ReferenceProfile`` (histograms on the
  data's quantile edges, top categories), computed where the data is
* ``CURRENT_SKETCH``: ``(computation, reference, *, columns)`` -> ``CurrentProfile``: drift's current
  side as counts on the reference's edges and categories (``checks/profiles/binned.py``)
* ``COLUMN_VALUES``: ``(computation, *, columns)`` -> a pandas frame of only ``columns`` (all when
  None), projected by the engine: the input of the keyed skew join, which compares row by row
* ``MODEL_EVALUATION``: ``(computation, spec)`` -> ``Evaluation`` of the model gate; the SQL and
  Spark engines return only sums (``checks/model_metrics/grouped.py``)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from quality_gates.checks.errors import UnsupportedDialectError, UnsupportedEngineError
from quality_gates.engines.computation import Capability, Computation, SqlQuery

__all__ = ["EXECUTED_DIALECTS", "COMPILED_DIALECTS", "Family", "compute", "implementation", "register", "registered"]


class Family(StrEnum):
    SCHEMA = "schema checks"
    PARTITION_PROFILE = "partition profile"
    COLUMN_VALUES = "column values"
    REFERENCE_PROFILE = "reference profile"
    CURRENT_SKETCH = "drift's current side"
    MODEL_EVALUATION = "model evaluation"


# SQL dialects whose SQL is executed in the tests, and those whose SQL is compile-tested.
EXECUTED_DIALECTS = ("postgresql", "sqlite", "duckdb")
COMPILED_DIALECTS = ("snowflake", "bigquery", "trino", "databricks", "redshift")

_PROFILE = "quality_gates.engines.profiles"
_SCHEMA = "quality_gates.engines.schema"
_FRAMES = "quality_gates.engines.reference_frames"
_REFERENCE_SQL = "quality_gates.engines.reference_sql"
_MODEL_FRAMES = "quality_gates.engines.model_sums_frames"
_IMPLEMENTATIONS: dict[tuple[Family, Capability], str | Callable[..., Any]] = {
    (Family.SCHEMA, Capability.PANDAS): f"{_SCHEMA}:validate_pandas",
    (Family.SCHEMA, Capability.POLARS): "quality_gates.engines.schema_polars:validate_polars",
    (Family.SCHEMA, Capability.SQL): "quality_gates.engines.schema_pushdown:validate_sql",
    (Family.SCHEMA, Capability.DUCKDB): "quality_gates.engines.schema_polars:validate_files",
    (Family.PARTITION_PROFILE, Capability.PANDAS): f"{_PROFILE}:profile_pandas",
    (Family.PARTITION_PROFILE, Capability.POLARS): f"{_PROFILE}:profile_polars",
    (Family.PARTITION_PROFILE, Capability.SQL): f"{_PROFILE}:profile_sql",
    (Family.PARTITION_PROFILE, Capability.DUCKDB): f"{_PROFILE}:profile_sql",
    (Family.COLUMN_VALUES, Capability.PANDAS): f"{_PROFILE}:column_values",
    (Family.COLUMN_VALUES, Capability.POLARS): f"{_PROFILE}:column_values",
    (Family.COLUMN_VALUES, Capability.SQL): f"{_PROFILE}:column_values",
    (Family.COLUMN_VALUES, Capability.DUCKDB): f"{_PROFILE}:column_values",
    (Family.REFERENCE_PROFILE, Capability.PANDAS): f"{_FRAMES}:reference_pandas",
    (Family.REFERENCE_PROFILE, Capability.POLARS): f"{_FRAMES}:reference_polars",
    (Family.REFERENCE_PROFILE, Capability.SQL): f"{_REFERENCE_SQL}:reference_sql",
    (Family.REFERENCE_PROFILE, Capability.DUCKDB): f"{_REFERENCE_SQL}:reference_sql",
    (Family.REFERENCE_PROFILE, Capability.SPARK): "quality_gates.engines.reference_spark:reference_spark",
    (Family.CURRENT_SKETCH, Capability.PANDAS): f"{_FRAMES}:current_pandas",
    (Family.CURRENT_SKETCH, Capability.POLARS): f"{_FRAMES}:current_polars",
    (Family.CURRENT_SKETCH, Capability.SQL): f"{_REFERENCE_SQL}:current_sql",
    (Family.CURRENT_SKETCH, Capability.DUCKDB): f"{_REFERENCE_SQL}:current_sql",
    (Family.CURRENT_SKETCH, Capability.SPARK): "quality_gates.engines.reference_spark:current_spark",
    (Family.SCHEMA, Capability.SPARK): "quality_gates.engines.spark:validate_spark",
    (Family.PARTITION_PROFILE, Capability.SPARK): "quality_gates.engines.spark:profile_spark",
    (Family.COLUMN_VALUES, Capability.SPARK): "quality_gates.engines.spark:column_values",
    (Family.MODEL_EVALUATION, Capability.PANDAS): f"{_MODEL_FRAMES}:evaluate_pandas",
    (Family.MODEL_EVALUATION, Capability.POLARS): f"{_MODEL_FRAMES}:evaluate_polars",
    (Family.MODEL_EVALUATION, Capability.SQL): "quality_gates.engines.model_sums_sql:evaluate_sql",
    (Family.MODEL_EVALUATION, Capability.DUCKDB): "quality_gates.engines.model_sums_sql:evaluate_sql",
    (Family.MODEL_EVALUATION, Capability.SPARK): "quality_gates.engines.model_sums_spark:evaluate_spark",
}


def register(family: Family, capability: Capability, implementation: str | Callable[..., Any]) -> None:
    """Add or replace the implementation of ``family`` on ``capability`` (``"module:function"``
    or the function itself)."""
    _IMPLEMENTATIONS[(Family(family), Capability(capability))] = implementation


def registered(family: Family) -> tuple[Capability, ...]:
    return tuple(capability for (f, capability) in _IMPLEMENTATIONS if f is family)


def implementation(family: Family, computation: Computation) -> Callable[..., Any]:
    """The function computing ``family`` on ``computation``, or a configuration error naming
    the data, its capability or SQL dialect, and what is supported."""
    entry = _IMPLEMENTATIONS.get((family, computation.capability))
    if entry is None:
        supported = ", ".join(registered(family)) or "none"
        raise UnsupportedEngineError(
            f"{computation.name}: {family} cannot be computed on {computation.capability} (supported: {supported})"
        )
    if isinstance(computation, SqlQuery) and computation.dialect not in EXECUTED_DIALECTS + COMPILED_DIALECTS:
        raise UnsupportedDialectError(
            f"{computation.name}: SQL dialect '{computation.dialect}' is not supported for {family} "
            f"(supported: {', '.join(EXECUTED_DIALECTS + COMPILED_DIALECTS)})"
        )
    if isinstance(entry, str):
        module, _, function = entry.partition(":")
        entry = getattr(importlib.import_module(module), function)
    return entry


def compute(family: Family, computation: Computation, *args: Any, **options: Any) -> Any:
    """Run ``family`` on ``computation`` with the registered implementation."""
    return implementation(family, computation)(computation, *args, **options)
