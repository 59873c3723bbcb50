"""Metrics of deployed models: the production baseline model gates compare candidates with."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, desc, insert, select
from sqlalchemy.orm import Session

from quality_gates.checks.errors import PromotionError
from quality_gates.checks.results import CheckKind, GateResult, Status
from quality_gates.checks.values import as_utc, finite_or_none
from quality_gates.store.models import ModelBaselineRow
from quality_gates.store.transactions import reading, writing

PROMOTABLE_STATUSES = (Status.PASSED, Status.WARNED)


@dataclass(frozen=True)
class BaselineMetric:
    metric: str
    slice_key: str
    value: float
    ci_low: float | None
    ci_high: float | None
    rows: int


@dataclass(frozen=True)
class ProductionBaseline:
    model: str
    version: str
    promoted_at: dt.datetime
    metrics: dict[tuple[str, str], BaselineMetric]  # (metric, slice) → value

    def get(self, metric: str, slice_key: str) -> BaselineMetric | None:
        return self.metrics.get((metric, slice_key))


class ModelBaselines:
    def __init__(self, engine: Engine):
        self.engine = engine

    def promote(
        self,
        model: str,
        version: str,
        metrics: Iterable[BaselineMetric],
        *,
        gate_run_id: int | None = None,
        by: str | None = None,
        session: Session | None = None,
    ) -> int:
        """Record a deployed model's metrics as the production baseline; returns how many. Inside
        ``session``'s transaction when given (the gate run's own)."""
        rows = [
            {
                "model": model,
                "version": version,
                "metric": m.metric,
                "slice_key": m.slice_key,
                "value": float(m.value),
                "ci_low": finite_or_none(m.ci_low),
                "ci_high": finite_or_none(m.ci_high),
                "rows": int(m.rows),
                "gate_run_id": gate_run_id,
                "promoted_at": dt.datetime.now(dt.UTC),
                "promoted_by": by,
            }
            for m in metrics
            if m.value is not None and math.isfinite(m.value)
        ]
        if not rows:
            raise PromotionError(f"nothing to promote for model {model!r}: no metric with a value")
        with writing(self.engine, f"record the baseline of model {model!r}", session) as session:
            session.execute(delete(ModelBaselineRow).where(ModelBaselineRow.model == model, ModelBaselineRow.version == version))
            session.execute(insert(ModelBaselineRow), rows)
        return len(rows)

    def promote_gate_run(self, stored_run, *, version: str, by: str | None = None) -> int:
        """Promote the metrics a model gate recorded (a ``StoredGateRun``) for its model."""
        return self.promote_result(stored_run.id, stored_run.result, version=version, by=by)

    def promote_result(
        self, gate_run_id: int, result: GateResult, *, version: str, by: str | None = None, session: Session | None = None
    ) -> int:
        """Promote the metrics of a model gate's result (recorded as ``gate_run_id``) for its model."""
        if result.status not in PROMOTABLE_STATUSES:
            raise PromotionError(
                f"gate run {gate_run_id} of model {result.dataset!r} is {result.status.value}: a blocked model cannot become the baseline"
            )
        metrics = [
            BaselineMetric(
                c.details["metric"],
                c.details["slice"],
                c.details["value"],
                c.details.get("ci_low"),
                c.details.get("ci_high"),
                c.details.get("n", 0),
            )
            for c in result.checks
            if c.kind is CheckKind.MODEL_METRIC and c.details.get("value") is not None
        ]
        return self.promote(result.dataset, version, metrics, gate_run_id=gate_run_id, by=by, session=session)

    def current(self, model: str) -> ProductionBaseline | None:
        """The most recently promoted version of ``model``, or None before the first deployment."""
        with reading(self.engine, f"read the baseline of model {model!r}") as session:
            latest = session.execute(
                select(ModelBaselineRow.version, ModelBaselineRow.promoted_at)
                .where(ModelBaselineRow.model == model)
                .order_by(desc(ModelBaselineRow.promoted_at), desc(ModelBaselineRow.id))
                .limit(1)
            ).first()
            if latest is None:
                return None
            rows = session.scalars(
                select(ModelBaselineRow).where(ModelBaselineRow.model == model, ModelBaselineRow.version == latest.version)
            ).all()
        metrics = {(r.metric, r.slice_key): BaselineMetric(r.metric, r.slice_key, r.value, r.ci_low, r.ci_high, r.rows) for r in rows}
        return ProductionBaseline(model, latest.version, as_utc(latest.promoted_at), metrics)
