"""Validate the data a task just produced against a pandera schema."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from quality_gates.checks.results import GateKind, GateMode, GateOutcome, GateResult
from quality_gates.operators.base import MODES, BaseGateOperator
from quality_gates.operators.quarantine_targets import ParquetTarget, TableTarget, as_target
from quality_gates.operators.schema_sections import NewestTracker, section_checks, yaml_sections
from quality_gates.sources.base import DEFAULT_CHUNK_SIZE, Source
from quality_gates.sources.sql import SqlSource

SPOOL_KEY = "quality_gates_quarantine_spool"


class SchemaGateOperator(BaseGateOperator):
    """Schema gate: every pandera check becomes a ``check_results`` row.

    :param source: a ``SqlSource``, ``FileSource`` or ``CallableSource`` (templated).
    :param schema: a pandera YAML file (relative to the DAG file's folder), a
        ``DataFrameSchema``, a ``DataFrameModel`` class, or a ``module:NAME`` import path.
    :param max_failure_cases: failure cases kept per check (a bounded sample).
    :param allow_empty: whether 0 rows pass (by default an empty partition fails).
    :param chunk_size: rows validated at a time; counts are exact over all rows.
    :param pushdown: for sources computed by an engine (SQL databases, CSV through DuckDB, Parquet
        and polars frames through polars, Spark): ``auto`` runs every check that has a form in that
        engine there and the others on streamed chunks of their columns; ``require`` makes a check
        without one a configuration error; ``never`` streams every row.
        (Quarantine and a freshness column read from the rows stream the rows.)
    :param failed_rows_target: a ``TableTarget(conn_id, table)`` or a ``.parquet`` path (templated):
        every failing row is written there with the checks it failed, the gate run id and the
        partition, in one transaction (or one atomic rename) once the verdict is recorded.
    :param valid_rows_target: where the rows that passed every check go (same kinds of target).

    Besides fail/skip/warn, ``mode`` may be ``quarantine``: failing rows go to ``failed_rows_target``,
    the pipeline continues with the valid rows (``valid_rows_target``); checks no row can be
    blamed for (a missing column, an empty partition) still block.
    """

    gate_kind = GateKind.SCHEMA
    modes = (*MODES, GateMode.QUARANTINE)
    template_fields: Sequence[str] = (*BaseGateOperator.template_fields, "source", "schema", "failed_rows_target", "valid_rows_target")

    def __init__(
        self,
        *,
        source: Source,
        schema: Any,
        max_failure_cases: int = 20,
        allow_empty: bool = False,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        pushdown: str = "auto",
        failed_rows_target: TableTarget | ParquetTarget | str | None = None,
        valid_rows_target: TableTarget | ParquetTarget | str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.failed_rows_target = as_target(failed_rows_target)
        self.valid_rows_target = as_target(valid_rows_target)
        if self.mode == GateMode.QUARANTINE and (self.failed_rows_target is None or self.valid_rows_target is None):
            raise ValueError(f"{self.task_id}: mode='quarantine' needs failed_rows_target= and valid_rows_target=")
        if self.valid_rows_target is not None and self.failed_rows_target is None:
            raise ValueError(f"{self.task_id}: valid_rows_target= needs failed_rows_target= (where the other rows go)")
        self.source = source
        self.schema = schema
        self.max_failure_cases = max_failure_cases
        self.allow_empty = allow_empty
        self.chunk_size = chunk_size
        self.pushdown = pushdown

    def _do_render_template_fields(self, parent: Any, template_fields: Any, context: Any, jinja_env: Any, seen_oids: set[int]) -> None:
        # Airflow calls any callable it finds in a template field (as a template callable); a
        # DataFrameSchema object and a DataFrameModel class are callable. Only a path or an
        # import path is a template. Overridden here, not in render_template_fields, because
        # mapped tasks call this method directly.
        if parent is self and not isinstance(self.schema, str):
            template_fields = [name for name in template_fields if name != "schema"]
        super()._do_render_template_fields(parent, template_fields, context, jinja_env, seen_oids)

    def default_dataset(self) -> str | None:
        return self.source.default_dataset()

    def lineage_sources(self) -> Sequence[Source]:
        return (self.source,)

    def run_checks(self, context: Any, store: Any, dataset: str, partition: str) -> GateOutcome:
        # Imported here, not at module level: DAG files import operators at every parse.
        from quality_gates.checks.gates import schema_gate
        from quality_gates.checks.schema_loader import load_schema

        schema = load_schema(self.schema, base_dir=self.dag_folder())
        sections = yaml_sections(self.schema, self.dag_folder())  # freshness:, sql_checks:
        self.log.info("Validating %s against %s", self.source.describe(), getattr(schema, "name", None) or self.schema)

        def streamed():  # nothing is read unless a branch below streams the rows
            yield from self.source.read_chunks(self.chunk_size)

        chunks = streamed()
        tracker = None
        if "freshness" in sections and not isinstance(self.source, SqlSource):  # SQL: one MAX() query instead
            tracker = NewestTracker(chunks, sections["freshness"]["column"], self.source.describe())
            chunks = iter(tracker)
        if self.failed_rows_target is None and tracker is None:
            # Computed where the data lives (SQL and Parquet: pushed down); quarantine and a freshness
            # column read from the rows need the rows themselves, below.
            computation = self.source.compute()
            self.log.info("Computing the checks with %s", computation.capability)
            outcome = schema_gate(
                computation,
                schema,
                allow_empty=self.allow_empty,
                max_failure_cases=self.max_failure_cases,
                pushdown=self.pushdown,
                chunk_size=self.chunk_size,
            )
        elif self.failed_rows_target is None:
            outcome = schema_gate(
                chunks, schema, allow_empty=self.allow_empty, max_failure_cases=self.max_failure_cases, data=self.source.describe()
            )
        else:
            outcome = self._validate_and_spool(context, schema, chunks)
        if not sections:
            return outcome
        extra = section_checks(
            sections, self.source, render=self.render_template, context=context, row_count=outcome.row_count, newest_from_chunks=tracker
        )
        return GateOutcome(outcome.row_count, (*outcome.checks, *extra), outcome.artifacts)

    # -- quarantine --
    def _validate_and_spool(self, context: Any, schema: Any, chunks: Any) -> GateOutcome:
        from quality_gates.checks.gates import schema_gate
        from quality_gates.checks.quarantine import QuarantineSpool, quarantine_checks, unique_keys_of

        spool = QuarantineSpool(unique_keys_of(schema), keep_valid=self.valid_rows_target is not None)
        try:
            outcome = schema_gate(
                chunks,
                schema,
                allow_empty=self.allow_empty,
                max_failure_cases=self.max_failure_cases,
                data=self.source.describe(),
                on_chunk=spool,
            )
            counts = spool.finish()
        except BaseException:
            spool.cleanup()
            raise
        # In the context, not on self: the task object may be reused (dag.test(), mapped tasks).
        context[SPOOL_KEY] = spool
        checks = quarantine_checks(
            outcome.checks,
            counts,
            failed_target=self.failed_rows_target.describe(),
            valid_target=self.valid_rows_target.describe() if self.valid_rows_target else None,
            continue_with_valid=self.mode == GateMode.QUARANTINE,
        )
        return GateOutcome(outcome.row_count, checks, outcome.artifacts)

    def after_record(self, context: Any, gate_run_id: int, result: GateResult) -> None:
        from airflow.sdk.exceptions import AirflowException

        from quality_gates.checks.errors import ConfigurationError, RetryableError
        from quality_gates.checks.quarantine import stamped

        spool = context.get(SPOOL_KEY) if self.failed_rows_target is not None else None
        if spool is None:
            return
        try:
            failed = self.failed_rows_target.writer().write(stamped(spool.failing_rows(), gate_run_id, result.partition_key))
            self.log.info("Quarantined %d failing rows to %s", failed, self.failed_rows_target.describe())
            if self.valid_rows_target is not None:
                valid = self.valid_rows_target.writer().write(stamped(spool.valid_rows(), gate_run_id, result.partition_key))
                self.log.info("Wrote %d valid rows to %s", valid, self.valid_rows_target.describe())
        except (ConfigurationError, RetryableError) as exc:
            # The verdict is recorded (gate_runs.id=gate_run_id); the rows are not: retry the task.
            raise AirflowException(
                f"{self.task_id}: {exc} (the verdict is recorded as gate run {gate_run_id}; will retry if retries are set)"
            ) from exc
        finally:
            spool.cleanup()
