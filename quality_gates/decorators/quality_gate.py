"""``@task.quality_gate``: a function that produces data, and the schema gate on what it returned.

::

    @task.quality_gate(schema="orders.yaml", anomaly={"min_history": 7}, mode="fail")
    def extract_orders(ds=None):
        return pd.read_sql(...)          # or a path, or a SqlSource / FileSource

The returned data is validated (and, with ``anomaly``, profiled and compared with earlier
partitions of the same dataset), every result is recorded, and the task passes, warns, skips or
fails exactly like ``SchemaGateOperator``. Downstream tasks receive the data (the XCom return
value: the DataFrame, the path, or the source's description) only when the task succeeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk.bases.decorator import DecoratedOperator, task_decorator_factory

from quality_gates.checks.results import COLD_START_STATUS, GateOutcome
from quality_gates.operators.anomaly_gate import profile_source
from quality_gates.operators.schema_gate import SchemaGateOperator
from quality_gates.sources.base import DEFAULT_CHUNK_SIZE, Source, SourceConfigurationError
from quality_gates.sources.file import FileSource

if TYPE_CHECKING:
    import pandas as pd
    from airflow.sdk.bases.decorator import TaskDecorator

ANOMALY_OPTIONS = ("history", "sensitivity", "min_history", "seasonality", "cold_start", "engine", "max_alarm_rate", "holidays")


class ReturnedFrame:
    """A DataFrame a decorated function returned, as a source."""

    template_fields = ()

    def __init__(self, frame: pd.DataFrame, function_name: str):
        self.frame = frame
        self.function_name = function_name

    def describe(self) -> str:
        return f"the DataFrame returned by {self.function_name}"

    def default_dataset(self) -> str | None:
        return None

    def compute(self, engine: str = "auto"):
        """Rows in the worker: the pandas engine computes every statistic on the frame."""
        from quality_gates.engines.computation import PandasChunks

        return PandasChunks(self.read_chunks, self.describe())

    def read_chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[pd.DataFrame]:
        if len(self.frame) <= chunk_size:
            yield self.frame
            return
        for start in range(0, len(self.frame), chunk_size):
            yield self.frame.iloc[start : start + chunk_size]


class QualityGateDecoratedOperator(DecoratedOperator, SchemaGateOperator):
    """The operator behind ``@task.quality_gate``: a ``SchemaGateOperator`` whose source is what
    the decorated function returns.

    :param schema: as for ``SchemaGateOperator`` (a YAML path relative to the DAG file, a pandera
        schema or model, or an import path).
    :param anomaly: also run the partition anomaly detector: ``True`` or a mapping of the anomaly
        gate's options (``history``, ``sensitivity``, ``min_history``, ``seasonality``, ``max_alarm_rate``, ``holidays``,
        ``cold_start``, ``engine``). The dataset's history is kept like the anomaly gate's.
    Every ``SchemaGateOperator``/``BaseGateOperator`` argument (``dataset``, ``partition``, ``mode``,
    ``store_conn_id``, ``on_warning_callback``, ``max_failure_cases``, ``allow_empty``, ...) applies.
    """

    custom_operator_name = "@task.quality_gate"
    template_fields: Sequence[str] = (*DecoratedOperator.template_fields, *SchemaGateOperator.template_fields)

    def __init__(
        self,
        *,
        python_callable: Callable,
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        schema: Any,
        anomaly: bool | Mapping[str, Any] = False,
        **kwargs: Any,
    ):
        super().__init__(python_callable=python_callable, op_args=op_args, op_kwargs=op_kwargs, source=None, schema=schema, **kwargs)
        options = dict(anomaly) if isinstance(anomaly, Mapping) else {} if anomaly else None
        if options is not None:
            unknown = sorted(set(options) - set(ANOMALY_OPTIONS))
            if unknown:
                raise ValueError(f"{self.task_id}: unknown anomaly option(s) {', '.join(unknown)}; known: {', '.join(ANOMALY_OPTIONS)}")
            if options.get("cold_start", "warn") not in COLD_START_STATUS:
                raise ValueError(f"{self.task_id}: cold_start must be one of {', '.join(COLD_START_STATUS)}, not {options['cold_start']!r}")
        self.anomaly = options
        self._passed_on: Any = None  # what this execute() hands downstream once the gate let it pass

    @property
    def function_name(self) -> str:
        return f"@task.quality_gate function {getattr(self.python_callable, '__qualname__', self.python_callable)!s}"

    def default_dataset(self) -> str | None:
        return None  # the data exists only once the function ran: <dag_id>.<task_id>

    def execute(self, context: Any) -> Any:
        self._passed_on = None
        SchemaGateOperator.execute(self, context)  # records the results; raises when the gate blocks
        return self._passed_on

    def run_checks(self, context: Any, store: Any, dataset: str, partition: str) -> GateOutcome:
        returned = self.python_callable(*self.op_args, **self.determine_kwargs(context))
        self.source, self._passed_on = self._as_source(returned)
        outcome = super().run_checks(context, store, dataset, partition)
        if self.anomaly is None:
            return outcome
        anomaly = self._anomaly_outcome(store, dataset, partition)  # its profile joins the dataset's history
        return GateOutcome(outcome.row_count, (*outcome.checks, *anomaly.checks), (*outcome.artifacts, *anomaly.artifacts))

    def _as_source(self, returned: Any) -> tuple[Source, Any]:
        """The source to check, and what to pass downstream (XCom-serialisable)."""
        import pandas as pd

        if type(returned).__module__.partition(".")[0] == "polars" and hasattr(returned, "to_pandas"):
            returned = returned.to_pandas()
        if isinstance(returned, pd.DataFrame):
            return ReturnedFrame(returned, self.function_name), returned
        if isinstance(returned, (str, Path)):
            return FileSource(returned), str(returned)
        if isinstance(returned, Source):
            return returned, {"source": returned.describe(), **{name: getattr(returned, name) for name in returned.template_fields}}
        raise SourceConfigurationError(
            f"{self.function_name} returned {type(returned).__name__}: expected a pandas (or polars) DataFrame, the path of a CSV or "
            f"Parquet file, or a source (SqlSource, FileSource, CallableSource)"
        )

    def _anomaly_outcome(self, store: Any, dataset: str, partition: str) -> GateOutcome:
        from quality_gates.checks.anomaly import PartitionAnomalyDetector
        from quality_gates.checks.gates import anomaly_gate

        options = self.anomaly or {}
        profile = profile_source(self.source, options.get("engine", "auto")).with_key(partition)
        history = store.partitions.history(dataset, before=partition, limit=options.get("history", 30))
        detector = PartitionAnomalyDetector(
            sensitivity=options.get("sensitivity", 1.0),
            min_history=options.get("min_history", 7),
            seasonality=options.get("seasonality"),
            max_alarm_rate=options.get("max_alarm_rate"),
            holidays=options.get("holidays"),
        )
        return anomaly_gate(profile, history, detector, cold_start=COLD_START_STATUS[options.get("cold_start", "warn")])


def quality_gate_task(python_callable: Callable | None = None, multiple_outputs: bool | None = None, **kwargs: Any) -> TaskDecorator:
    """``@task.quality_gate(schema=..., anomaly=..., mode=..., dataset=...)``: see ``QualityGateDecoratedOperator``."""
    return task_decorator_factory(
        python_callable=python_callable,
        multiple_outputs=multiple_outputs,
        decorated_operator_class=QualityGateDecoratedOperator,
        **kwargs,
    )
