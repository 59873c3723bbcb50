"""The delivery log of alerts: which channel was told about which gate run, and what went wrong."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from quality_gates.store.models import AlertDeliveryRow


@dataclass(frozen=True)
class AlertDelivery:
    gate_run_id: int
    channel: str
    event: str  # alert | recovery
    delivered: bool
    attempts: int
    error: str | None
    finished_at: dt.datetime | None = None


class AlertDeliveries:
    def __init__(self, engine: Engine):
        self.engine = engine

    def record(self, delivery: AlertDelivery) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                insert(AlertDeliveryRow).values(
                    gate_run_id=delivery.gate_run_id,
                    channel=delivery.channel[:500],
                    event=delivery.event,
                    delivered=delivery.delivered,
                    attempts=delivery.attempts,
                    error=delivery.error,
                    finished_at=delivery.finished_at or dt.datetime.now(dt.UTC),
                )
            )

    def for_gate_run(self, gate_run_id: int) -> list[AlertDelivery]:
        with Session(self.engine) as session:
            rows = session.scalars(
                select(AlertDeliveryRow).where(AlertDeliveryRow.gate_run_id == gate_run_id).order_by(AlertDeliveryRow.id)
            )
            return [AlertDelivery(r.gate_run_id, r.channel, r.event, r.delivered, r.attempts, r.error, r.finished_at) for r in rows]
