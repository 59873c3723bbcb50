"""The coverage query the waiting serving gate repeats, on SQLite and PostgreSQL: a label counts
once, only when it has arrived by as_of, and only for predictions in the window."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from quality_gates.checks.model_metrics.coverage_sql import LabelCoverage, label_coverage
from quality_gates.checks.model_metrics.serving_sql import DelayedLabelTables, Window

DAY = pd.Timestamp("2024-06-01", tz="UTC")


@pytest.mark.parametrize("labels_unique", [False, True])
def test_coverage_counts_each_arrived_label_once(store_url, labels_unique):
    engine = sa.create_engine(store_url)
    predictions = pd.DataFrame(
        {"prediction_id": [1, 2, 3, 4, 5], "score": [0.1] * 5, "predicted_at": [DAY + pd.Timedelta(hours=h) for h in (1, 2, 3, 4, 30)]}
    )  # id 5: outside the window
    label_ids, arrived_hours = ([1, 2, 3, 5], (2, 5, 90, 6)) if labels_unique else ([1, 1, 2, 3, 5], (2, 3, 5, 90, 6))
    labels = pd.DataFrame({"prediction_id": label_ids, "label": 1, "labeled_at": [DAY + pd.Timedelta(hours=h) for h in arrived_hours]})
    with engine.begin() as connection:
        predictions.to_sql("cov_predictions", connection, if_exists="replace", index=False)
        labels.to_sql("cov_labels", connection, if_exists="replace", index=False)
        if labels_unique:
            connection.exec_driver_sql("CREATE UNIQUE INDEX ix_cov_labels_id ON cov_labels (prediction_id)")
    tables = DelayedLabelTables("cov_predictions", "cov_labels", prediction_column=None, score_column="score")
    window = Window(DAY.to_pydatetime(), (DAY + pd.Timedelta(days=1)).to_pydatetime(), (DAY + pd.Timedelta(days=2)).to_pydatetime())

    with engine.connect() as connection:
        coverage = label_coverage(connection, tables, window)
    engine.dispose()

    # In the window: ids 1-4; labelled by as_of: 1 (twice when not unique) and 2; id 3's label arrives too late.
    assert coverage == LabelCoverage(predictions=4, labelled=2)
    assert coverage.share == 0.5 and coverage.reaches(0.5) and not coverage.reaches(0.51)


def test_no_predictions_never_reach_coverage():
    assert not LabelCoverage(0, 0).reaches(0.0)
