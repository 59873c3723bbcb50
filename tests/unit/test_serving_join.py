"""The delayed-label join in the database agrees with pandas, on SQLite and PostgreSQL; coverage,
delay and bad inputs are reported."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from dags.trips_example.serving_log import serving_log
from quality_gates.checks.model_metrics import EvaluationSpec, evaluate_frame
from quality_gates.checks.model_metrics.serving import evaluate_aggregates, report_check_results
from quality_gates.checks.model_metrics.serving_sql import DelayedLabelTables, Window, aggregate_delayed_labels
from tests.dags.model_gate_dags import write_serving_log

DAY = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
TABLES = DelayedLabelTables("served_predictions", "arrived_labels", score_column="score", slice_columns=("channel",))


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'serving.db'}"
    return request.getfixturevalue("postgres_database")


def _evaluate(url, window, scenario="settled", tables=TABLES, task="classification", **kwargs):
    write_serving_log(url, scenario=scenario)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        aggregates = aggregate_delayed_labels(connection, tables, window, task=task, with_scores=tables.score_column is not None)
    engine.dispose()
    evaluation = evaluate_aggregates(aggregates, tables, window, task=task, metrics=None, resamples=200, **kwargs)
    return aggregates, evaluation


def _joined_in_pandas(as_of):
    predictions, labels = serving_log()
    known = labels[labels.labeled_at <= as_of]
    return predictions.merge(known, on="prediction_id", how="left")


def test_metrics_from_the_database_equal_metrics_from_pandas(database):
    window = Window(DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=10))
    aggregates, evaluation = _evaluate(database, window)
    joined = _joined_in_pandas(window.as_of)
    expected = evaluate_frame(
        joined.dropna(subset=["label"]).astype({"label": int}),
        EvaluationSpec("classification", "label", "prediction", "score", ("channel",), resamples=200),
    )
    got = {(e.metric, e.slice): e.value for e in evaluation.estimates}
    for estimate in expected.estimates:
        if estimate.metric != "log_loss":
            assert got[(estimate.metric, estimate.slice)] == pytest.approx(estimate.value, abs=1e-12), estimate
    assert evaluation.report["predictions"] == 2000
    assert evaluation.report["labelled"] == int(joined.label.notna().sum())
    assert evaluation.report["label_balance"] == pytest.approx(
        joined.label.dropna().astype(int).astype(str).value_counts(normalize=True).round(4).to_dict()
    )
    assert sum(aggregates.delays.values()) == evaluation.report["labelled"]


def test_score_only_logs_and_regression_also_agree(database):
    window = Window(DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=10))
    score_only = DelayedLabelTables("served_predictions", "arrived_labels", prediction_column=None, score_column="score")
    _, evaluation = _evaluate(database, window, tables=score_only)
    joined = _joined_in_pandas(window.as_of).dropna(subset=["label"])
    assert {e.metric: e.value for e in evaluation.estimates}["recall"] == pytest.approx(
        ((joined.score >= 0.5) & (joined.label == 1)).sum() / (joined.label == 1).sum()
    )
    regression = DelayedLabelTables("served_predictions", "arrived_labels", prediction_column="score")
    _, evaluation = _evaluate(database, window, tables=regression, task="regression")
    got = {e.metric: e.value for e in evaluation.estimates}
    assert got["mae"] == pytest.approx((joined.score - joined.label).abs().mean())
    assert got["rmse"] == pytest.approx(((joined.score - joined.label) ** 2).mean() ** 0.5)


def test_too_few_labels_is_insufficient_never_a_verdict(database):
    window = Window(DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=1, hours=1))
    aggregates, evaluation = _evaluate(database, window)
    checks, judgeable = report_check_results(aggregates, evaluation, TABLES, window, min_coverage=0.8)
    coverage = next(c for c in checks if c.check_name == "label_coverage")
    assert not judgeable and coverage.status == "warned" and coverage.details["verdict"] == "insufficient labels"
    labelled = evaluation.report["labelled"]
    assert 0 < labelled < 1600
    assert coverage.details["explanation"].startswith(
        f"insufficient labels: only {labelled / 2000:.1%} labelled ({labelled:,} of 2,000 predictions in "
        "[2024-06-01T00:00:00+00:00, 2024-06-02T00:00:00+00:00) have a label as of 2024-06-02T01:00:00+00:00; minimum 80%)."
    )
    # The labelled few are the quickly-labelled, early ones: their balance is reported next to the coverage.
    assert {c.check_name for c in checks} >= {"prediction_volume", "label_delay", "class_balance"}


def test_a_window_with_no_labels_at_all(database):
    window = Window(DAY, DAY + dt.timedelta(days=1), DAY)
    aggregates, evaluation = _evaluate(database, window)
    checks, judgeable = report_check_results(aggregates, evaluation, TABLES, window, min_coverage=0.5)
    assert not judgeable and evaluation.estimates == ()
    coverage = next(c for c in checks if c.check_name == "label_coverage")
    assert coverage.details["explanation"].startswith("insufficient labels: no labels at all (0 of 2,000 predictions")


def test_a_window_with_no_predictions(database):
    window = Window(DAY + dt.timedelta(days=5), DAY + dt.timedelta(days=6), DAY + dt.timedelta(days=9))
    aggregates, evaluation = _evaluate(database, window)
    checks, judgeable = report_check_results(aggregates, evaluation, TABLES, window, min_coverage=0.5)
    assert not judgeable and [c.check_name for c in checks] == ["prediction_volume"]
    assert checks[0].details["explanation"].startswith("no predictions were logged in served_predictions in the window")


@pytest.mark.parametrize(
    "scenario, check, where, ids",
    [
        ("duplicates", "duplicate_prediction_ids", "served_predictions", "p-00005, p-00006"),
        ("duplicate_labels", "duplicate_label_ids", "arrived_labels", "p-00008, p-00009"),
    ],
)
def test_duplicate_ids_stop_the_judging(database, scenario, check, where, ids):
    window = Window(DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=10))
    aggregates, evaluation = _evaluate(database, window, scenario=scenario)
    checks, judgeable = report_check_results(aggregates, evaluation, TABLES, window, min_coverage=0.5)
    duplicates = next(c for c in checks if c.check_name == check)
    assert not judgeable and duplicates.status == "error"
    assert duplicates.details["explanation"] == (
        f"2 prediction ids appear more than once in {where}.prediction_id (e.g. {ids}): the join would count them twice, so no metric is judged."
    )


def test_labels_without_predictions_are_reported(database):
    window = Window(DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=10))
    aggregates, evaluation = _evaluate(database, window, scenario="orphans")
    checks, judgeable = report_check_results(aggregates, evaluation, TABLES, window, min_coverage=0.5)
    orphans = next(c for c in checks if c.check_name == "labels_without_predictions")
    assert judgeable and orphans.status == "warned"
    assert (
        "2 labels in arrived_labels arrived since 2024-06-01T00:00:00+00:00 for prediction ids that were never logged"
        in orphans.details["explanation"]
    )
    assert orphans.details["examples"] == ["x-1", "x-2"]


def test_recency_weighting_leans_on_recent_predictions(tmp_path):
    url = f"sqlite:///{tmp_path / 'serving.db'}"
    predictions, labels = serving_log()
    late = predictions.predicted_at >= pd.Timestamp("2024-06-01 12:00", tz="UTC")
    predictions.loc[late, "prediction"] = 1 - predictions.loc[late, "prediction"]  # the model broke at noon
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        predictions.to_sql("served_predictions", connection, index=False)
        labels.to_sql("arrived_labels", connection, index=False)
        window = Window(DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=10))
        aggregates = aggregate_delayed_labels(connection, TABLES, window, task="classification")
    accuracy = {}
    for half_life in (None, 3 * 3600):
        evaluation = evaluate_aggregates(
            aggregates, TABLES, window, task="classification", metrics=("accuracy",), half_life_seconds=half_life, resamples=100
        )
        accuracy[half_life] = evaluation.estimates[0].value
    assert accuracy[3 * 3600] < accuracy[None] - 0.1


def test_a_unique_index_on_the_ids_spares_the_duplicate_scan(database):
    from quality_gates.checks.model_metrics.serving_sql import _unique

    window = Window(DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=10))
    _, plain = _evaluate(database, window)
    engine = sa.create_engine(database)
    with engine.begin() as connection:
        assert not _unique(connection, "served_predictions", "prediction_id")
        connection.exec_driver_sql("CREATE UNIQUE INDEX served_predictions_id ON served_predictions (prediction_id)")
        assert _unique(connection, "served_predictions", "prediction_id")
        aggregates = aggregate_delayed_labels(connection, TABLES, window, task="classification", with_scores=True)
    engine.dispose()
    keyed = evaluate_aggregates(aggregates, TABLES, window, task="classification", metrics=None, resamples=200)
    assert keyed.estimates == plain.estimates and aggregates.duplicate_prediction_ids == 0
