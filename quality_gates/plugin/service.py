"""What each page shows, built once for the HTML pages and the JSON API alike.

Functions take the results store, the caller (for authorization) and ``base``, the URL prefix
the app is mounted at (for links). Rows of DAGs the caller cannot read never leave here.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

import numpy as np
from airflow.api_fastapi.auth.managers.models.base_user import BaseUser
from fastapi import HTTPException, status

from quality_gates.checks.anomaly.bands import baseline_band
from quality_gates.checks.anomaly.detector import BASE_THRESHOLD, HISTORY_MARGIN
from quality_gates.checks.profiles.model import FRACTION_METRICS
from quality_gates.checks.results import BaselineStatus
from quality_gates.plugin import gate_views, security
from quality_gates.plugin.schemas import (
    AlertStateOut,
    BaselineStatusIn,
    CheckOut,
    DagGridOut,
    DatasetOut,
    GateRunDetailOut,
    GateRunOut,
    GateRunPageOut,
    GridCellOut,
    GridRowOut,
    GridRunOut,
    MetricSeriesOut,
    PartitionOut,
    SeriesOut,
    TryOut,
)
from quality_gates.store import browse
from quality_gates.store.models import CheckResultRow, GateRunRow
from quality_gates.store.partitions import IN_BASELINE
from quality_gates.store.repository import ResultStore

MAX_PAGE = 200
CHART_DIGITS = 6
BAND_HISTORY = 30


# --- links ----------------------------------------------------------------------------------


def task_url(base: str, dag_id: str, run_id: str, task_id: str, map_index: int = -1, try_number: int | None = None) -> str:
    path = f"{base}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}/tasks/{quote(task_id, safe='')}"
    query = {k: v for k, v in (("map_index", map_index if map_index >= 0 else None), ("try_number", try_number)) if v is not None}
    return f"{path}?{urlencode(query)}" if query else path


def dataset_url(base: str, dataset: str, column: str | None = None) -> str:
    query = {"dataset": dataset, **({"column": column} if column else {})}
    return f"{base}/dataset?{urlencode(query)}"


# --- overview -------------------------------------------------------------------------------


def gate_runs(
    store: ResultStore,
    user: BaseUser,
    base: str,
    *,
    dag_id: str | None,
    dataset: str | None,
    statuses: list[str] | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    cursor: str | None,
    limit: int,
) -> GateRunPageOut:
    unknown = [s for s in statuses or [] if s not in browse.STATUS_ORDER]
    if unknown:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"status {unknown[0]!r} is not one of {', '.join(browse.STATUS_ORDER)}")
    if not 1 <= limit <= MAX_PAGE:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"limit must be between 1 and {MAX_PAGE}, not {limit}")
    try:
        position = browse.Cursor.decode(cursor) if cursor else None
    except browse.BadCursorError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    flt = browse.RunFilter(
        readable=security.readable_dag_ids(user),
        dag_id=dag_id or None,
        dataset=dataset or None,
        statuses=tuple(statuses) if statuses else browse.STATUS_ORDER,
        since=since,
        until=until,
    )
    page = browse.list_gate_runs(store.engine, flt, limit=limit, cursor=position)
    return GateRunPageOut(runs=[gate_run_out(r, base) for r in page.runs], counts=page.counts, next_cursor=page.next_cursor)


def gate_run_out(run: GateRunRow, base: str) -> GateRunOut:
    summary = run.summary or {}
    return GateRunOut(
        id=run.id,
        dag_id=run.dag_id,
        task_id=run.task_id,
        run_id=run.run_id,
        map_index=run.map_index,
        try_number=run.try_number,
        dataset=run.dataset,
        partition_key=run.partition_key,
        gate=run.gate,
        status=run.status,
        started_at=browse.as_utc(run.started_at),
        finished_at=browse.as_utc(run.finished_at),
        row_count=run.row_count,
        checks=int(summary.get("checks") or 0),
        counts=summary.get("counts") or {},
        problems=summary.get("problems") or [],
        error=summary.get("error"),
        mode=run.mode,
        action=run.action,
        action_label=gate_views.action_label(run.action, run.mode),
        url=task_url(base, run.dag_id, run.run_id, run.task_id, run.map_index, run.try_number),
    )


def gated_dags(store: ResultStore, user: BaseUser) -> list[str]:
    return browse.gated_dag_ids(store.engine, security.readable_dag_ids(user))


def datasets(store: ResultStore, user: BaseUser) -> list[str]:
    return browse.dataset_names(store.engine, security.readable_dag_ids(user), include_unowned=security.may_access_dag(user, None))


# --- one task instance ----------------------------------------------------------------------


def task_detail(
    store: ResultStore,
    user: BaseUser,
    base: str,
    dag_id: str,
    run_id: str,
    task_id: str,
    map_index: int = -1,
    try_number: int | None = None,
) -> GateRunDetailOut:
    found = browse.task_gate_run(store.engine, dag_id, run_id, task_id, map_index, try_number)
    if found.run is None:
        which = f"try {try_number} of " if try_number is not None and found.tries else ""
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"no gate results for {which}task {task_id!r} of run {run_id!r} in DAG {dag_id!r}: "
            "the task is not a quality gate, or it has not recorded results yet",
        )
    run = found.run
    checks = [check_out(c) for c in found.checks]
    view = gate_views.view_for(run.gate)
    blamed = gate_views.culprits(checks) if view.culprits else []
    # Only anomaly gates profile partitions; other gates on the same partition must not offer its baseline actions.
    partition = browse.partition_of_run(store.engine, run) if view.partition else None
    if partition is not None and partition.dag_id not in (None, run.dag_id) and not security.may_access_dag(user, partition.dag_id):
        partition = None  # the same partition, last profiled by a DAG this user may not read
    alert = browse.suppressed_alerts(store.engine, run.dag_id, run.task_id, run.dataset)
    return GateRunDetailOut(
        run=gate_run_out(run, base),
        checks=checks,
        tries=[TryOut(try_number=t, status=s) for t, s in found.tries],
        culprits=[c.column for c in blamed],
        culprit_reasons=blamed,
        metrics=gate_views.metrics(checks) if view.metrics else [],
        labels=gate_views.label_report(checks) if view.labels else None,
        partition=partition_out(partition, run.dataset, base, security.may_access_dag(user, partition.dag_id, security.EDIT))
        if partition
        else None,
        alert=AlertStateOut(
            last_status=alert.last_status,
            alerted_at=browse.as_utc(alert.alerted_at) if alert.alerted_at else None,
            suppressed_count=alert.suppressed_count or 0,
        )
        if alert
        else None,
        dataset_url=dataset_url(base, run.dataset),
    )


def check_out(row: CheckResultRow) -> CheckOut:
    details = dict(row.details or {})
    fraction = details.get("failing_fraction")
    return CheckOut(
        check_name=row.check_name,
        column=row.column_name,
        status=row.status,
        severity=row.severity,
        observed=row.observed,
        expected=row.expected,
        failing_fraction=fraction if isinstance(fraction, (int, float)) else None,
        details=details,
    )


def _readable_run(store: ResultStore, user: BaseUser, gate_run_id: int) -> GateRunRow:
    run = browse.gate_run_by_id(store.engine, gate_run_id)
    if run is None or not security.may_access_dag(user, run.dag_id):
        raise security.not_found(user, f"no gate run {gate_run_id}")
    return run


def gate_run_page_url(store: ResultStore, user: BaseUser, base: str, gate_run_id: int) -> str:
    run = _readable_run(store, user, gate_run_id)
    return task_url(base, run.dag_id, run.run_id, run.task_id, run.map_index, run.try_number)


def gate_run_detail(store: ResultStore, user: BaseUser, base: str, gate_run_id: int) -> GateRunDetailOut:
    run = _readable_run(store, user, gate_run_id)
    return task_detail(store, user, base, run.dag_id, run.run_id, run.task_id, run.map_index, run.try_number)


# --- one DAG --------------------------------------------------------------------------------


def dag_grid(store: ResultStore, base: str, dag_id: str, runs: int, before: dt.datetime | None) -> DagGridOut:
    if not 1 <= runs <= 100:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"runs must be between 1 and 100, not {runs}")
    grid = browse.dag_grid(store.engine, dag_id, runs=runs, before=before)
    held_back = {(a.task_id, a.dataset): a for a in browse.alert_states_of_dag(store.engine, dag_id)}
    rows = []
    for task_id in grid.gates:
        cells = []
        for run_id in grid.run_ids:
            cell = grid.cells.get((task_id, run_id))
            cells.append(
                None
                if cell is None
                else GridCellOut(
                    run_id=run_id,
                    status=cell.status,
                    gate_run_id=cell.gate_run_id,
                    try_number=cell.try_number,
                    map_indexes=cell.map_indexes,
                    problems=cell.problems,
                    partition_key=cell.partition_key,
                    action=cell.action,
                    action_label=gate_views.action_label(cell.action, cell.mode),
                    url=f"{base}/gate-runs/{cell.gate_run_id}",
                )
            )
        alert = held_back.get((task_id, grid.datasets[task_id]))
        rows.append(
            GridRowOut(
                task_id=task_id,
                gate=grid.gate_kinds[task_id],
                dataset=grid.datasets[task_id],
                cells=cells,
                suppressed_alerts=alert.suppressed_count or 0 if alert else 0,
            )
        )
    return DagGridOut(
        dag_id=dag_id,
        runs=[GridRunOut(run_id=r, started_at=grid.run_started[r]) for r in grid.run_ids],
        gates=rows,
        older_cursor=grid.older_cursor,
    )


# --- one dataset ----------------------------------------------------------------------------


def visible_partitions(store: ResultStore, user: BaseUser, dataset: str) -> list[browse.PartitionInfo]:
    readable = security.readable_dag_ids(user)
    partitions = browse.dataset_partitions(store.engine, dataset, readable, include_unowned=security.may_access_dag(user, None))
    if not partitions and not browse.dataset_gated_by(store.engine, dataset, readable):
        # Whether results exist in DAGs the user may not read is not the user's business.
        raise security.not_found(user, f"no results for dataset {dataset!r}")
    return partitions


def dataset_detail(store: ResultStore, user: BaseUser, base: str, dataset: str) -> DatasetOut:
    partitions = visible_partitions(store, user, dataset)
    return DatasetOut(
        dataset=dataset, columns=dataset_columns(store, dataset, partitions), partitions=partition_outs(user, base, dataset, partitions)
    )


def dataset_gate_kinds(store: ResultStore, user: BaseUser, dataset: str) -> list[str]:
    return browse.dataset_gate_kinds(store.engine, dataset, security.readable_dag_ids(user))


def dataset_columns(store: ResultStore, dataset: str, partitions: list[browse.PartitionInfo], latest: int = 5) -> list[str]:
    """Columns profiled in the latest of the partitions the user may see (``visible_partitions``, key order)."""
    return browse.dataset_columns(store.engine, dataset, [p.partition_key for p in partitions[-latest:]])


def partition_outs(user: BaseUser, base: str, dataset: str, partitions: list[browse.PartitionInfo]) -> list[PartitionOut]:
    edit = _edit_permissions(user, {p.dag_id for p in partitions})
    return [partition_out(p, dataset, base, edit[p.dag_id]) for p in partitions]


def _edit_permissions(user: BaseUser, dag_ids: set[str | None]) -> dict[str | None, bool]:
    """One auth-manager call per DAG, not per partition."""
    return {dag_id: security.may_access_dag(user, dag_id, security.EDIT) for dag_id in dag_ids}


def partition_out(p: browse.PartitionInfo, dataset: str, base: str, can_edit: bool) -> PartitionOut:
    linked = p.dag_id is not None and p.run_id is not None and p.task_id is not None
    return PartitionOut(
        dataset=dataset,
        partition_key=p.partition_key,
        baseline_status=p.baseline_status,
        row_count=p.row_count,
        profiled_at=p.profiled_at,
        gate_run_id=p.gate_run_id,
        dag_id=p.dag_id,
        task_id=p.task_id,
        run_id=p.run_id,
        status_changed_by=p.status_changed_by,
        status_changed_at=p.status_changed_at,
        status_note=p.status_note,
        action=p.action,
        action_label=gate_views.action_label(p.action, p.mode),
        can_edit=can_edit,
        url=task_url(base, p.dag_id, p.run_id, p.task_id, p.map_index if p.map_index is not None else -1) if linked else None,
    )


def series(
    store: ResultStore, user: BaseUser, base: str, dataset: str, column: str, partitions: list[browse.PartitionInfo] | None = None
) -> SeriesOut:
    partitions = visible_partitions(store, user, dataset) if partitions is None else partitions
    keys = [p.partition_key for p in partitions]
    in_baseline = [p.baseline_status in IN_BASELINE for p in partitions]
    metrics = []
    for metric, values in sorted(browse.metric_series(store.engine, dataset, column, keys).items()):
        bounds = (0.0, 1.0) if metric in FRACTION_METRICS else None
        low, high = baseline_band(values, in_baseline, window=BAND_HISTORY, bounds=bounds, margin=HISTORY_MARGIN)
        metrics.append(MetricSeriesOut(metric=metric, values=significant(values), band_low=significant(low), band_high=significant(high)))
    if not metrics and keys:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"dataset {dataset!r} has no profiled column {column!r}")
    return SeriesOut(
        dataset=dataset,
        column=column,
        partition_keys=keys,
        baseline_status=[p.baseline_status for p in partitions],
        gate_run_ids=[p.gate_run_id for p in partitions],
        gate_run_url=f"{base}/gate-runs/{{id}}",
        metrics=metrics,
        band=(
            f"median ± the detector's threshold: {BASE_THRESHOLD:g} robust σ (1.4826 × MAD) or {HISTORY_MARGIN:g} × the widest "
            f"deviation, whichever is wider, over the {BAND_HISTORY} earlier baseline partitions"
        ),
    )


def significant(values: list[float | None], digits: int = CHART_DIGITS) -> list[float | None]:
    """Values rounded to ``digits`` significant digits: what a chart can show, and a third of the bytes.
    (Exact values are on the gate run's page and in the tables.)"""
    array = np.array([np.nan if v is None else v for v in values], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.where(array == 0, 0, np.floor(np.log10(np.abs(array))))
        exponent = digits - 1 - np.nan_to_num(magnitude, nan=0.0, posinf=0.0, neginf=0.0)
        # Scale by powers of ten >= 1 only (exact in binary up to 1e22), up or down.
        factor = np.power(10.0, np.abs(exponent))
        rounded = np.where(exponent >= 0, np.round(array * factor) / factor, np.round(array / factor) * factor)
    rounded = np.where(np.isfinite(rounded), rounded, array)  # extreme magnitudes stay as they are
    return [None if v != v else v for v in rounded.tolist()]


def set_baseline_status(store: ResultStore, user: BaseUser, base: str, change: BaselineStatusIn) -> PartitionOut:
    found = browse.partition(store.engine, change.dataset, change.partition_key)
    if found is None or not security.may_access_dag(user, found.dag_id):  # unreadable answers as missing
        raise security.not_found(user, f"no profiled partition {change.partition_key!r} of dataset {change.dataset!r}")
    security.require_dag_access(user, found.dag_id, security.EDIT)
    if found.baseline_status == BaselineStatus.INCLUDED:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"partition {change.partition_key!r} of {change.dataset!r} was not flagged: nothing to mark"
        )
    store.partitions.set_baseline_status(
        change.dataset, change.partition_key, change.status, by=security.user_name(user), note=change.note or None
    )
    updated = browse.partition(store.engine, change.dataset, change.partition_key)
    return partition_out(updated, change.dataset, base, True)
