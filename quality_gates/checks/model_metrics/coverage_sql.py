"""How many predictions of a window have a label yet: the one cheap query a waiting serving gate
repeats. Same tables, window and timestamp handling as the full join (``serving_sql``)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from quality_gates.checks.model_metrics.serving_sql import DelayedLabelTables, Window, _Time


@dataclass(frozen=True)
class LabelCoverage:
    predictions: int
    labelled: int

    @property
    def share(self) -> float:
        return self.labelled / self.predictions if self.predictions else 0.0

    def reaches(self, min_coverage: float) -> bool:
        # No predictions yet is not "enough labels": the log itself may still be arriving.
        return self.predictions > 0 and self.share >= min_coverage


def label_coverage(connection: Connection, tables: DelayedLabelTables, window: Window) -> LabelCoverage:
    """Predictions logged in the window, and how many of them have a label that arrived by
    ``window.as_of``, in one aggregate query (an EXISTS per prediction, so a duplicated label
    does not count twice)."""
    time = _Time(connection.dialect.name)
    p, l = tables.predictions(), tables.labels()
    pid, lid = p.c[tables.id_column], l.c[tables.id_column]
    predicted_at, labeled_at = p.c[tables.predicted_at_column], l.c[tables.labeled_at_column]
    has_label = sa.exists().where(lid == pid, time.value(labeled_at) <= time.bound("as_of", window.as_of))
    query = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((has_label, 1), else_=0)), 0)).where(
        time.value(predicted_at) >= time.bound("window_start", window.start),
        time.value(predicted_at) < time.bound("window_end", window.end),
    )
    predictions, labelled = connection.execute(query).one()
    return LabelCoverage(int(predictions), int(labelled))
