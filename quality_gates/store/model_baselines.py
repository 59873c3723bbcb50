"""Metrics of deployed models: the production baseline model gates compare candidates with."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, desc, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from quality_gates.store.models import ModelBaselineRow

METRIC_CHECK_KIND = "model_metric"
PROMOTABLE_STATUSES = ("passed", "warned")


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


class PromotionError(ValueError):
    """The gate run cannot become a baseline (it failed, or measured nothing)."""


class ModelBaselines:
    def __init__(self, engine: Engine, unavailable_error: type[Exception]):
        self.engine = engine
        self._unavailable = unavailable_error

    def promote(self, model: str, version: str, metrics: Iterable[BaselineMetric], *, gate_run_id: int | None = None, by: str | None = None) -> int:
        """Record a deployed model's metrics as the production baseline; returns how many."""
        rows = [
            {"model": model, "version": version, "metric": m.metric, "slice_key": m.slice_key, "value": float(m.value),
             "ci_low": _finite(m.ci_low), "ci_high": _finite(m.ci_high), "rows": int(m.rows), "gate_run_id": gate_run_id,
             "promoted_at": dt.datetime.now(dt.UTC), "promoted_by": by}
            for m in metrics if m.value is not None and math.isfinite(m.value)
        ]
        if not rows:
            raise PromotionError(f"nothing to promote for model {model!r}: no metric with a value")
        try:
            with Session(self.engine) as session, session.begin():
                session.execute(delete(ModelBaselineRow).where(ModelBaselineRow.model == model, ModelBaselineRow.version == version))
                session.execute(insert(ModelBaselineRow), rows)
        except SQLAlchemyError as exc:
            raise self._unavailable(f"could not record the baseline of model {model!r}: {exc}") from exc
        return len(rows)

    def promote_gate_run(self, stored_run, *, version: str, by: str | None = None) -> int:
        """Promote the metrics a model gate recorded (a ``StoredGateRun``) for its model."""
        result = stored_run.result
        if result.status.value not in PROMOTABLE_STATUSES:
            raise PromotionError(
                f"gate run {stored_run.id} of model {result.dataset!r} is {result.status.value}: a blocked model cannot become the baseline"
            )
        metrics = [
            BaselineMetric(c.details["metric"], c.details["slice"], c.details["value"], c.details.get("ci_low"), c.details.get("ci_high"), c.details.get("n", 0))
            for c in result.checks
            if c.details.get("kind") == METRIC_CHECK_KIND and c.details.get("value") is not None
        ]
        return self.promote(result.dataset, version, metrics, gate_run_id=stored_run.id, by=by)

    def current(self, model: str) -> ProductionBaseline | None:
        """The most recently promoted version of ``model``, or None before the first deployment."""
        try:
            with Session(self.engine) as session:
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
        except SQLAlchemyError as exc:
            raise self._unavailable(f"could not read the baseline of model {model!r}: {exc}") from exc
        metrics = {(r.metric, r.slice_key): BaselineMetric(r.metric, r.slice_key, r.value, r.ci_low, r.ci_high, r.rows) for r in rows}
        return ProductionBaseline(model, latest.version, _aware(latest.promoted_at), metrics)


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
