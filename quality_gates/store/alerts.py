"""Alert state per gate and dataset: alert on a change of state, count what was held back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from quality_gates.checks.results import Status
from quality_gates.store.models import AlertStateRow

ALERT, RECOVERY, SUPPRESS, NOTHING = "alert", "recovery", "suppress", "nothing"


@dataclass(frozen=True)
class AlertDecision:
    action: str  # alert | recovery | suppress | nothing
    reason: str
    suppressed_before: int = 0


class AlertStates:
    def __init__(self, engine: Engine):
        self.engine = engine

    def decide(
        self, dag_id: str, task_id: str, dataset: str, status: Status, gate_run_id: int, *, on_change_only: bool = True
    ) -> AlertDecision:
        """Decide and record in one transaction, so that one gate run is announced once however
        many callbacks (failure, success, warning) call the notifier."""
        now = dt.datetime.now(dt.UTC)
        key = {"dag_id": dag_id, "task_id": task_id, "dataset": dataset}
        with Session(self.engine) as session, session.begin():
            # Insert first: a SELECT ... FOR UPDATE locks nothing while the row does not exist, so two
            # first decisions would both insert and one would fail. The upsert also takes SQLite's
            # write lock before anything is read, so no racer decides on a stale state.
            created = session.execute(
                _insert(self.engine)(AlertStateRow)
                .values(**key, last_status=status.value, suppressed_count=0, updated_at=now)
                .on_conflict_do_nothing(index_elements=list(key))
                .returning(AlertStateRow.id)
            ).scalar_one_or_none()
            query = select(AlertStateRow).where(*(getattr(AlertStateRow, column) == value for column, value in key.items()))
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update()
            state = session.scalars(query).one()
            if created is None and state.last_gate_run_id == gate_run_id:
                return AlertDecision(NOTHING, "this gate run was already handled")
            previous = None if created is not None else Status(state.last_status)
            decision = _decide(previous, status, on_change_only, state.suppressed_count or 0)
            state.last_status, state.last_gate_run_id, state.updated_at = status.value, gate_run_id, now
            if decision.action in (ALERT, RECOVERY):
                state.alerted_at, state.suppressed_count = now, 0
            elif decision.action == SUPPRESS:
                state.suppressed_count = (state.suppressed_count or 0) + 1
        return decision

    def suppressed(self, dag_id: str, task_id: str, dataset: str) -> int:
        with Session(self.engine) as session:
            count = session.scalar(
                select(AlertStateRow.suppressed_count).where(
                    AlertStateRow.dag_id == dag_id, AlertStateRow.task_id == task_id, AlertStateRow.dataset == dataset
                )
            )
        return int(count or 0)


def _insert(engine: Engine):
    """The dialect's INSERT, which has ON CONFLICT (both stores support it)."""
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


def _decide(previous: Status | None, status: Status, on_change_only: bool, suppressed: int) -> AlertDecision:
    healthy = status is Status.PASSED
    if healthy:
        if previous is not None and previous is not Status.PASSED:
            return AlertDecision(RECOVERY, f"recovered after {previous.value}", suppressed)
        return AlertDecision(NOTHING, "passed")
    if not on_change_only or previous != status:
        return AlertDecision(
            ALERT, "first " + status.value if previous in (None, Status.PASSED) else f"{previous.value} → {status.value}", suppressed
        )
    return AlertDecision(SUPPRESS, f"still {status.value}: alerted when it started")
