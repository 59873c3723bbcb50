"""Evaluate a model in serving, where labels arrive late: coverage first, then metrics."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from quality_gates.checks.results import COLD_START_STATUS, CheckResult, GateKind, GateOutcome
from quality_gates.operators.base import BaseGateOperator
from quality_gates.sources.base import Source, SourceConfigurationError, SourceError


class ServingMetricGateOperator(BaseGateOperator):
    """Serving gate: join logged predictions with the labels that arrived since, over a time
    window, in the database (PostgreSQL, SQLite, DuckDB, Snowflake, BigQuery, Trino, Databricks,
    Redshift), and judge the model's metrics there.

    :param conn_id: Airflow SQL connection of the database holding both tables.
    :param predictions_table: ``[schema.]table`` names; keyed by ``id_column``.
    :param labels_table: see ``predictions_table``.
    :param predictions_source: instead of ``conn_id``, any two sources (templated): two
        ``SparkSource`` are joined in Spark; anything else (Parquet or CSV files, callables) is
        joined by DuckDB in the worker with the very same SQL, files scanned in place and frames
        scanned without a copy. Only sums come back either way.
    :param labels_source: see ``predictions_source``.
    :param predicted_at_column: timestamps; the window applies to
        ``predicted_at``, and only labels with ``labeled_at <= as_of`` are known.
    :param labeled_at_column: see ``predicted_at_column``.
    :param prediction_column: as in ``ModelMetricGateOperator``;
        a binary classifier may log only a score (class = score >= ``decision_threshold``).
    :param score_column: see ``prediction_column``.
    :param label_column: see ``prediction_column``.
    :param window_start: the predictions evaluated (templated ISO timestamps;
        default: the run's data interval).
    :param window_end: see ``window_start``.
    :param as_of: when the evaluation is made (templated; default: now): labels that arrived
        later are not used, so a backfill sees what was known then.
    :param min_coverage: below this share of labelled predictions the verdict is "insufficient
        labels" (warned) and no metric is judged: early labels are a biased subset.
    :param recency_half_life: weight predictions by recency (a ``timedelta``); None: equal weights.
    :param thresholds: the baseline and the judging rule, as in ``ModelMetricGateOperator``
        (also ``model``, ``tolerance``, ``min_slice_rows``, ``confidence``, ``resamples``, ``seed``,
        ``cold_start``): ``model`` names the model whose promoted production metrics are the baseline.
    :param model: see ``thresholds``.
    :param tolerance: see ``thresholds``.
    :param min_slice_rows: see ``thresholds``.
    :param confidence: see ``thresholds``.
    :param resamples: see ``thresholds``.
    :param seed: see ``thresholds``.
    :param cold_start: see ``thresholds``.
    :param wait_for_labels: wait up to this long (a ``timedelta``) for label coverage to reach
        ``min_coverage`` before judging. The task defers to Airflow's triggerer, which repeats a
        cheap coverage query every ``poll_interval`` without holding a worker slot; at the deadline
        the gate judges what has arrived (usually "insufficient labels"). Needs ``conn_id`` and
        no ``as_of`` (coverage is measured as of now).
    :param poll_interval: how often the triggerer measures coverage while waiting.
    :param coverage_query_attempts: consecutive failures of the coverage query (database down)
        before the wait ends and the gate run is recorded as an error.
    """

    gate_kind = GateKind.SERVING_METRIC
    template_fields: Sequence[str] = (
        *BaseGateOperator.template_fields,
        "conn_id",
        "window_start",
        "window_end",
        "as_of",
        "predictions_source",
        "labels_source",
    )

    def __init__(
        self,
        *,
        task: str,
        conn_id: str | None = None,
        predictions_table: str = "predictions",
        labels_table: str = "labels",
        predictions_source: Source | None = None,
        labels_source: Source | None = None,
        id_column: str = "prediction_id",
        predicted_at_column: str = "predicted_at",
        prediction_column: str | None = "prediction",
        score_column: str | None = None,
        label_column: str = "label",
        labeled_at_column: str = "labeled_at",
        slice_columns: Sequence[str] = (),
        window_start: str = "{{ data_interval_start }}",
        window_end: str = "{{ data_interval_end }}",
        as_of: str | None = None,
        metrics: Sequence[str] | None = None,
        thresholds: Mapping[Any, float] | None = None,
        model: str | None = None,
        tolerance: float | Mapping[str, float] = 0.02,
        min_coverage: float = 0.5,
        min_slice_rows: int = 30,
        recency_half_life: dt.timedelta | None = None,
        confidence: float = 0.95,
        resamples: int = 1000,
        seed: int = 0,
        positive_label: Any = 1,
        decision_threshold: float = 0.5,
        cold_start: str = "warn",
        wait_for_labels: dt.timedelta | None = None,
        poll_interval: dt.timedelta = dt.timedelta(minutes=30),
        coverage_query_attempts: int = 3,
        **kwargs: Any,
    ):
        from quality_gates.checks.model_metrics.catalogue import TASKS, database_metrics
        from quality_gates.checks.model_metrics.rule import JudgingRule
        from quality_gates.checks.model_metrics.serving_sql import DelayedLabelTables

        kwargs.setdefault("dataset", predictions_table if conn_id else None)
        super().__init__(**kwargs)
        if task not in TASKS:
            raise ValueError(f"{self.task_id}: task must be one of {', '.join(TASKS)}, not {task!r}")
        if cold_start not in COLD_START_STATUS:
            raise ValueError(f"{self.task_id}: cold_start must be one of {', '.join(COLD_START_STATUS)}, not {cold_start!r}")
        if not 0 <= min_coverage <= 1:
            raise ValueError(f"{self.task_id}: min_coverage is a share between 0 and 1, not {min_coverage}")
        if (conn_id is None) == (predictions_source is None or labels_source is None):
            raise ValueError(f"{self.task_id}: give conn_id (two tables in a database) or both predictions_source and labels_source")
        if prediction_column is None and score_column is None:
            raise ValueError(f"{self.task_id}: give prediction_column, score_column or both")
        if wait_for_labels is not None:
            _check_label_wait(self.task_id, wait_for_labels, poll_interval, coverage_query_attempts, conn_id=conn_id, as_of=as_of)
        if metrics:  # found at parse time: a metric that does not fit the task or is not computed in the database
            database_metrics(task, tuple(metrics), has_score=score_column is not None, classes=None)
        self.conn_id = conn_id
        self.predictions_source, self.labels_source = predictions_source, labels_source
        self.tables = DelayedLabelTables(
            predictions_table,
            labels_table,
            id_column,
            predicted_at_column,
            prediction_column,
            score_column,
            label_column,
            labeled_at_column,
            tuple(slice_columns),
        )
        self.task = task
        self.window_start, self.window_end, self.as_of = window_start, window_end, as_of
        self.metrics = tuple(metrics) if metrics else None
        self.thresholds = dict(thresholds or {})
        self.model = model
        self.tolerance = tolerance
        self.min_coverage = min_coverage
        self.min_slice_rows = min_slice_rows
        self.recency_half_life = recency_half_life
        self.confidence, self.resamples, self.seed = confidence, resamples, seed
        self.positive_label, self.decision_threshold = positive_label, decision_threshold
        self.cold_start = cold_start
        self.rule = JudgingRule(self.thresholds, tolerance, min_slice_rows, confidence, COLD_START_STATUS[cold_start])
        self.wait_for_labels, self.poll_interval = wait_for_labels, poll_interval
        self.coverage_query_attempts = coverage_query_attempts
        self._label_wait: dict[str, Any] | None = None  # the trigger's event once the wait is over

    def execute(self, context: Any) -> dict[str, Any]:
        self._label_wait = None
        if self.wait_for_labels is None:
            return super().execute(context)
        from quality_gates.triggers.label_coverage import LabelCoverageTrigger

        try:
            window = self._window()
        except SourceConfigurationError:
            return super().execute(context)  # the same error, recorded and raised by the gate
        now = dt.datetime.now(dt.UTC)
        self.defer(
            trigger=LabelCoverageTrigger(
                conn_id=str(self.conn_id),
                tables=dataclasses.asdict(self.tables),
                window_start=window.start.isoformat(),
                window_end=window.end.isoformat(),
                min_coverage=self.min_coverage,
                deadline=(now + self.wait_for_labels).isoformat(),
                poll_interval=self.poll_interval.total_seconds(),
                attempts=self.coverage_query_attempts,
                waiting_since=now.isoformat(),
            ),
            method_name="execute_complete",
        )

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """Back from the triggerer: judge what has arrived (or record why the wait failed)."""
        self._label_wait = event
        return super().execute(context)

    def lineage_sources(self) -> Sequence[Source]:
        if self.conn_id is None:
            return (self.predictions_source, self.labels_source)
        from quality_gates.sources.sql import SqlSource

        return (SqlSource(self.conn_id, table=self.tables.predictions_table), SqlSource(self.conn_id, table=self.tables.labels_table))

    def _window(self):
        from quality_gates.checks.model_metrics.serving_sql import Window

        start, end = _moment(self.window_start, "window_start"), _moment(self.window_end, "window_end")
        if end <= start:
            raise SourceConfigurationError(
                f"the window is empty: window_end {end.isoformat()} is not after window_start {start.isoformat()}"
            )
        as_of = _moment(self.as_of, "as_of") if self.as_of else dt.datetime.now(dt.UTC)
        return Window(start, end, as_of)

    def _aggregate(self, window):
        from sqlalchemy import inspect
        from sqlalchemy.exc import SQLAlchemyError

        from quality_gates.checks.model_metrics.serving_sql import aggregate_delayed_labels
        from quality_gates.sources.sql import SqlSource

        if self.conn_id is None:
            return self._aggregate_sources(window)
        engine = SqlSource(self.conn_id, table=self.tables.predictions_table).engine()
        try:
            for qualified, clause in (
                (self.tables.predictions_table, self.tables.predictions()),
                (self.tables.labels_table, self.tables.labels()),
            ):
                schema, _, name = qualified.rpartition(".")
                inspector = inspect(engine)
                if not inspector.has_table(name, schema=schema or None):
                    raise SourceError(f"table {qualified} does not exist (connection '{self.conn_id}')")
                found = [column["name"] for column in inspector.get_columns(name, schema=schema or None)]
                missing = [column.name for column in clause.columns if column.name not in found]
                if missing:  # the author's mistake, not the database's: not retried
                    raise SourceConfigurationError(
                        f"table {qualified} (connection '{self.conn_id}'): column(s) {', '.join(map(repr, missing))} missing "
                        f"(columns: {', '.join(found)})"
                    )
            with engine.connect() as connection:
                return aggregate_delayed_labels(
                    connection,
                    self.tables,
                    window,
                    task=self.task,
                    decision_threshold=self.decision_threshold,
                    with_scores=self.tables.score_column is not None,
                )
        except SQLAlchemyError as exc:
            message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise SourceError(
                f"cannot join {self.tables.predictions_table} with {self.tables.labels_table} (connection '{self.conn_id}'): {message}"
            ) from exc

    def _aggregate_sources(self, window):
        """Two sources: joined in Spark when both are Spark DataFrames, else by DuckDB in the
        worker (files scanned in place, frames scanned without a copy)."""
        from quality_gates.engines.serving_join import join_sources

        return join_sources(
            self.predictions_source, self.labels_source, self.tables, window, task=self.task, decision_threshold=self.decision_threshold
        )

    def run_checks(self, context: Any, store: Any, dataset: str, partition: str) -> GateOutcome:
        from quality_gates.checks.gates import serving_gate
        from quality_gates.triggers.label_coverage import ERROR, MISCONFIGURED

        wait = self._label_wait or {}
        if wait.get("status") in (ERROR, MISCONFIGURED):  # recorded as the run's error; misconfigured is not retried
            raise (SourceError if wait["status"] == ERROR else SourceConfigurationError)(wait["message"])
        window = self._window()
        aggregates = self._aggregate(window)
        self.log.info("%s predictions in [%s, %s) as of %s", f"{aggregates.predictions:,}", window.start, window.end, window.as_of)
        production = store.model_baselines.current(self.model) if self.model else None
        outcome = serving_gate(
            aggregates,
            self.tables,
            window,
            self.rule,
            production,
            task=self.task,
            metrics=self.metrics,
            positive_label=self.positive_label,
            half_life_seconds=self.recency_half_life.total_seconds() if self.recency_half_life else None,
            resamples=self.resamples,
            seed=self.seed,
            min_coverage=self.min_coverage,
        )
        if wait:  # say on the coverage check how the wait ended
            checks = tuple(_with_wait(c, wait, self.wait_for_labels) if c.check_name == "label_coverage" else c for c in outcome.checks)
            outcome = dataclasses.replace(outcome, checks=checks)
        return outcome


def _check_label_wait(task_id: str, wait: Any, poll: Any, attempts: int, *, conn_id: str | None, as_of: str | None) -> None:
    """Parse-time checks of the waiting parameters: a DAG that cannot wait sensibly does not load."""
    for name, value in (("wait_for_labels", wait), ("poll_interval", poll)):
        if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):
            raise ValueError(f"{task_id}: {name} must be a positive timedelta, not {value!r}")
    if wait < poll:
        raise ValueError(
            f"{task_id}: wait_for_labels ({wait}) is shorter than poll_interval ({poll}): "
            f"the gate would give up before looking a second time"
        )
    if attempts < 1:
        raise ValueError(f"{task_id}: coverage_query_attempts must be at least 1, not {attempts}")
    if conn_id is None:
        raise ValueError(f"{task_id}: wait_for_labels needs conn_id: the triggerer polls a database, not files or callables")
    if as_of is not None:
        raise ValueError(f"{task_id}: wait_for_labels waits for labels arriving from now on; it cannot be combined with as_of={as_of!r}")


def _with_wait(check: CheckResult, event: Mapping[str, Any], waited_for: Any) -> CheckResult:
    """Say on the coverage check how the wait ended: the reader sees why the verdict came when it did."""
    since, until = dt.datetime.fromisoformat(event["waiting_since"]), dt.datetime.fromisoformat(event["at"])
    waited = until - since
    ended = "coverage reached the minimum" if event["status"] == "ready" else f"the wait of {waited_for} ran out"
    explanation = f"{check.details['explanation']} Waited {_duration(waited)} for labels: {ended}."
    return dataclasses.replace(
        check,
        details={
            **check.details,
            "explanation": explanation,
            "message": explanation,
            "waited_seconds": round(waited.total_seconds(), 3),
            "wait_ended": event["status"],
        },
    )


def _duration(delta: dt.timedelta) -> str:
    seconds = delta.total_seconds()
    for unit, size in (("days", 86_400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def _moment(value: Any, name: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise SourceConfigurationError(f"{name} {value!r} is not an ISO timestamp (e.g. 2024-06-01T00:00:00+00:00)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
