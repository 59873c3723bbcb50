"""The model gate's engines agree: the same rows in the same order give the same check rows
(names, statuses, values, intervals, explanations) in pandas, polars, SQLite, PostgreSQL and
DuckDB over Parquet, because every engine puts a row in the same bootstrap bucket."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
import sqlalchemy as sa

from quality_gates.checks.errors import UnsupportedDialectError
from quality_gates.checks.model_metrics.gate import model_gate
from quality_gates.checks.model_metrics.rule import JudgingRule
from quality_gates.checks.model_metrics.spec import EvaluationSpec
from quality_gates.engines.computation import DuckDBFiles, PolarsFrame, SqlQuery

RULE = JudgingRule({"accuracy": 0.7, "mae": 1.5, ("recall", "zone=b"): 0.9}, 0.02, 30, 0.95)


def evaluation_rows(n: int = 3000, seed: int = 4) -> pd.DataFrame:
    """Binary predictions with scores (rounded: ties), two zones, a few missing labels and
    predictions, a regression target, and ids with two duplicates."""
    rng = np.random.default_rng(seed)
    label = (rng.random(n) < 0.35).astype(float)
    score = np.clip(0.35 + 0.35 * (label - 0.35) + rng.normal(0, 0.2, n), 0, 1).round(3)
    predicted = (score >= 0.5).astype(float)
    target = rng.gamma(2.0, 3.0, n)
    estimate = target + rng.normal(0.3, 1.2, n)
    label[rng.random(n) < 0.02] = np.nan
    predicted[rng.random(n) < 0.01] = np.nan
    estimate[:3] = [np.nan, np.inf, np.nan]
    ids = np.arange(n)
    ids[[10, 11]] = [3, 4]
    return pd.DataFrame(
        {
            "id": ids,
            "label": label,
            "score": score,
            "predicted": predicted,
            "zone": rng.choice(["a", "b", "c"], n, p=[0.5, 0.4, 0.1]),
            "target": target,
            "estimate": estimate,
        }
    )


SPECS = {
    "classification": EvaluationSpec("classification", "label", "predicted", "score", ("zone",), id_column="id", resamples=200, seed=3),
    "score only": EvaluationSpec("classification", "label", score_column="score", decision_threshold=0.4, resamples=200),
    "regression": EvaluationSpec("regression", "target", "estimate", slice_columns=("zone",), id_column="id", resamples=200),
}


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return evaluation_rows()


@pytest.fixture(scope="module")
def engines(rows, tmp_path_factory, postgres_database):
    """Each engine's computation over the same rows."""
    folder = tmp_path_factory.mktemp("model_engines")
    parquet = folder / "evaluation.parquet"
    rows.to_parquet(parquet, index=False, row_group_size=1000)  # several row groups: the position must follow the file
    computations = {
        "polars": PolarsFrame(pl.scan_parquet(parquet), "scan"),
        "duckdb": DuckDBFiles.scan([str(parquet)], "parquet", "file"),
    }
    for name, url in (("sqlite", f"sqlite:///{folder / 'evaluation.db'}"), ("postgresql", postgres_database)):
        engine = sa.create_engine(url)
        rows.to_sql("model_evaluation", engine, index=False, if_exists="replace")
        computations[name] = SqlQuery(engine, sa.select(sa.text("*")).select_from(sa.table("model_evaluation")), f"{name} table")
    return computations


def _rows_of(outcome):
    return [(c.check_name, c.column, c.status, c.observed, c.expected, c.details.get("explanation")) for c in outcome.checks]


@pytest.mark.parametrize("spec_name", list(SPECS))
@pytest.mark.parametrize("engine", ["polars", "duckdb", "sqlite", "postgresql"])
def test_every_engine_gives_the_check_rows_of_the_in_memory_path(rows, engines, engine, spec_name):
    spec = SPECS[spec_name]
    expected = model_gate(rows, spec, RULE, None, data_name="data")
    got = model_gate(engines[engine], spec, RULE, None, data_name="data")
    assert got.row_count == expected.row_count == len(rows)
    assert _rows_of(got) == _rows_of(expected)
    for mine, theirs in zip(got.checks, expected.checks):
        for key in ("value", "ci_low", "ci_high"):
            if key in theirs.details:
                assert mine.details[key] == pytest.approx(theirs.details[key], rel=1e-9, abs=1e-12, nan_ok=True), (mine, key)
    statuses = {c.status for c in expected.checks}
    assert {"passed", "failed"} <= statuses or spec_name == "score only"


def test_missing_columns_and_an_empty_table_are_named(engines):
    spec = EvaluationSpec("classification", "outcome", "predicted")
    [check] = model_gate(engines["postgresql"], spec, RULE, None, data_name="table t").checks
    assert check.status == "error" and check.details["explanation"].startswith(
        "table t: column(s) 'outcome' not in the evaluation data (columns: id, label, score, predicted, zone, target, estimate)"
    )
    empty = SqlQuery(engines["sqlite"].engine, sa.select(sa.text("*")).select_from(sa.table("model_evaluation")).where(sa.false()), "empty")
    [check] = model_gate(empty, SPECS["regression"], RULE, None, data_name="table t").checks
    assert check.details["explanation"] == "table t: the evaluation data has no rows: there is nothing to judge the model on"


def test_an_unsupported_dialect_is_a_configuration_error_naming_it():
    from sqlalchemy.dialects import mssql

    engine = sa.create_engine("mssql+pymssql://u@h/db", module=object(), _initialize=False) if False else None
    computation = SqlQuery(sa.create_mock_engine("mssql://", executor=None), sa.select(sa.text("1")), "table t")
    assert computation.dialect == mssql.dialect.name
    with pytest.raises(UnsupportedDialectError, match="table t: SQL dialect 'mssql' is not supported for model evaluation"):
        model_gate(computation, SPECS["regression"], RULE, None, data_name="table t")
    del engine
