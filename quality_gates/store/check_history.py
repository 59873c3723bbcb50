"""Earlier results of one check, read back from the store (e.g. the newest timestamp a freshness
gate saw in the previous partition): what a check remembers lives in its recorded details."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, desc, select
from sqlalchemy.exc import SQLAlchemyError

from quality_gates.checks.errors import StoreUnavailableError
from quality_gates.store.models import CheckResultRow, GateRunRow


@dataclass(frozen=True)
class EarlierCheck:
    partition_key: str
    gate_run_id: int
    details: dict[str, Any]


def latest_check_before(
    engine: Engine, *, dataset: str, gate: str, check_name: str, before_partition: str, column: str | None = None
) -> EarlierCheck | None:
    """The most recent recorded result of ``check_name`` for a partition sorting before ``before_partition``."""
    query = (
        select(GateRunRow.partition_key, GateRunRow.id, CheckResultRow.details)
        .join(CheckResultRow, CheckResultRow.gate_run_id == GateRunRow.id)
        .where(
            GateRunRow.dataset == dataset,
            GateRunRow.gate == gate,
            GateRunRow.partition_key < before_partition,
            CheckResultRow.check_name == check_name,
        )
        .order_by(desc(GateRunRow.partition_key), desc(GateRunRow.started_at), desc(GateRunRow.id))
        .limit(1)
    )
    if column is not None:
        query = query.where(CheckResultRow.column_name == column)
    try:
        with engine.connect() as connection:
            row = connection.execute(query).first()
    except SQLAlchemyError as exc:
        raise StoreUnavailableError(f"could not read earlier {check_name} results of {dataset}: {exc}") from exc
    if row is None:
        return None
    details = row.details
    if isinstance(details, str):  # SQLite without JSON type coercion on raw selects
        import json

        details = json.loads(details)
    return EarlierCheck(row.partition_key, row.id, dict(details or {}))
