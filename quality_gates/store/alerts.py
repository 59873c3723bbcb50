"""Alert state per gate and dataset: alert on a change of state, count what was held back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select
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

    def decide(self, dag_id: str, task_id: str, dataset: str, status: Status, gate_run_id: int, *, on_change_only: bool = True) -> AlertDecision:
        """Decide and record in one transaction, so that one gate run is announced once however
        many callbacks (failure, success, warning) call the notifier."""
        now = dt.datetime.now(dt.UTC)
        with Session(self.engine) as session, session.begin():
            query = select(AlertStateRow).where(
                AlertStateRow.dag_id == dag_id, AlertStateRow.task_id == task_id, AlertStateRow.dataset == dataset
            )
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update()
            state = session.scalars(query).one_or_none()
            if state is not None and state.last_gate_run_id == gate_run_id:
                return AlertDecision(NOTHING, "this gate run was already handled")
            previous = Status(state.last_status) if state is not None else None
            decision = _decide(previous, status, on_change_only, state.suppressed_count if state else 0)
            if state is None:
                state = AlertStateRow(dag_id=dag_id, task_id=task_id, dataset=dataset, suppressed_count=0)
                session.add(state)
            state.last_status, state.last_gate_run_id, state.updated_at = status.value, gate_run_id, now
            if decision.action in (ALERT, RECOVERY):
                state.alerted_at, state.suppressed_count = now, 0
            elif decision.action == SUPPRESS:
                state.suppressed_count = (state.suppressed_count or 0) + 1
        return decision

    def suppressed(self, dag_id: str, task_id: str, dataset: str) -> int:
        with Session(self.engine) as session:
            count = session.scalar(select(AlertStateRow.suppressed_count).where(
                AlertStateRow.dag_id == dag_id, AlertStateRow.task_id == task_id, AlertStateRow.dataset == dataset))
        return int(count or 0)


def _decide(previous: Status | None, status: Status, on_change_only: bool, suppressed: int) -> AlertDecision:
    healthy = status is Status.PASSED
    if healthy:
        if previous is not None and previous is not Status.PASSED:
            return AlertDecision(RECOVERY, f"recovered after {previous.value}", suppressed)
        return AlertDecision(NOTHING, "passed")
    if not on_change_only or previous != status:
        return AlertDecision(ALERT, "first " + status.value if previous in (None, Status.PASSED) else f"{previous.value} → {status.value}", suppressed)
    return AlertDecision(SUPPRESS, f"still {status.value}: alerted when it started")
