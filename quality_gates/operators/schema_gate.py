"""Validate the data a task just produced against a pandera schema."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from quality_gates.checks.results import GateKind, GateOutcome
from quality_gates.operators.base import BaseGateOperator
from quality_gates.sources.base import DEFAULT_CHUNK_SIZE, Source


class SchemaGateOperator(BaseGateOperator):
    """Schema gate: every pandera check becomes a ``check_results`` row.

    :param source: a ``SqlSource``, ``FileSource`` or ``CallableSource`` (templated).
    :param schema: a pandera YAML file (relative to the DAG file's folder), a
        ``DataFrameSchema``, a ``DataFrameModel`` class, or a ``module:NAME`` import path.
    :param max_failure_cases: failure cases kept per check (a bounded sample).
    :param allow_empty: whether 0 rows pass (by default an empty partition fails).
    :param chunk_size: rows validated at a time; counts are exact over all rows.
    :param pushdown: for SQL sources and Parquet files (DuckDB): ``auto`` runs every check with a
        SQL form in the database and the others on streamed chunks of their columns; ``require``
        makes a check without a SQL form a configuration error; ``never`` streams every row.
    """

    gate_kind = GateKind.SCHEMA
    template_fields: Sequence[str] = (*BaseGateOperator.template_fields, "source", "schema")

    def __init__(
        self,
        *,
        source: Source,
        schema: Any,
        max_failure_cases: int = 20,
        allow_empty: bool = False,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        pushdown: str = "auto",
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
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

    def run_checks(self, context: Any, store: Any, dataset: str, partition: str) -> GateOutcome:
        # Imported here, not at module level: DAG files import operators at every parse.
        from quality_gates.checks.gates import schema_gate
        from quality_gates.checks.schema_loader import load_schema

        schema = load_schema(self.schema, base_dir=self.dag_folder())
        computation = self.source.compute()
        self.log.info("Validating %s against %s (%s)", computation.name, getattr(schema, "name", None) or self.schema,
                      computation.capability)
        return schema_gate(computation, schema, allow_empty=self.allow_empty, max_failure_cases=self.max_failure_cases,
                           pushdown=self.pushdown, chunk_size=self.chunk_size)
