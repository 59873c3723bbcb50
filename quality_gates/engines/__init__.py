"""Gates compute where the data lives: typed computations and the registry of implementations.

``source.compute()`` says where the data can be computed (``PandasChunks``, ``PolarsFrame``,
``DuckDBFiles``, ``SqlQuery``); ``compute(Family.X, computation, ...)`` runs the implementation
registered for that family on that capability. See docs/engines.md.
"""

from quality_gates.engines.computation import (
    DEFAULT_CHUNK_SIZE,
    Capability,
    Computation,
    DuckDBFiles,
    PandasChunks,
    PolarsFrame,
    SqlQuery,
)
from quality_gates.engines.registry import COMPILED_DIALECTS, EXECUTED_DIALECTS, Family, compute, implementation, register, registered

__all__ = [
    "COMPILED_DIALECTS",
    "DEFAULT_CHUNK_SIZE",
    "EXECUTED_DIALECTS",
    "Capability",
    "Computation",
    "DuckDBFiles",
    "Family",
    "PandasChunks",
    "PolarsFrame",
    "SqlQuery",
    "compute",
    "implementation",
    "register",
    "registered",
]
