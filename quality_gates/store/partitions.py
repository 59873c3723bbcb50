"""Profiled partitions: the history anomaly detection compares with, and its baseline status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Engine, delete, desc, insert, select, update
from sqlalchemy.orm import Session

from quality_gates.checks.profiles.model import PartitionProfile
from quality_gates.checks.profiles.serialize import profile_from_json, profile_to_json
from quality_gates.checks.results import BaselineStatus
from quality_gates.checks.values import finite_or_none
from quality_gates.store.models import PartitionProfileRow, PartitionRow
from quality_gates.store.transactions import reading, writing

IN_BASELINE = tuple(s for s in BaselineStatus if s.in_baseline)


class PartitionStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def save(
        self,
        dataset: str,
        partition_key: str,
        profile: PartitionProfile,
        *,
        anomalous: bool,
        gate_run_id: int | None = None,
        session: Session | None = None,
    ) -> BaselineStatus:
        """Store (or replace) a partition's profile; returns its baseline status. Inside ``session``'s
        transaction when given (the gate run's own), else in a transaction of its own.

        A flagged partition stays out of the baseline. A partition a person marked as a false
        alarm stays in it when re-run and flagged again; any other re-run takes the new verdict.
        """
        profile = profile.with_key(partition_key)
        with writing(self.engine, f"write the profile of {dataset} [{partition_key}]", session) as session:
            previous = session.scalars(select(PartitionRow.baseline_status).where(*_key(dataset, partition_key))).one_or_none()
            status = BaselineStatus.EXCLUDED if anomalous else BaselineStatus.INCLUDED
            if anomalous and previous == BaselineStatus.FALSE_ALARM:
                status = BaselineStatus.FALSE_ALARM
            session.execute(
                delete(PartitionProfileRow).where(
                    PartitionProfileRow.dataset == dataset, PartitionProfileRow.partition_key == partition_key
                )
            )
            session.execute(delete(PartitionRow).where(*_key(dataset, partition_key)))
            partition_id = session.execute(
                insert(PartitionRow)
                .values(
                    dataset=dataset,
                    partition_key=partition_key,
                    gate_run_id=gate_run_id,
                    baseline_status=status.value,
                    row_count=profile.row_count,
                    profile=profile_to_json(profile),
                    profiled_at=dt.datetime.now(dt.UTC),
                )
                .returning(PartitionRow.id)
            ).scalar_one()
            rows = [
                {
                    "partition_id": partition_id,
                    "dataset": dataset,
                    "partition_key": partition_key,
                    "column_name": column,
                    "metric": metric,
                    "value": finite_or_none(value),
                }
                for column, metric, value in profile.metric_items()
            ]
            if rows:
                session.execute(insert(PartitionProfileRow), rows)
        return status

    def history(self, dataset: str, before: str | None = None, limit: int = 30) -> list[PartitionProfile]:
        """Baseline partitions of a dataset that sort before ``before``, oldest first."""
        query = (
            select(PartitionRow.profile, PartitionRow.partition_key)
            .where(PartitionRow.dataset == dataset, PartitionRow.baseline_status.in_(IN_BASELINE))
            .order_by(desc(PartitionRow.partition_key))
            .limit(limit)
        )
        if before is not None:
            query = query.where(PartitionRow.partition_key < before)
        with reading(self.engine, f"read the history of {dataset}") as session:
            rows = session.execute(query).all()
        return [profile_from_json(profile).with_key(key) for profile, key in reversed(rows)]

    def set_baseline_status(self, dataset: str, partition_key: str, status: str, *, by: str, note: str | None = None) -> None:
        try:
            status = BaselineStatus(status)
        except ValueError:
            raise ValueError(f"baseline status must be one of {', '.join(BaselineStatus)}, not {status!r}") from None
        with writing(self.engine, f"mark {dataset} [{partition_key}] {status.value}") as session:
            changed = session.execute(  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
                update(PartitionRow)
                .where(*_key(dataset, partition_key))
                .values(baseline_status=status.value, status_changed_by=by, status_changed_at=dt.datetime.now(dt.UTC), status_note=note)
            ).rowcount
        if not changed:
            raise LookupError(f"no profiled partition {partition_key!r} of dataset {dataset!r}")

    def statuses(self, dataset: str) -> dict[str, str]:
        with reading(self.engine, f"read the baseline statuses of {dataset}") as session:
            rows = session.execute(
                select(PartitionRow.partition_key, PartitionRow.baseline_status).where(PartitionRow.dataset == dataset)
            ).all()
        return dict(rows)


def _key(dataset: str, partition_key: str) -> Sequence:
    return (PartitionRow.dataset == dataset, PartitionRow.partition_key == partition_key)
