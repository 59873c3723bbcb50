"""What every gate does in Airflow: identify the run, record results, then pass, warn or block."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException, AirflowTaskTimeout

from quality_gates.assets import attach_verdict, gate_verdict
from quality_gates.checks.artifacts import Artifact
from quality_gates.checks.errors import ConfigurationError, RetryableError
from quality_gates.checks.results import GateAction, GateKind, GateMode, GateOutcome, GateResult, RunIdentity, Status, action_for
from quality_gates.hooks.store import QualityStoreHook
from quality_gates.operators.lineage import OpenLineageGateMixin
from quality_gates.operators.links import QualityReportLink
from quality_gates.store.limits import check_keys, storable_dataset, storable_partition_key
from quality_gates.store.repository import ResultStore
from quality_gates.ui_links import task_instance_report_url

MODES = (GateMode.FAIL, GateMode.SKIP, GateMode.WARN)  # every gate; a gate may add its own (schema: quarantine)
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

    gate_kind: ClassVar[GateKind]
    modes: ClassVar[tuple[GateMode, ...]] = MODES
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
        if mode not in self.modes:
            raise ValueError(f"{self.task_id}: mode must be one of {', '.join(self.modes)}, not {mode!r}")
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

    # Subclasses implement this: read the data (and the store's history, if any), call the gate's
    # core in quality_gates.checks.gates and return its outcome. Keep nothing on self: the task
    # object may be reused (dag.test(), mapped tasks); artifacts travel in the outcome.
    def run_checks(self, context: Any, store: ResultStore, dataset: str, partition: str) -> GateOutcome:
        raise NotImplementedError

    def after_record(self, context: Any, gate_run_id: int, result: GateResult) -> None:
        """Deliver what lives outside the store (e.g. quarantined rows), once the verdict is kept."""

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
        mode = GateMode(self.mode)
        store = self._open_store()
        started = dt.datetime.now(dt.UTC)
        try:
            check_keys(dataset, partition)
            outcome = self.run_checks(context, store, dataset, partition)
        except (Exception, AirflowTaskTimeout) as exc:
            # Every try that ran leaves a row, whatever went wrong, before the task fails.
            failed = GateResult(
                self.gate_kind,
                storable_dataset(dataset),
                storable_partition_key(partition),
                (),
                None,
                started,
                dt.datetime.now(dt.UTC),
                _error_text(exc),
                mode,
                GateAction.BLOCKED,
            )
            self.keep_lineage_facts(ti, failed, self._record_failure(store, identity, failed))
            if isinstance(exc, (AirflowException, AirflowTaskTimeout)):
                raise
            raise self._airflow_error(exc) from exc
        result = GateResult(
            self.gate_kind,
            dataset,
            partition,
            outcome.checks,
            outcome.row_count,
            started,
            dt.datetime.now(dt.UTC),
            mode=mode,
            action=action_for(outcome.status, mode),
        )
        gate_run_id = self._record(store, identity, result, outcome.artifacts)
        self.after_record(context, gate_run_id, result)
        summary = {**result.summary(), "gate_run_id": gate_run_id, "store": store.location}
        ti.xcom_push(key=SUMMARY_XCOM_KEY, value=summary)
        self.keep_lineage_facts(ti, result, gate_run_id, outcome)
        # Emitted only if the task succeeds (passed, or allowed): consumers read the verdict.
        verdict = gate_verdict(result, gate_run_id=gate_run_id, report_url=task_instance_report_url(ti))
        attach_verdict(context["outlet_events"], self.outlets, verdict)
        self._decide(result, gate_run_id, store, context)
        return summary

    def _airflow_error(self, exc: Exception) -> AirflowException:
        """Configuration errors fail at once; anything else is retried when the task has retries."""
        if isinstance(exc, ConfigurationError):
            return AirflowFailException(f"{self.task_id}: {exc}")
        return AirflowException(f"{self.task_id}: {_error_text(exc)} (will retry if retries are set)")

    def _open_store(self) -> ResultStore:
        try:
            return QualityStoreHook(self.store_conn_id).get_store()
        except (ConfigurationError, RetryableError) as exc:
            raise self._airflow_error(exc) from exc

    def _record(self, store: ResultStore, identity: RunIdentity, result: GateResult, artifacts: Sequence[Artifact]) -> int:
        try:
            return store.record(identity, result, artifacts)
        except (ConfigurationError, RetryableError) as exc:
            # Never decide a gate whose verdict could not be kept (the store recorded the try as an
            # error if it still answered): fail, or retry.
            raise self._airflow_error(exc) from exc

    def _record_failure(self, store: ResultStore, identity: RunIdentity, result: GateResult) -> int | None:
        try:
            return store.record(identity, result)
        except (ConfigurationError, RetryableError) as exc:  # the store is down too: the task's own error says more
            self.log.error("Could not record the error of this try: %s", exc)
            return None

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
        elif result.action is GateAction.ALLOWED:
            self.log.warning("%s", report)
            self._warn(context)
        elif result.action is GateAction.SKIPPED:
            raise AirflowSkipException(report)
        else:
            raise GateFailedError(report)


def _error_text(exc: BaseException) -> str:
    """Our own errors say what went wrong; anything else is named by its type as well."""
    if isinstance(exc, (ConfigurationError, RetryableError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
