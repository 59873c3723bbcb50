"""What every gate does in Airflow: identify the run, record results, then pass, warn or block."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

from quality_gates.assets import attach_verdict, gate_verdict
from quality_gates.checks.results import CheckResult, GateResult, RunIdentity, Status
from quality_gates.checks.errors import SchemaDefinitionError
from quality_gates.hooks.store import QualityStoreHook, StoreConfigurationError
from quality_gates.operators.lineage import OpenLineageGateMixin
from quality_gates.operators.links import QualityReportLink
from quality_gates.sources.base import SourceConfigurationError, SourceError
from quality_gates.store.repository import ResultStore, StoreUnavailableError
from quality_gates.ui_links import task_instance_report_url

MODES = ("fail", "skip", "warn")
SUMMARY_XCOM_KEY = "quality_gate_summary"


class GateFailedError(AirflowFailException):
    """The data failed the gate: blocks downstream tasks, not retried (the data will not change)."""


class BaseGateOperator(OpenLineageGateMixin, BaseOperator):
    """Common behaviour of all gates.

    :param dataset: name of the data being checked (history and UI are grouped by it).
        Defaults to the source's table name, else ``<dag_id>.<task_id>``.
    :param partition: partition key (templated). Defaults to ``{{ ds }}``, or the run id for
        runs without a logical date (asset-triggered or manual runs).
    :param mode: ``fail`` blocks downstream tasks (they end upstream_failed); ``skip`` skips
        them; ``warn`` records the problems and lets the pipeline continue.
    :param store_conn_id: results store connection; see ``QualityStoreHook``.
    :param on_warning_callback: callable(s) called with the task context when the gate's verdict
        is a warning, or a failure in ``mode="warn"``: the task succeeds then, so
        ``on_failure_callback`` never fires (e.g. a ``QualityGateNotifier``).
    """

    gate_kind: ClassVar[str]
    template_fields: Sequence[str] = ("dataset", "partition", "store_conn_id")
    ui_color = "#e8f4ea"
    operator_extra_links = (QualityReportLink(),)

    def __init__(
        self,
        *,
        dataset: str | None = None,
        partition: str | None = None,
        mode: str = "fail",
        store_conn_id: str | None = None,
        on_warning_callback: Any = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"{self.task_id}: mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.dataset = dataset
        self.partition = partition
        self.mode = mode
        self.store_conn_id = store_conn_id
        self.on_warning_callback = on_warning_callback

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        # Airflow renders nested objects (sources) in place; the task object may be reused
        # (dag.test(), mapped tasks), so render copies and keep the templates intact.
        for name in self.template_fields:
            value = getattr(self, name, None)
            if hasattr(value, "template_fields"):
                setattr(self, name, copy.copy(value))
        super().render_template_fields(context, jinja_env)

    # Subclasses implement this: read the data, run the checks, return (row_count, checks).
    def run_checks(self, context: Any, store: ResultStore, dataset: str, partition: str) -> tuple[int | None, Sequence[CheckResult]]:
        raise NotImplementedError

    def after_record(self, store: ResultStore, gate_run_id: int, result: GateResult) -> None:
        """Persist what else the gate learnt (a profile, a reference), linked to its run."""

    def default_dataset(self) -> str | None:
        return None

    def dag_folder(self) -> Path | None:
        fileloc = getattr(self.dag, "fileloc", None) if self.has_dag() else None
        return Path(fileloc).parent if fileloc else None

    def execute(self, context: Any) -> dict[str, Any]:
        ti = context["ti"]
        identity = RunIdentity(ti.dag_id, ti.task_id, ti.run_id, getattr(ti, "map_index", -1), ti.try_number)
        dataset = self.dataset or self.default_dataset() or f"{ti.dag_id}.{ti.task_id}"
        partition = str(self.partition or context.get("ds") or ti.run_id)
        store = self._open_store()
        started = dt.datetime.now(dt.UTC)

        def outcome(row_count, checks, error=None) -> GateResult:
            return GateResult(self.gate_kind, dataset, partition, tuple(checks), row_count, started, dt.datetime.now(dt.UTC), error)

        try:
            row_count, checks = self.run_checks(context, store, dataset, partition)
        except (SourceConfigurationError, SchemaDefinitionError) as exc:
            self._record_error(store, identity, ti, outcome(None, (), str(exc)))
            raise AirflowFailException(f"{self.task_id}: {exc}") from exc
        except SourceError as exc:
            self._record_error(store, identity, ti, outcome(None, (), str(exc)))
            raise AirflowException(f"{self.task_id}: {exc} (will retry if retries are set)") from exc
        except StoreUnavailableError as exc:  # e.g. the anomaly gate reading its history
            raise AirflowException(f"{self.task_id}: {exc}") from exc
        result = outcome(row_count, checks)
        gate_run_id = self._record(store, identity, result)
        try:
            self.after_record(store, gate_run_id, result)
        except StoreUnavailableError as exc:
            raise AirflowException(f"{self.task_id}: {exc}") from exc
        summary = {**result.summary(), "gate_run_id": gate_run_id, "store": store.location}
        ti.xcom_push(key=SUMMARY_XCOM_KEY, value=summary)
        self.keep_lineage_facts(ti, result, gate_run_id)
        # Emitted only if the task succeeds (passed, or warned): consumers read the verdict.
        verdict = gate_verdict(result, gate_run_id=gate_run_id, report_url=task_instance_report_url(ti))
        attach_verdict(context["outlet_events"], self.outlets, verdict)
        self._decide(result, gate_run_id, store, context)
        return summary

    def _open_store(self) -> ResultStore:
        try:
            return QualityStoreHook(self.store_conn_id).get_store()
        except StoreConfigurationError as exc:
            raise AirflowFailException(f"{self.task_id}: {exc}") from exc
        except StoreUnavailableError as exc:
            raise AirflowException(f"{self.task_id}: {exc}") from exc

    def _record(self, store: ResultStore, identity: RunIdentity, result: GateResult) -> int:
        try:
            return store.record(identity, result)
        except StoreUnavailableError as exc:
            # Never decide a gate whose verdict could not be recorded: retry instead.
            raise AirflowException(f"{self.task_id}: {exc}") from exc

    def _record_error(self, store: ResultStore, identity: RunIdentity, ti: Any, result: GateResult) -> None:
        self.keep_lineage_facts(ti, result, self._record(store, identity, result))

    def _warn(self, context: Any) -> None:
        callbacks = self.on_warning_callback
        for callback in callbacks if isinstance(callbacks, (list, tuple)) else [callbacks] if callbacks else []:
            try:
                callback(context)
            except Exception as exc:  # an alert must never change the gate's outcome
                self.log.warning("on_warning_callback %r failed: %s", callback, exc)

    def _decide(self, result: GateResult, gate_run_id: int, store: ResultStore, context: Any) -> None:
        report = f"{result.describe()}\nResults: gate_runs.id={gate_run_id} in {store.location}"
        if result.status is Status.PASSED:
            self.log.info("%s", report)
            return
        if result.status is Status.WARNED or self.mode == "warn":
            self.log.warning("%s", report)
            self._warn(context)
            return
        if self.mode == "skip":
            raise AirflowSkipException(report)
        raise GateFailedError(report)
