"""The model gate computed where the data lives vs today's read_frame path.

A 10M-row evaluation table (binary labels, a score, the predicted class, 3 segments) in
PostgreSQL and the same rows in a Parquet file. Ours: the gate's engine (``Family.MODEL_EVALUATION``:
three aggregate queries in PostgreSQL, or DuckDB scanning the file; only sums come back). Baseline:
what the gate did before, every row read into the worker (``read_sql`` in 100k-row chunks, or the
Parquet file's batches), concatenated, then ``evaluate_frame``. Same metrics (accuracy, precision,
recall, F1, ROC AUC, log loss with 1,000-resample intervals, overall + 3 slices). Each run in its
own process: wall time and the client's peak memory (VmHWM). The check rows must be identical.

``QG_BENCH_QUICK=1``: 200,000 rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ensure_bench_database, markdown_table, write_results

QUICK = os.environ.get("QG_BENCH_QUICK") == "1"
ROWS = 200_000 if QUICK else 10_000_000
TABLE = f"bench_model_evaluation_{ROWS}"
PARQUET = Path(tempfile.gettempdir()) / f"quality_gates_bench_model_{ROWS}.parquet"


def prepare_table(pg: str) -> float:
    import sqlalchemy as sa

    engine = sa.create_engine(pg)
    start = time.perf_counter()
    with engine.begin() as connection:
        have = connection.exec_driver_sql(f"SELECT to_regclass('public.{TABLE}') IS NOT NULL").scalar()
        if have and connection.exec_driver_sql(f"SELECT count(*) FROM {TABLE}").scalar() == ROWS:
            return 0.0
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
        connection.exec_driver_sql("SELECT setseed(0.17)")
        truth = "(abs(hashint8(g)) %% 100 < 30)::int"
        connection.exec_driver_sql(
            f"""CREATE TABLE {TABLE} AS
            SELECT g AS row_id, label, s AS score, (s >= 0.5)::int AS predicted, (ARRAY['app','web','kiosk'])[1 + g %% 3] AS segment
            FROM (SELECT g, {truth} AS label,
                         round(greatest(0, least(1, 0.3 + 0.35 * ({truth} - 0.3)
                           + 0.2 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))::numeric, 3)::float8 AS s
                  FROM generate_series(0, {ROWS - 1}) g) t
            ORDER BY g"""
        )
        connection.exec_driver_sql(f"ANALYZE {TABLE}")
    engine.dispose()
    return time.perf_counter() - start


def prepare_parquet(pg: str) -> None:
    """The table's rows, in its order, as one Parquet file (written batch by batch)."""
    if PARQUET.exists():
        return
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq
    import sqlalchemy as sa

    engine = sa.create_engine(pg)
    writer = None
    with engine.connect() as connection:
        chunks = pd.read_sql(
            f"SELECT label, score, predicted, segment FROM {TABLE} ORDER BY row_id",
            connection.execution_options(stream_results=True),
            chunksize=1_000_000,
        )
        for chunk in chunks:
            batch = pa.Table.from_pandas(chunk, preserve_index=False)
            writer = writer or pq.ParquetWriter(str(PARQUET) + ".part", batch.schema)
            writer.write_table(batch)
    writer.close()
    os.replace(str(PARQUET) + ".part", PARQUET)
    engine.dispose()


MEASURE = """
import json, sys, time
import sqlalchemy as sa
from quality_gates.checks.model_metrics.gate import model_gate
from quality_gates.checks.model_metrics.rule import JudgingRule
from quality_gates.checks.model_metrics.spec import EvaluationSpec
SPEC = EvaluationSpec("classification", "label", "predicted", "score", ("segment",), resamples=1000)
RULE = JudgingRule({"accuracy": 0.7, "roc_auc": 0.8, "f1": 0.5, "precision": 0.5, "recall": 0.5, "log_loss": 0.6}, 0.02, 30, 0.95)
start = time.perf_counter()
outcome = model_gate(data(sys.argv[1], sys.argv[2], sys.argv[3]), SPEC, RULE, None, data_name="bench")
seconds = time.perf_counter() - start
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
rows = [[c.check_name, c.column, str(c.status), c.observed] for c in outcome.checks]
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "rows": outcome.row_count, "checks": rows}))
"""

ENGINE = (
    """
def data(where, pg, table):
    from quality_gates.engines.computation import DuckDBFiles, SqlQuery
    if where == "parquet":
        return DuckDBFiles.scan([table], "parquet", "file")
    query = sa.select(sa.literal_column("*")).select_from(sa.table(table))
    return SqlQuery(sa.create_engine(pg), query, "table")
"""
    + MEASURE
)

READ_FRAME = (
    """
def data(where, pg, table):
    import pandas as pd
    if where == "parquet":  # FileSource.read_chunks before: the file's batches as pandas frames
        import pyarrow.parquet as pq
        parts = [batch.to_pandas() for batch in pq.ParquetFile(table).iter_batches(batch_size=100_000)]
    else:  # SqlSource.read_chunks before: read_sql in chunks, server-side cursor
        with sa.create_engine(pg).connect() as connection:
            query = f"SELECT label, score, predicted, segment FROM {table}"
            parts = list(pd.read_sql(query, connection.execution_options(stream_results=True), chunksize=100_000))
    return pd.concat(parts, ignore_index=True)
"""
    + MEASURE
)


def run_child(script: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=os.environ.copy(), check=False)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    # DuckDB may draw its progress bar on stdout (with carriage returns): the result is the last JSON object.
    text = done.stdout
    return json.loads(text[text.rfind('{"seconds"') :].splitlines()[0])


def main() -> str:
    pg = ensure_bench_database()
    created = prepare_table(pg)
    prepare_parquet(pg)
    raw: dict = {"rows": ROWS, "table_created_s": created}
    for where, target in (("postgres", TABLE), ("parquet", str(PARQUET))):
        ours = run_child(ENGINE, where, pg, target)
        baseline = run_child(READ_FRAME, where, pg, target)
        raw[where] = {"engine": ours, "read_frame": baseline, "same_check_rows": ours["checks"] == baseline["checks"]}
    table = render(raw)
    write_results("model_engines", "Model gate: sums in the engine vs read_frame", table, raw)
    return table


def render(raw: dict) -> str:
    rows = []
    names = {"postgres": f"PostgreSQL table, {raw['rows']:,} rows", "parquet": f"Parquet file (DuckDB), {raw['rows']:,} rows"}
    for where, label in names.items():
        ours, baseline = raw[where]["engine"], raw[where]["read_frame"]
        rows.append(
            [
                f"model gate, {label}: 6 metrics × (overall + 3 slices) with 1,000-resample intervals, wall time",
                f"{ours['seconds']:.1f} s",
                f"{baseline['seconds']:.1f} s",
                f"{baseline['seconds'] / ours['seconds']:.1f}× faster",
            ]
        )
        rows.append(
            [
                f"same, client peak memory (VmHWM); identical check rows: {raw[where]['same_check_rows']}",
                f"{ours['peak_mb']:,.0f} MB",
                f"{baseline['peak_mb']:,.0f} MB",
                f"{baseline['peak_mb'] / ours['peak_mb']:.1f}× less",
            ]
        )
    return markdown_table(["measurement", "ours (engine)", "baseline (read_frame)", "ratio"], rows)


if __name__ == "__main__":
    print(main())
