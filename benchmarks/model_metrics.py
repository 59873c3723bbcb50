"""Model metrics with confidence intervals, and the delayed-label join of the serving gate.

1. 1M binary predictions (and 1M regression predictions), overall and 3 slices: our metrics with
   1,000-resample bucket-bootstrap intervals (ROC AUC: DeLong) vs scikit-learn's metric functions
   on the same rows (point estimates only), and a row bootstrap with scikit-learn (timed on a few
   resamples, extrapolated to 1,000). Point estimates must agree.
2. 10M logged predictions and 8M delayed labels in PostgreSQL (made with generate_series): the
   serving gate's join reduced in the database vs loading both tables into pandas and joining
   there; time and peak memory of the client process (VmHWM, in a child process each).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from benchmarks.common import ensure_bench_database, markdown_table, median_seconds, write_results

ROWS = 1_000_000
SQL_ROWS = 10_000_000
PREDICTIONS, LABELS = "bench_served_predictions", "bench_arrived_labels"
SKLEARN_BOOTSTRAP_SAMPLE = 5  # resamples timed, then extrapolated to 1,000


def binary_frame(rows: int = ROWS) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    label = (rng.random(rows) < 0.3).astype(int)
    score = np.clip(0.3 + 0.35 * (label - 0.3) + rng.normal(0, 0.2, rows), 0, 1)
    return pd.DataFrame(
        {
            "label": label,
            "score": score,
            "predicted": (score >= 0.5).astype(int),
            "segment": rng.choice(["app", "web", "kiosk"], rows, p=[0.6, 0.3, 0.1]),
        }
    )


def regression_frame(rows: int = ROWS) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    y = rng.gamma(4.0, 5.0, rows)
    return pd.DataFrame({"y": y, "p": y + rng.normal(0, 2.0, rows), "segment": rng.choice(["a", "b", "c"], rows)})


def _subsets(frame: pd.DataFrame):
    yield "overall", frame
    for value, part in frame.groupby("segment"):
        yield f"segment={value}", part


def sklearn_classification(frame: pd.DataFrame) -> dict:
    from sklearn import metrics as skm

    out = {}
    for name, part in _subsets(frame):
        y, p, s = part["label"].to_numpy(), part["predicted"].to_numpy(), part["score"].to_numpy()
        out.update(
            {
                ("accuracy", name): skm.accuracy_score(y, p),
                ("precision", name): skm.precision_score(y, p),
                ("recall", name): skm.recall_score(y, p),
                ("f1", name): skm.f1_score(y, p),
                ("roc_auc", name): skm.roc_auc_score(y, s),
                ("log_loss", name): skm.log_loss(y, s),
            }
        )
    return out


def sklearn_regression(frame: pd.DataFrame) -> dict:
    from sklearn import metrics as skm

    out = {}
    for name, part in _subsets(frame):
        y, p = part["y"].to_numpy(), part["p"].to_numpy()
        out.update(
            {
                ("mae", name): skm.mean_absolute_error(y, p),
                ("rmse", name): float(np.sqrt(skm.mean_squared_error(y, p))),
                ("r2", name): skm.r2_score(y, p),
            }
        )
    return out


def sklearn_row_bootstrap(frame: pd.DataFrame, resamples: int) -> None:
    rng = np.random.default_rng(0)
    for _ in range(resamples):
        sklearn_classification(frame.iloc[rng.integers(0, len(frame), len(frame))])


def bench_in_memory() -> dict:
    from quality_gates.checks.model_metrics import EvaluationSpec, evaluate_frame

    binary, regression = binary_frame(), regression_frame()
    classification_spec = EvaluationSpec("classification", "label", "predicted", "score", ("segment",), resamples=1000)
    regression_spec = EvaluationSpec("regression", "y", "p", slice_columns=("segment",), resamples=1000)
    ours_c = evaluate_frame(binary, classification_spec)
    ours_r = evaluate_frame(regression, regression_spec)
    reference = {**sklearn_classification(binary), **sklearn_regression(regression)}
    got = {(e.metric, e.slice): e.value for e in (*ours_c.estimates, *ours_r.estimates)}
    start = time.perf_counter()
    sklearn_row_bootstrap(binary, SKLEARN_BOOTSTRAP_SAMPLE)
    per_resample = (time.perf_counter() - start) / SKLEARN_BOOTSTRAP_SAMPLE
    return {
        "rows": ROWS,
        "ours_classification_s": median_seconds(lambda: evaluate_frame(binary, classification_spec), repeats=3),
        "sklearn_classification_s": median_seconds(lambda: sklearn_classification(binary), repeats=3),
        "ours_regression_s": median_seconds(lambda: evaluate_frame(regression, regression_spec), repeats=3),
        "sklearn_regression_s": median_seconds(lambda: sklearn_regression(regression), repeats=3),
        "sklearn_row_bootstrap_1000_s_extrapolated": per_resample * 1000,
        "max_abs_difference": max(abs(got[key] - value) for key, value in reference.items()),
        "metric_values_compared": len(reference),
    }


def prepare_tables(pg: str) -> float:
    """10M predictions over one day and their labels (80% arrived), made in the database once."""
    import sqlalchemy as sa

    engine = sa.create_engine(pg)
    start = time.perf_counter()
    with engine.begin() as connection:
        have = connection.exec_driver_sql(f"SELECT to_regclass('public.{LABELS}') IS NOT NULL").scalar()
        keyed = connection.exec_driver_sql(f"SELECT count(*) FROM pg_indexes WHERE tablename = '{LABELS}'").scalar() if have else 0
        if have and keyed and connection.exec_driver_sql(f"SELECT count(*) FROM {PREDICTIONS}").scalar() == SQL_ROWS:
            return 0.0
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {PREDICTIONS}, {LABELS}")
        connection.exec_driver_sql("SELECT setseed(0.42)")
        # The label is a hash of the id, so both tables agree on it without a staging table.
        truth = "(abs(hashint8(g)) %% 100 < 30)::int"
        connection.exec_driver_sql(
            f"""CREATE TABLE {PREDICTIONS} AS
            SELECT g AS prediction_id,
                   timestamptz '2024-06-01 00:00:00+00' + g * interval '8640 microseconds' AS predicted_at,
                   (ARRAY['app','web','kiosk'])[1 + g %% 3] AS channel,
                   s AS score, (s >= 0.5)::int AS prediction
            FROM (SELECT g, round(greatest(0, least(1, 0.3 + 0.35 * ({truth} - 0.3)
                         + 0.2 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))::numeric, 3)::float8 AS s
                  FROM generate_series(0, {SQL_ROWS - 1}) g) t"""
        )
        connection.exec_driver_sql(
            f"""CREATE TABLE {LABELS} AS
            SELECT g AS prediction_id, {truth} AS label,
                   timestamptz '2024-06-01 00:00:00+00' + g * interval '8640 microseconds'
                     + exp(ln(21600) + sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) * interval '1 second' AS labeled_at
            FROM generate_series(0, {SQL_ROWS - 1}) g
            WHERE abs(hashint8(g * 7 + 1)) %% 10 < 8"""
        )
        # Logs keyed by prediction id, as serving logs are (the gate then needs no duplicate scan).
        connection.exec_driver_sql(f"ALTER TABLE {PREDICTIONS} ADD PRIMARY KEY (prediction_id)")
        connection.exec_driver_sql(f"ALTER TABLE {LABELS} ADD PRIMARY KEY (prediction_id)")
        connection.exec_driver_sql(f"ANALYZE {PREDICTIONS}")
        connection.exec_driver_sql(f"ANALYZE {LABELS}")
    engine.dispose()
    return time.perf_counter() - start


MEASURE = """
import json, sys, time, datetime as dt
import sqlalchemy as sa
from quality_gates.checks.model_metrics.serving_sql import DelayedLabelTables, Window
TABLES = DelayedLabelTables("%s", "%s", score_column="score", slice_columns=("channel",))
DAY = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
WINDOW = Window(DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=30))
start = time.perf_counter()
summary = run(sys.argv[1])
seconds = time.perf_counter() - start
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, **summary}))
""" % (PREDICTIONS, LABELS)

IN_DATABASE = (
    """
def run(url):
    from quality_gates.checks.model_metrics.serving import evaluate_aggregates
    from quality_gates.checks.model_metrics.serving_sql import aggregate_delayed_labels
    with sa.create_engine(url).connect() as connection:
        aggregates = aggregate_delayed_labels(connection, TABLES, WINDOW, task="classification", with_scores=True)
    evaluation = evaluate_aggregates(aggregates, TABLES, WINDOW, task="classification", metrics=None)
    values = {f"{e.metric}@{e.slice}": e.value for e in evaluation.estimates}
    return {"labelled": evaluation.report["labelled"], "coverage": evaluation.report["coverage"], "values": values}
"""
    + MEASURE
)

IN_PANDAS = (
    """
def run(url):
    import pandas as pd
    from quality_gates.checks.model_metrics import EvaluationSpec, evaluate_frame
    engine = sa.create_engine(url)
    predictions = pd.read_sql("SELECT * FROM %s", engine)
    labels = pd.read_sql("SELECT * FROM %s", engine)
    window = predictions[(predictions.predicted_at >= WINDOW.start) & (predictions.predicted_at < WINDOW.end)]
    joined = window.merge(labels[labels.labeled_at <= WINDOW.as_of], on="prediction_id", how="left")
    coverage = joined.label.notna().mean()
    labelled = joined.dropna(subset=["label"]).astype({"label": int})
    spec = EvaluationSpec("classification", "label", "prediction", "score", ("channel",), metrics=("accuracy", "precision", "recall", "f1", "roc_auc"))
    values = {f"{e.metric}@{e.slice}": e.value for e in evaluate_frame(labelled, spec).estimates}
    return {"labelled": len(labelled), "coverage": float(coverage), "values": values}
"""
    % (PREDICTIONS, LABELS)
    + MEASURE
)


def run_script(script: str, pg: str) -> dict:
    done = subprocess.run([sys.executable, "-c", script, pg], capture_output=True, text=True, env=os.environ.copy())
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_sql(pg: str) -> dict:
    created = prepare_tables(pg)
    ours, baseline = run_script(IN_DATABASE, pg), run_script(IN_PANDAS, pg)
    difference = max(abs(ours["values"][k] - v) for k, v in baseline["values"].items())
    return {"tables_created_s": created, "in_database": ours, "pandas": baseline, "max_abs_difference": difference}


def main() -> str:
    memory = bench_in_memory()
    sql = bench_sql(ensure_bench_database())
    table = render(memory, sql)
    write_results("model_metrics", "Model metrics with intervals; delayed-label join", table, {"in_memory": memory, "postgres": sql})
    return table


def render(memory: dict, sql: dict) -> str:
    ours, baseline = sql["in_database"], sql["pandas"]
    c_ours, c_sk = memory["ours_classification_s"], memory["sklearn_classification_s"]
    r_ours, r_sk = memory["ours_regression_s"], memory["sklearn_regression_s"]
    boot = memory["sklearn_row_bootstrap_1000_s_extrapolated"]
    rows = [
        [
            "1M binary predictions, overall + 3 slices: 6 metrics with 95% intervals (1,000 bootstrap resamples; ROC AUC DeLong) "
            "vs scikit-learn's 6 metric functions, point estimates only",
            f"{c_ours:.2f} s",
            f"{c_sk:.2f} s",
            f"{c_ours / c_sk:.2f}× scikit-learn's time, intervals included",
        ],
        [
            "1M regression predictions, overall + 3 slices: MAE, RMSE, R² with intervals vs scikit-learn's point estimates",
            f"{r_ours:.2f} s",
            f"{r_sk:.2f} s",
            f"{r_ours / r_sk:.2f}× scikit-learn's time, intervals included",
        ],
        [
            "1M binary predictions: same intervals by a row bootstrap with scikit-learn (1,000 resamples, extrapolated from "
            f"{SKLEARN_BOOTSTRAP_SAMPLE})",
            f"{c_ours:.2f} s",
            f"{boot:,.0f} s",
            f"{boot / c_ours:,.0f}× faster",
        ],
        [
            f"point estimates, largest difference from scikit-learn ({memory['metric_values_compared']} values)",
            f"{memory['max_abs_difference']:.1e}",
            "",
            "",
        ],
        [
            f"10M predictions ⋈ {ours['labelled'] / 1e6:.1f}M delayed labels in PostgreSQL, 5 metrics overall + 3 slices with intervals, "
            "coverage, delay histogram, duplicates, orphans: reduced in the database vs read_sql of both tables + pandas merge",
            f"{ours['seconds']:.1f} s",
            f"{baseline['seconds']:.1f} s",
            f"{baseline['seconds'] / ours['seconds']:.1f}× faster",
        ],
        [
            "same, peak memory of the client process (VmHWM)",
            f"{ours['peak_mb']:,.0f} MB",
            f"{baseline['peak_mb']:,.0f} MB",
            f"{baseline['peak_mb'] / ours['peak_mb']:.0f}× less",
        ],
        [
            "same, largest metric difference between the two (ROC AUC on scores rounded to 1e-4 in the database)",
            f"{sql['max_abs_difference']:.1e}",
            "",
            f"coverage {ours['coverage']:.1%} vs {baseline['coverage']:.1%}",
        ],
    ]
    return markdown_table(["measurement", "ours", "baseline", "ratio"], rows)


if __name__ == "__main__":
    print(main())
