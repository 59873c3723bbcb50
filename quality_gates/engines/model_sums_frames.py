"""The model gate on rows in the worker (pandas chunks, polars frames and lazy scans).

Only the evaluated columns are kept (projected chunk by chunk, or by the polars scan), then the
in-memory evaluation runs on them: ``evaluate_frame`` is the reference every engine agrees with.
Memory grows with rows × evaluated columns; big evaluation sets belong in a database, a
DuckDB-scanned Parquet file or Spark, where only sums come back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quality_gates.checks.errors import EvaluationDataError, require_unique_column_names
from quality_gates.checks.model_metrics.evaluate import Evaluation, evaluate_frame
from quality_gates.checks.model_metrics.spec import EvaluationSpec
from quality_gates.engines.computation import PandasChunks, PolarsFrame

if TYPE_CHECKING:
    from collections.abc import Sequence


def _require(names: Sequence[str], spec: EvaluationSpec) -> None:
    missing = [c for c in spec.columns if c not in names]
    if missing:
        raise EvaluationDataError(
            f"column(s) {', '.join(map(repr, missing))} not in the evaluation data (columns: {', '.join(map(str, names))})"
        )


def evaluate_pandas(computation: PandasChunks, spec: EvaluationSpec) -> Evaluation:
    import pandas as pd

    parts = []
    for chunk in computation.chunks():
        require_unique_column_names(chunk.columns, computation.name)
        _require(list(chunk.columns), spec)
        parts.append(chunk[spec.columns])
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    return evaluate_frame(frame, spec)


def evaluate_polars(computation: PolarsFrame, spec: EvaluationSpec) -> Evaluation:
    lazy = computation.lazy()
    _require(lazy.collect_schema().names(), spec)
    return evaluate_frame(lazy.select(spec.columns).collect().to_pandas(), spec)
