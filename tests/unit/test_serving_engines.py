"""The serving join gives the same sums wherever it runs: tables in SQLite and PostgreSQL, and
two sources joined by DuckDB (Parquet files scanned in place, in-memory frames scanned without a
copy). Bad sources are named."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from dags.trips_example.serving_log import serving_log
from quality_gates.checks.errors import SourceConfigurationError, UnsupportedDialectError
from quality_gates.checks.model_metrics.serving_sql import DelayedLabelTables, Window, aggregate_delayed_labels
from quality_gates.engines.serving_join import join_sources
from quality_gates.sources import CallableSource, FileSource

DAY = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
WINDOW = Window(DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2))
TABLES = DelayedLabelTables("served_predictions", "arrived_labels", score_column="score", slice_columns=("channel",))


def _comparable(aggregates):
    """Group rows sorted (no database orders a GROUP BY), floats rounded to what float sums keep."""

    def row(values):
        return tuple(round(float(v), 6) if isinstance(v, float) else v for v in values)

    fields = dataclasses.asdict(aggregates)
    fields["groups"] = sorted((row(r) for r in aggregates.groups), key=repr)
    fields["score_groups"] = sorted((row(r) for r in aggregates.score_groups), key=repr)
    fields["delay_mean_seconds"] = round(aggregates.delay_mean_seconds, 3)
    fields["delay_max_seconds"] = round(aggregates.delay_max_seconds, 3)
    return fields


@pytest.fixture(scope="module", params=["duplicates", "orphans"])
def log(request):
    return request.param, *serving_log(scenario=request.param)


@pytest.fixture(scope="module")
def in_sqlite(log, tmp_path_factory):
    _, predictions, labels = log
    engine = sa.create_engine(f"sqlite:///{tmp_path_factory.mktemp('serving') / 'log.db'}")
    predictions.to_sql("served_predictions", engine, index=False)
    labels.to_sql("arrived_labels", engine, index=False)
    with engine.connect() as connection:
        return aggregate_delayed_labels(connection, TABLES, WINDOW, task="classification", with_scores=True)


@pytest.mark.parametrize("task", ["classification"])
def test_duckdb_joins_files_and_frames_like_the_database(log, in_sqlite, tmp_path, task):
    scenario, predictions, labels = log
    predictions.to_parquet(tmp_path / "predictions.parquet", index=False)
    labels.to_parquet(tmp_path / "labels.parquet", index=False)
    pairs = {
        "parquet": (FileSource(tmp_path / "predictions.parquet"), FileSource(tmp_path / "labels.parquet")),
        "frames": (CallableSource(lambda: predictions), CallableSource(lambda: labels)),
        "mixed": (FileSource(tmp_path / "predictions.parquet"), CallableSource(lambda: labels)),
    }
    for name, (p, lab) in pairs.items():
        got = join_sources(p, lab, TABLES, WINDOW, task=task, decision_threshold=0.5)
        assert _comparable(got) == _comparable(in_sqlite), (scenario, name)
    assert in_sqlite.duplicate_prediction_ids == (2 if scenario == "duplicates" else 0)
    assert in_sqlite.orphan_labels == (2 if scenario == "orphans" else 0)


def test_postgresql_joins_like_sqlite(log, in_sqlite, postgres_database):
    _, predictions, labels = log
    engine = sa.create_engine(postgres_database)
    with engine.begin() as connection:
        for frame, table in ((predictions, "served_predictions"), (labels, "arrived_labels")):
            connection.execute(sa.text(f'DROP TABLE IF EXISTS "{table}"'))  # test-owned fixed names
            frame.to_sql(table, connection, index=False)
        got = aggregate_delayed_labels(connection, TABLES, WINDOW, task="classification", with_scores=True)
    engine.dispose()
    assert _comparable(got) == _comparable(in_sqlite)


def test_a_missing_column_names_the_source(tmp_path):
    predictions, labels = serving_log()
    predictions.drop(columns="score").to_parquet(tmp_path / "predictions.parquet", index=False)
    with pytest.raises(SourceConfigurationError, match=r"file .*predictions.parquet: column\(s\) 'score' missing \(columns: "):
        join_sources(
            FileSource(tmp_path / "predictions.parquet"),
            CallableSource(lambda: labels),
            TABLES,
            WINDOW,
            task="classification",
            decision_threshold=0.5,
        )
    with pytest.raises(SourceConfigurationError, match=r"callable .*<lambda>: column\(s\) 'label' missing"):
        join_sources(
            CallableSource(lambda: predictions),
            CallableSource(lambda: labels.drop(columns="label")),
            TABLES,
            WINDOW,
            task="classification",
            decision_threshold=0.5,
        )


def test_an_unsupported_dialect_names_it_and_what_is_supported():
    engine = sa.create_mock_engine("mssql://", executor=None)
    with pytest.raises(
        UnsupportedDialectError,
        match=r"the delayed-label join cannot run on SQL dialect 'mssql' \(supported: postgresql, sqlite, duckdb, databricks",
    ):
        aggregate_delayed_labels(engine, TABLES, WINDOW, task="classification")
