"""Profiled partitions: the history anomaly detection compares with, and its baseline status."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from sqlalchemy import Engine, delete, desc, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from quality_gates.checks.profiles.model import PartitionProfile
from quality_gates.checks.profiles.serialize import profile_from_json, profile_to_json
from quality_gates.store.models import PartitionProfileRow, PartitionRow

INCLUDED, EXCLUDED, CONFIRMED_BAD, FALSE_ALARM = "included", "excluded", "confirmed_bad", "false_alarm"
BASELINE_STATUSES = (INCLUDED, EXCLUDED, CONFIRMED_BAD, FALSE_ALARM)
IN_BASELINE = (INCLUDED, FALSE_ALARM)


class PartitionStore:
    def __init__(self, engine: Engine, unavailable_error: type[Exception]):
        self.engine = engine
        self._unavailable = unavailable_error

    def save(self, dataset: str, partition_key: str, profile: PartitionProfile, *, anomalous: bool, gate_run_id: int | None = None) -> str:
        """Store (or replace) a partition's profile; returns its baseline status.

        A flagged partition stays out of the baseline. A partition a person marked as a false
        alarm stays in it when re-run and flagged again; any other re-run takes the new verdict.
        """
        profile = profile.with_key(partition_key)
        try:
            with Session(self.engine) as session, session.begin():
                previous = session.scalars(select(PartitionRow.baseline_status).where(*_key(dataset, partition_key))).one_or_none()
                status = EXCLUDED if anomalous else INCLUDED
                if anomalous and previous == FALSE_ALARM:
                    status = FALSE_ALARM
                session.execute(delete(PartitionProfileRow).where(PartitionProfileRow.dataset == dataset, PartitionProfileRow.partition_key == partition_key))
                session.execute(delete(PartitionRow).where(*_key(dataset, partition_key)))
                partition_id = session.execute(
                    insert(PartitionRow).values(
                        dataset=dataset, partition_key=partition_key, gate_run_id=gate_run_id, baseline_status=status,
                        row_count=profile.row_count, profile=profile_to_json(profile), profiled_at=dt.datetime.now(dt.UTC),
                    ).returning(PartitionRow.id)
                ).scalar_one()
                rows = [
                    {"partition_id": partition_id, "dataset": dataset, "partition_key": partition_key,
                     "column_name": column, "metric": metric, "value": _number(value)}
                    for column, metric, value in profile.metric_items()
                ]
                if rows:
                    session.execute(insert(PartitionProfileRow), rows)
        except SQLAlchemyError as exc:
            raise self._unavailable(f"could not write the profile of {dataset} [{partition_key}]: {exc}") from exc
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
        try:
            with Session(self.engine) as session:
                rows = session.execute(query).all()
        except SQLAlchemyError as exc:
            raise self._unavailable(f"could not read the history of {dataset}: {exc}") from exc
        return [profile_from_json(profile).with_key(key) for profile, key in reversed(rows)]

    def set_baseline_status(self, dataset: str, partition_key: str, status: str, *, by: str, note: str | None = None) -> None:
        if status not in BASELINE_STATUSES:
            raise ValueError(f"baseline status must be one of {', '.join(BASELINE_STATUSES)}, not {status!r}")
        with Session(self.engine) as session, session.begin():
            changed = session.execute(
                update(PartitionRow).where(*_key(dataset, partition_key)).values(
                    baseline_status=status, status_changed_by=by, status_changed_at=dt.datetime.now(dt.UTC), status_note=note
                )
            ).rowcount
        if not changed:
            raise LookupError(f"no profiled partition {partition_key!r} of dataset {dataset!r}")

    def statuses(self, dataset: str) -> dict[str, str]:
        with Session(self.engine) as session:
            rows = session.execute(select(PartitionRow.partition_key, PartitionRow.baseline_status).where(PartitionRow.dataset == dataset)).all()
        return dict(rows)


def _number(value) -> float | None:
    """A plain float for the driver (numpy scalars are not SQL literals), None for NaN."""
    value = float(value)
    return value if math.isfinite(value) else None


def _key(dataset: str, partition_key: str) -> Sequence:
    return (PartitionRow.dataset == dataset, PartitionRow.partition_key == partition_key)
