"""Read side of the results store for the UI and its JSON API: lists, grids and series.

Every query takes the set of DAG ids the caller may read and never returns rows of other
DAGs. Lists are paginated with keysets over indexed columns (see migration 0004), so a page
costs the same on the first and the thousandth page of 100,000 gate runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, desc, func, or_, select, tuple_
from sqlalchemy.orm import Session

from quality_gates.checks.results import Status
from quality_gates.checks.values import as_utc
from quality_gates.store.models import AlertStateRow, CheckResultRow, GateRunRow, PartitionProfileRow, PartitionRow

# "Failing first": the order in which the overview lists statuses.
STATUS_ORDER = (Status.FAILED.value, Status.ERROR.value, Status.WARNED.value, Status.PASSED.value)
COUNT_CAP = 10_000  # status counts stop here ("10,000+")


class BadCursorError(ValueError):
    """A pagination cursor that this module did not make."""


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: the last row shown (its status, start time and id)."""

    status: str
    started_at: dt.datetime
    id: int

    def encode(self) -> str:
        return f"{self.status}~{self.started_at.isoformat()}~{self.id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            status, started, ident = text.split("~")
            if status not in STATUS_ORDER:
                raise ValueError(status)
            return cls(status, as_utc(dt.datetime.fromisoformat(started)), int(ident))
        except ValueError:
            raise BadCursorError(f"cursor {text!r} is not one this page made; start from the first page") from None


@dataclass(frozen=True)
class RunFilter:
    readable: frozenset[str]  # DAG ids the caller may read
    dag_id: str | None = None
    dataset: str | None = None
    statuses: tuple[str, ...] = STATUS_ORDER
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def clauses(self) -> list[Any]:
        clauses: list[Any] = [GateRunRow.dag_id.in_(sorted(self.readable))]
        if self.dag_id:
            clauses.append(GateRunRow.dag_id == self.dag_id)
        if self.dataset:
            clauses.append(GateRunRow.dataset == self.dataset)
        if self.since:
            clauses.append(GateRunRow.started_at >= as_utc(self.since))
        if self.until:
            clauses.append(GateRunRow.started_at < as_utc(self.until))
        return clauses


@dataclass(frozen=True)
class RunPage:
    runs: list[GateRunRow]
    next_cursor: str | None
    counts: dict[str, int]


def list_gate_runs(engine: Engine, flt: RunFilter, *, limit: int = 50, cursor: Cursor | None = None) -> RunPage:
    """Gate runs matching ``flt``, failing first, then newest first; one page of ``limit``."""
    runs: list[GateRunRow] = []
    wanted = [s for s in STATUS_ORDER if s in flt.statuses]
    if cursor is not None:
        wanted = wanted[wanted.index(cursor.status) :] if cursor.status in wanted else []
    with Session(engine) as session:
        # One index range scan per status (status, started_at): no sort of the whole table.
        for status in wanted:
            query = select(GateRunRow).where(*flt.clauses(), GateRunRow.status == status)
            if cursor is not None and status == cursor.status:
                query = query.where(tuple_(GateRunRow.started_at, GateRunRow.id) < tuple_(cursor.started_at, cursor.id))
            query = query.order_by(desc(GateRunRow.started_at), desc(GateRunRow.id)).limit(limit + 1 - len(runs))
            runs.extend(session.scalars(query))
            if len(runs) > limit:
                break
        counts = status_counts(session, flt)
        session.expunge_all()
    more = len(runs) > limit
    runs = runs[:limit]
    last = runs[-1] if runs else None
    next_cursor = Cursor(last.status, as_utc(last.started_at), last.id).encode() if more and last is not None else None
    return RunPage(runs, next_cursor, counts)


def status_counts(session: Session, flt: RunFilter, cap: int = COUNT_CAP) -> dict[str, int]:
    """Gate runs per status, each counted up to ``cap`` (``cap + 1`` means "more than cap"): an
    index range per status, so that the cost does not grow with the table."""
    counts = {}
    for status in STATUS_ORDER:
        if status not in flt.statuses:
            counts[status] = 0
            continue
        capped = select(GateRunRow.id).where(*flt.clauses(), GateRunRow.status == status).limit(cap + 1).subquery()
        counts[status] = int(session.scalar(select(func.count()).select_from(capped)) or 0)
    return counts


def _distinct(column, name: str):
    """The distinct values of an indexed column, walked through its index one probe per value
    (a recursive CTE): the cost grows with the number of values, not of gate runs."""
    walk = select(func.min(column).label("value")).cte(name, recursive=True)
    later = select(func.min(column)).where(column > walk.c.value).scalar_subquery()
    return walk.union_all(select(later).where(walk.c.value.is_not(None)))


def dataset_names(engine: Engine, readable: Collection[str], *, include_unowned: bool) -> list[str]:
    """Datasets checked by the DAGs the caller may read, and (``include_unowned``) datasets
    profiled without a gate run (backtests)."""
    walk = _distinct(GateRunRow.dataset, "datasets")
    readable_run = select(GateRunRow.id).where(GateRunRow.dataset == walk.c.value, GateRunRow.dag_id.in_(sorted(readable))).exists()
    with Session(engine) as session:
        names = set(session.scalars(select(walk.c.value).where(walk.c.value.is_not(None), readable_run)))
        if include_unowned:
            names |= set(session.scalars(select(PartitionRow.dataset).where(PartitionRow.gate_run_id.is_(None)).distinct()))
        return sorted(names)


def gated_dag_ids(engine: Engine, readable: Collection[str]) -> list[str]:
    """DAGs the caller may read that have gate runs (for the DAG filter)."""
    walk = _distinct(GateRunRow.dag_id, "dag_ids")
    with Session(engine) as session:
        found = session.scalars(select(walk.c.value).where(walk.c.value.is_not(None)))
        return sorted(set(found) & set(readable))


def dataset_gated_by(engine: Engine, dataset: str, readable: Collection[str]) -> bool:
    """Whether a DAG the caller may read has a gate run on ``dataset``."""
    with Session(engine) as session:
        return (
            session.scalar(select(GateRunRow.id).where(GateRunRow.dataset == dataset, GateRunRow.dag_id.in_(sorted(readable))).limit(1))
            is not None
        )


def dataset_gate_kinds(engine: Engine, dataset: str, readable: Collection[str]) -> list[str]:
    """The kinds of gate (schema, drift, model_metric...) that DAGs the caller may read ran on ``dataset``."""
    with Session(engine) as session:
        return sorted(
            session.scalars(
                select(GateRunRow.gate).where(GateRunRow.dataset == dataset, GateRunRow.dag_id.in_(sorted(readable))).distinct()
            ).all()
        )


# --- one task instance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskGateRuns:
    run: GateRunRow | None
    checks: list[CheckResultRow]
    tries: list[tuple[int, str]]  # (try_number, status) of every recorded try


def task_gate_run(
    engine: Engine, dag_id: str, run_id: str, task_id: str, map_index: int = -1, try_number: int | None = None
) -> TaskGateRuns:
    """The gate run of one task instance: the given try, else the latest recorded one."""
    with Session(engine) as session:
        tries = session.execute(
            select(GateRunRow.try_number, GateRunRow.status, GateRunRow.id)
            .where(
                GateRunRow.dag_id == dag_id, GateRunRow.task_id == task_id, GateRunRow.run_id == run_id, GateRunRow.map_index == map_index
            )
            .order_by(GateRunRow.try_number)
        ).all()
        chosen = [t for t in tries if try_number is None or t.try_number == try_number]
        if not chosen:
            return TaskGateRuns(None, [], [(t.try_number, t.status) for t in tries])
        run = session.get_one(GateRunRow, chosen[-1].id)
        checks = list(session.scalars(select(CheckResultRow).where(CheckResultRow.gate_run_id == run.id).order_by(CheckResultRow.id)))
        session.expunge_all()
    return TaskGateRuns(run, _problems_first(checks), [(t.try_number, t.status) for t in tries])


def gate_run_by_id(engine: Engine, gate_run_id: int) -> GateRunRow | None:
    with Session(engine) as session:
        run = session.get(GateRunRow, gate_run_id)
        if run is not None:
            session.expunge(run)
        return run


def _problems_first(checks: list[CheckResultRow]) -> list[CheckResultRow]:
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    return sorted(checks, key=lambda c: rank.get(c.status, 0))


def suppressed_alerts(engine: Engine, dag_id: str, task_id: str, dataset: str) -> AlertStateRow | None:
    with Session(engine) as session:
        row = session.scalars(
            select(AlertStateRow).where(AlertStateRow.dag_id == dag_id, AlertStateRow.task_id == task_id, AlertStateRow.dataset == dataset)
        ).one_or_none()
        if row is not None:
            session.expunge(row)
        return row


def alert_states_of_dag(engine: Engine, dag_id: str) -> list[AlertStateRow]:
    with Session(engine) as session:
        rows = list(session.scalars(select(AlertStateRow).where(AlertStateRow.dag_id == dag_id)))
        session.expunge_all()
        return rows


def partition_of_run(engine: Engine, gate_run: GateRunRow) -> PartitionInfo | None:
    """The profiled partition a gate run wrote (anomaly gates), with its baseline status."""
    with Session(engine) as session:
        row = session.execute(
            _partition_query().where(PartitionRow.dataset == gate_run.dataset, PartitionRow.partition_key == gate_run.partition_key)
        ).one_or_none()
    return _partition_info(row) if row is not None else None


# --- one DAG: a row per gate, a cell per DAG run -------------------------------------------------


@dataclass(frozen=True)
class GridCell:
    status: str
    gate_run_id: int
    try_number: int
    map_indexes: int  # how many mapped instances the cell sums up (1 when not mapped)
    dataset: str
    partition_key: str
    problems: int
    action: str | None = None
    mode: str | None = None


@dataclass(frozen=True)
class DagGrid:
    run_ids: list[str]  # oldest first, as in Airflow's grid
    run_started: dict[str, dt.datetime]
    gates: list[str]  # task ids
    cells: dict[tuple[str, str], GridCell]  # (task_id, run_id) -> cell
    older_cursor: str | None  # pass as ``before`` for older runs
    gate_kinds: dict[str, str] = field(default_factory=dict)
    datasets: dict[str, str] = field(default_factory=dict)


def dag_grid(engine: Engine, dag_id: str, *, runs: int = 25, before: dt.datetime | None = None) -> DagGrid:
    with Session(engine) as session:
        recent = _recent_run_ids(session, dag_id, runs + 1, before)
        more = len(recent) > runs
        recent = recent[:runs]
        rows = (
            session.execute(
                select(
                    GateRunRow.id,
                    GateRunRow.task_id,
                    GateRunRow.run_id,
                    GateRunRow.map_index,
                    GateRunRow.try_number,
                    GateRunRow.status,
                    GateRunRow.started_at,
                    GateRunRow.gate,
                    GateRunRow.dataset,
                    GateRunRow.partition_key,
                    GateRunRow.summary,
                    GateRunRow.action,
                    GateRunRow.mode,
                )
                .where(GateRunRow.dag_id == dag_id, GateRunRow.run_id.in_([r for r, _ in recent]))
                .order_by(GateRunRow.try_number)
            ).all()
            if recent
            else []
        )
    latest: dict[tuple[str, str, int], Any] = {}
    for row in rows:  # ordered by try: the last one wins
        latest[(row.task_id, row.run_id, row.map_index)] = row
    cells: dict[tuple[str, str], GridCell] = {}
    kinds: dict[str, str] = {}
    datasets: dict[str, str] = {}
    rank = {s: i for i, s in enumerate(reversed(STATUS_ORDER))}
    for (task_id, run_id, _), row in sorted(latest.items(), key=lambda kv: kv[0][2]):
        kinds[task_id], datasets[task_id] = row.gate, row.dataset
        problems = sum(v for k, v in ((row.summary or {}).get("counts") or {}).items() if k != "passed")
        previous = cells.get((task_id, run_id))
        if previous is None:
            cells[(task_id, run_id)] = GridCell(
                row.status, row.id, row.try_number, 1, row.dataset, row.partition_key, problems, row.action, row.mode
            )
        else:
            worse = row if rank.get(row.status, 0) > rank.get(previous.status, 0) else None
            cells[(task_id, run_id)] = GridCell(
                worse.status if worse else previous.status,
                worse.id if worse else previous.gate_run_id,
                worse.try_number if worse else previous.try_number,
                previous.map_indexes + 1,
                previous.dataset,
                previous.partition_key,
                previous.problems + problems,
                worse.action if worse else previous.action,
                worse.mode if worse else previous.mode,
            )
    started = dict(recent)
    order = sorted(started, key=lambda r: started[r])
    gates = sorted(kinds)
    older = as_utc(recent[-1][1]).isoformat() if more and recent else None
    return DagGrid(order, {r: as_utc(started[r]) for r in order}, gates, cells, older, kinds, datasets)


def _recent_run_ids(session: Session, dag_id: str, wanted: int, before: dt.datetime | None) -> list[tuple[str, dt.datetime]]:
    """The ``wanted`` most recent DAG runs with gate runs, newest first by their first gate run's start.

    Pages on that first start, a key that does not move: a DAG run whose gate runs interleave
    with another's (a task cleared and re-run days later) is neither skipped nor repeated.
    One aggregate over the DAG's gate runs (the (dag_id, run_id) index).
    """
    first = func.min(GateRunRow.started_at).label("first_started")
    query = select(GateRunRow.run_id, first).where(GateRunRow.dag_id == dag_id).group_by(GateRunRow.run_id)
    if before is not None:
        query = query.having(first < as_utc(before))
    rows = session.execute(query.order_by(desc(first), desc(GateRunRow.run_id)).limit(wanted)).all()
    return [(run_id, started) for run_id, started in rows]


# --- one dataset: partitions and metric series ----------------------------------------------------


@dataclass(frozen=True)
class PartitionInfo:
    partition_key: str
    baseline_status: str
    row_count: int
    profiled_at: dt.datetime
    gate_run_id: int | None
    dag_id: str | None
    task_id: str | None
    run_id: str | None
    map_index: int | None
    status_changed_by: str | None
    status_changed_at: dt.datetime | None
    status_note: str | None
    action: str | None = None  # what the gate run that profiled it did to the pipeline
    mode: str | None = None


def _partition_query():
    return select(
        PartitionRow.partition_key,
        PartitionRow.baseline_status,
        PartitionRow.row_count,
        PartitionRow.profiled_at,
        PartitionRow.gate_run_id,
        GateRunRow.dag_id,
        GateRunRow.task_id,
        GateRunRow.run_id,
        GateRunRow.map_index,
        PartitionRow.status_changed_by,
        PartitionRow.status_changed_at,
        PartitionRow.status_note,
        GateRunRow.action,
        GateRunRow.mode,
    ).outerjoin(GateRunRow, GateRunRow.id == PartitionRow.gate_run_id)


def _partition_info(row) -> PartitionInfo:
    return PartitionInfo(
        row.partition_key,
        row.baseline_status,
        int(row.row_count),
        as_utc(row.profiled_at),
        row.gate_run_id,
        row.dag_id,
        row.task_id,
        row.run_id,
        row.map_index,
        row.status_changed_by,
        as_utc(row.status_changed_at) if row.status_changed_at else None,
        row.status_note,
        row.action,
        row.mode,
    )


def dataset_partitions(engine: Engine, dataset: str, readable: Collection[str], *, include_unowned: bool) -> list[PartitionInfo]:
    """Profiled partitions of a dataset in key order. Partitions written by gate runs of DAGs the
    caller cannot read are left out; partitions recorded without a gate run (backtests) are
    included when ``include_unowned``."""
    owned = GateRunRow.dag_id.in_(sorted(readable))
    query = (
        _partition_query()
        .where(
            PartitionRow.dataset == dataset,
            or_(PartitionRow.gate_run_id.is_(None), owned) if include_unowned else owned,
        )
        .order_by(PartitionRow.partition_key)
    )
    with Session(engine) as session:
        return [_partition_info(row) for row in session.execute(query)]


def partition(engine: Engine, dataset: str, partition_key: str) -> PartitionInfo | None:
    with Session(engine) as session:
        row = session.execute(
            _partition_query().where(PartitionRow.dataset == dataset, PartitionRow.partition_key == partition_key)
        ).one_or_none()
    return _partition_info(row) if row is not None else None


def dataset_columns(engine: Engine, dataset: str, partition_keys: Sequence[str]) -> list[str]:
    """Columns profiled in the given partitions of a dataset ("*" for partition-level metrics)."""
    if not partition_keys:
        return []
    with Session(engine) as session:
        columns = session.scalars(
            select(PartitionProfileRow.column_name)
            .where(PartitionProfileRow.dataset == dataset, PartitionProfileRow.partition_key.in_(list(partition_keys)))
            .distinct()
        ).all()
    return sorted(columns, key=lambda c: (c != "*", c))


def metric_series(engine: Engine, dataset: str, column: str, partition_keys: Sequence[str]) -> dict[str, list[float | None]]:
    """{metric: value per partition key (None where not profiled)}, aligned with ``partition_keys``."""
    position = {key: i for i, key in enumerate(partition_keys)}
    series: dict[str, list[float | None]] = {}
    with Session(engine) as session:
        rows = session.execute(
            select(PartitionProfileRow.partition_key, PartitionProfileRow.metric, PartitionProfileRow.value).where(
                PartitionProfileRow.dataset == dataset, PartitionProfileRow.column_name == column
            )
        )
        for key, metric, value in rows:
            i = position.get(key)
            if i is None:  # a partition the caller may not see
                continue
            series.setdefault(metric, [None] * len(partition_keys))[i] = value
    return series
