"""The results store: writes gate results and reads them back as the same result model."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Engine, delete, desc, insert, select
from sqlalchemy.orm import Session

from quality_gates.checks.artifacts import Artifact
from quality_gates.checks.errors import QualityGateError, StoreUnavailableError, StoreValueError
from quality_gates.checks.json_safe import truncate
from quality_gates.checks.results import CheckResult, GateAction, GateMode, GateResult, RunIdentity, Severity, Status
from quality_gates.checks.values import as_utc
from quality_gates.store import migrate
from quality_gates.store.alert_deliveries import AlertDeliveries
from quality_gates.store.alerts import AlertStates
from quality_gates.store.artifacts import write_artifact
from quality_gates.store.engine import StoreTimeouts, engine_for
from quality_gates.store.model_baselines import ModelBaselines
from quality_gates.store.models import CheckResultRow, GateRunRow
from quality_gates.store.partitions import PartitionStore
from quality_gates.store.references import ReferenceStore
from quality_gates.store.sqlite_migrate import FirstUseLockTimeout, first_use_lock
from quality_gates.store.transactions import database_errors, location, writing

__all__ = ["ResultStore", "StoreUnavailableError", "StoredGateRun"]  # StoreUnavailableError: its old import path

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2000

_migrated: set[str] = set()
_migrate_lock = threading.Lock()


@dataclass(frozen=True)
class StoredGateRun:
    id: int
    identity: RunIdentity
    result: GateResult


class ResultStore:
    def __init__(self, engine: Engine, timeouts: StoreTimeouts = StoreTimeouts()):
        self.engine = engine
        self.timeouts = timeouts

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = True, timeouts: StoreTimeouts = StoreTimeouts()) -> ResultStore:
        store = cls(engine_for(url, timeouts), timeouts)
        if migrate_schema:
            store.ensure_schema()
        return store

    @property
    def partitions(self) -> PartitionStore:
        """Partition profiles and their baseline status (anomaly detection history)."""
        return PartitionStore(self.engine)

    @property
    def model_baselines(self) -> ModelBaselines:
        """Metrics of deployed models, the baseline of model gates."""
        return ModelBaselines(self.engine)

    @property
    def references(self) -> ReferenceStore:
        """Reference profiles (training data) that drift gates compare with."""
        return ReferenceStore(self.engine)

    @property
    def alert_states(self) -> AlertStates:
        """What was last announced per gate and dataset (alerts on changes only)."""
        return AlertStates(self.engine)

    @property
    def alert_deliveries(self) -> AlertDeliveries:
        """Every alert's delivery through every channel: delivered or not, attempts, error."""
        return AlertDeliveries(self.engine)

    @property
    def location(self) -> str:
        return location(self.engine)

    def ensure_schema(self) -> None:
        """Apply pending migrations once per process (first use creates the tables)."""
        key = self.location
        if key in _migrated:
            return
        with _migrate_lock:
            # Serialised across processes: an SQLite file lock, then BEGIN IMMEDIATE; PostgreSQL's advisory lock.
            try:
                with database_errors(self.engine, "bring its tables up to date"), first_use_lock(self.engine, self.timeouts):
                    if migrate.current_revision(self.engine) != migrate.head_revision():
                        migrate.upgrade(self.engine, timeouts=self.timeouts)
            except FirstUseLockTimeout as exc:
                raise StoreUnavailableError(f"results store {key} is unavailable: {exc}") from exc
            _migrated.add(key)

    def record(self, identity: RunIdentity, result: GateResult, artifacts: Sequence[Artifact] = ()) -> int:
        """Write one gate run, all its checks and its artifacts in one transaction; a re-executed
        try replaces its rows.

        When the artifacts cannot be kept (a concurrent save of the same partition, the store going
        away mid-write) or the store refuses a value, nothing of the verdict is kept: the try is
        recorded as an ``error`` (when the store still answers) and the error is raised.
        """
        try:
            with writing(self.engine, f"write the results of {identity.dag_id}.{identity.task_id}") as session:
                gate_run_id = self._write_run(session, identity, result)
                for artifact in artifacts:
                    log.info("Kept %s", write_artifact(artifact, self.engine, session, gate_run_id, identity, result))
        except QualityGateError as exc:
            refused = isinstance(exc, StoreValueError)
            if not artifacts and not refused:
                raise
            failed = replace(
                result,
                checks=() if refused else result.checks,
                action=GateAction.BLOCKED,
                error=f"the verdict ({result.status.value}) was not kept: {exc}",
            )
            with writing(self.engine, f"record the error of {identity.dag_id}.{identity.task_id}") as session:
                self._write_run(session, identity, failed)
            raise
        return gate_run_id

    @staticmethod
    def _write_run(session: Session, identity: RunIdentity, result: GateResult) -> int:
        run_values = {
            "dag_id": identity.dag_id,
            "task_id": identity.task_id,
            "run_id": identity.run_id,
            "map_index": identity.map_index,
            "try_number": identity.try_number,
            "dataset": result.dataset,
            "partition_key": result.partition_key,
            "gate": str(result.gate),
            "status": result.status.value,
            "started_at": result.started_at,
            "finished_at": result.finished_at,
            "row_count": result.row_count,
            "summary": result.summary(),
            "mode": None if result.mode is None else result.mode.value,
            "action": None if result.action is None else result.action.value,
        }
        previous = select(GateRunRow.id).where(*_identity_filter(identity)).scalar_subquery()
        session.execute(delete(CheckResultRow).where(CheckResultRow.gate_run_id.in_(previous)))
        session.execute(delete(GateRunRow).where(*_identity_filter(identity)))
        gate_run_id = session.execute(insert(GateRunRow).values(run_values).returning(GateRunRow.id)).scalar_one()
        if result.checks:
            session.execute(insert(CheckResultRow), [_check_row(gate_run_id, c) for c in result.checks])
        return gate_run_id

    def get(self, gate_run_id: int) -> StoredGateRun | None:
        with Session(self.engine) as session:
            run = session.get(GateRunRow, gate_run_id)
            return self._load(session, run) if run is not None else None

    def find(self, identity: RunIdentity) -> StoredGateRun | None:
        with Session(self.engine) as session:
            run = session.scalars(select(GateRunRow).where(*_identity_filter(identity))).one_or_none()
            return self._load(session, run) if run is not None else None

    def recent(self, *, dag_id: str | None = None, run_id: str | None = None, limit: int = 50) -> list[StoredGateRun]:
        query = select(GateRunRow).order_by(desc(GateRunRow.started_at), desc(GateRunRow.id)).limit(limit)
        if dag_id is not None:
            query = query.where(GateRunRow.dag_id == dag_id)
        if run_id is not None:
            query = query.where(GateRunRow.run_id == run_id)
        with Session(self.engine) as session:
            return [self._load(session, run) for run in session.scalars(query)]

    @staticmethod
    def _load(session: Session, run: GateRunRow) -> StoredGateRun:
        rows: Sequence[CheckResultRow] = session.scalars(
            select(CheckResultRow).where(CheckResultRow.gate_run_id == run.id).order_by(CheckResultRow.id)
        ).all()
        checks = tuple(
            CheckResult(r.check_name, r.column_name, Status(r.status), Severity(r.severity), r.observed, r.expected, r.details)
            for r in rows
        )
        identity = RunIdentity(run.dag_id, run.task_id, run.run_id, run.map_index, run.try_number)
        result = GateResult(
            gate=run.gate,
            dataset=run.dataset,
            partition_key=run.partition_key,
            checks=checks,
            row_count=run.row_count,
            started_at=as_utc(run.started_at),
            finished_at=as_utc(run.finished_at),
            error=(run.summary or {}).get("error"),
            mode=GateMode(run.mode) if run.mode else None,
            action=GateAction(run.action) if run.action else None,
        )
        return StoredGateRun(run.id, identity, result)


def _identity_filter(identity: RunIdentity):
    return (
        GateRunRow.dag_id == identity.dag_id,
        GateRunRow.task_id == identity.task_id,
        GateRunRow.run_id == identity.run_id,
        GateRunRow.map_index == identity.map_index,
        GateRunRow.try_number == identity.try_number,
    )


def _check_row(gate_run_id: int, check: CheckResult) -> dict:
    return {
        "gate_run_id": gate_run_id,
        "check_name": truncate(check.check_name, 200),
        "column_name": check.column,
        "status": check.status.value,
        "severity": check.severity.value,
        "observed": None if check.observed is None else truncate(check.observed, MAX_TEXT_CHARS),
        "expected": None if check.expected is None else truncate(check.expected, MAX_TEXT_CHARS),
        "details": dict(check.details),
    }
