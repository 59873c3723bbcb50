"""Retention: delete old gate runs and their check results, never what gates still use.

Kept whatever their age: the partitions inside each dataset's baseline window (the newest
``baseline_window`` partitions in the baseline, what anomaly gates compare with) and the gate
runs that produced them; the gate runs behind each model's production baseline; every
reference profile and model baseline (one row per version, small, and a drift or model gate
may pin any version). Deletes run in small batches, each its own short transaction, so gates
writing to the store at the same time are never locked out; each batch re-checks the age at
delete time, so a run that was re-recorded meanwhile is not removed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, delete, desc, func, select, update

from quality_gates.store.models import (
    CheckResultRow,
    GateRunRow,
    ModelBaselineRow,
    PartitionProfileRow,
    PartitionRow,
)
from quality_gates.store.partitions import IN_BASELINE

DEFAULT_BASELINE_WINDOW = 30  # PartitionAnomalyGateOperator's default history
DEFAULT_BATCH_SIZE = 500


@dataclass
class PrunePlan:
    cutoff: dt.datetime
    baseline_window: int
    gate_run_ids: list[int] = field(default_factory=list)
    partition_ids: list[int] = field(default_factory=list)
    check_results: int = 0
    run_datasets: dict[int, str] = field(default_factory=dict)
    partition_datasets: dict[int, str] = field(default_factory=dict)
    kept_in_baseline_window: int = 0
    kept_for_production_models: int = 0

    def describe(self, *, done: bool) -> list[str]:
        verb = "removed" if done else "would remove"
        lines = [
            f"{verb} {len(self.gate_run_ids):,} gate run(s) and {self.check_results:,} check result(s) started before {self.cutoff.isoformat()}",
            *(f"  {dataset}: {count:,} gate run(s)" for dataset, count in sorted(Counter(self.run_datasets.values()).items())),
            f"{verb} {len(self.partition_ids):,} partition profile(s) outside the baseline windows",
            *(f"  {dataset}: {count:,} partition(s)" for dataset, count in sorted(Counter(self.partition_datasets.values()).items())),
            (
                f"kept {self.kept_in_baseline_window:,} old gate run(s) of partitions inside a baseline window "
                f"(newest {self.baseline_window} baseline partitions per dataset) and "
                f"{self.kept_for_production_models:,} behind a production model baseline; reference profiles and model baselines are kept"
            ),
        ]
        return lines


def parse_age(text: str) -> dt.timedelta:
    """``180d``, ``12h``, ``30m``, ``2w`` → a timedelta."""
    units = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not number.isdigit() or int(number) <= 0:
        raise ValueError(f"--older-than {text!r}: give a positive number with a unit, e.g. 180d, 12h, 2w (units: w, d, h, m)")
    return dt.timedelta(**{units[unit]: int(number)})


def _window_partitions(baseline_window: int):
    """(partition id, dataset, key, gate_run_id) of the newest baseline partitions of every dataset."""
    rank = func.row_number().over(partition_by=PartitionRow.dataset, order_by=desc(PartitionRow.partition_key)).label("rank")
    ranked = (
        select(PartitionRow.id, PartitionRow.dataset, PartitionRow.partition_key, PartitionRow.gate_run_id, rank)
        .where(PartitionRow.baseline_status.in_(IN_BASELINE))
        .subquery()
    )
    return select(ranked.c.id, ranked.c.dataset, ranked.c.partition_key, ranked.c.gate_run_id).where(ranked.c.rank <= baseline_window)


def _production_gate_runs(connection) -> set[int]:
    latest = (
        select(ModelBaselineRow.model, func.max(ModelBaselineRow.promoted_at).label("promoted_at"))
        .group_by(ModelBaselineRow.model)
        .subquery()
    )
    rows = connection.execute(
        select(ModelBaselineRow.gate_run_id)
        .join(latest, (ModelBaselineRow.model == latest.c.model) & (ModelBaselineRow.promoted_at == latest.c.promoted_at))
        .where(ModelBaselineRow.gate_run_id.is_not(None))
    ).scalars()
    return set(rows)


def plan_prune(
    engine: Engine, older_than: dt.timedelta, *, baseline_window: int = DEFAULT_BASELINE_WINDOW, now: dt.datetime | None = None
) -> PrunePlan:
    cutoff = (now or dt.datetime.now(dt.UTC)) - older_than
    plan = PrunePlan(cutoff, baseline_window)
    with engine.connect() as connection:
        window = connection.execute(_window_partitions(baseline_window)).all()
        in_window = {(r.dataset, r.partition_key) for r in window}
        window_ids = {r.id for r in window}
        protected_runs = {r.gate_run_id for r in window if r.gate_run_id is not None}
        production = _production_gate_runs(connection)
        old_runs = connection.execute(
            select(GateRunRow.id, GateRunRow.dataset, GateRunRow.partition_key).where(GateRunRow.started_at < cutoff)
        ).all()
        for run in old_runs:
            if (run.dataset, run.partition_key) in in_window or run.id in protected_runs:
                plan.kept_in_baseline_window += 1
            elif run.id in production:
                plan.kept_for_production_models += 1
            else:
                plan.gate_run_ids.append(run.id)
                plan.run_datasets[run.id] = run.dataset
        for batch in _batches(plan.gate_run_ids, DEFAULT_BATCH_SIZE):
            plan.check_results += connection.execute(
                select(func.count()).select_from(CheckResultRow).where(CheckResultRow.gate_run_id.in_(batch))
            ).scalar_one()
        for row in connection.execute(select(PartitionRow.id, PartitionRow.dataset).where(PartitionRow.profiled_at < cutoff)).all():
            if row.id not in window_ids:
                plan.partition_ids.append(row.id)
                plan.partition_datasets[row.id] = row.dataset
    return plan


def execute_prune(engine: Engine, plan: PrunePlan, *, batch_size: int = DEFAULT_BATCH_SIZE) -> PrunePlan:
    """Delete what the plan lists, batch by batch; returns the plan with what was really removed."""
    removed_runs: list[int] = []
    check_results = 0
    for batch in _batches(plan.gate_run_ids, batch_size):
        with engine.begin() as connection:
            # Re-check the age at delete time: only runs still old are removed.
            still_old = list(
                connection.execute(select(GateRunRow.id).where(GateRunRow.id.in_(batch), GateRunRow.started_at < plan.cutoff)).scalars()
            )
            if not still_old:
                continue
            check_results += connection.execute(delete(CheckResultRow).where(CheckResultRow.gate_run_id.in_(still_old))).rowcount
            connection.execute(update(PartitionRow).where(PartitionRow.gate_run_id.in_(still_old)).values(gate_run_id=None))
            connection.execute(update(ModelBaselineRow).where(ModelBaselineRow.gate_run_id.in_(still_old)).values(gate_run_id=None))
            connection.execute(delete(GateRunRow).where(GateRunRow.id.in_(still_old)))
            removed_runs.extend(still_old)
    removed_partitions: list[int] = []
    for batch in _batches(plan.partition_ids, batch_size):
        with engine.begin() as connection:
            still_old = list(
                connection.execute(
                    select(PartitionRow.id).where(PartitionRow.id.in_(batch), PartitionRow.profiled_at < plan.cutoff)
                ).scalars()
            )
            connection.execute(delete(PartitionProfileRow).where(PartitionProfileRow.partition_id.in_(still_old)))
            connection.execute(delete(PartitionRow).where(PartitionRow.id.in_(still_old)))
            removed_partitions.extend(still_old)
    plan.gate_run_ids, plan.check_results, plan.partition_ids = removed_runs, check_results, removed_partitions
    plan.run_datasets = {i: plan.run_datasets[i] for i in removed_runs}
    plan.partition_datasets = {i: plan.partition_datasets[i] for i in removed_partitions}
    return plan


def _batches(ids: Sequence[int], size: int):
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])
