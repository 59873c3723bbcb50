"""Issue 2 benchmarks: the schema gate vs pandera alone, result writes, chunked SQL memory.

1. 1M rows × 20 columns: the gate's path (load schema, validate, record in the store) vs
   pandera ``validate(lazy=True)`` on the same frame and schema, clean and with 1% bad rows.
2. Writing 10,000 check results to PostgreSQL (one gate run).
3. Validating a 5M-row PostgreSQL table: chunked through SqlSource vs loading it whole
   (``pandas.read_sql`` + pandera), peak memory of each in its own process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from benchmarks.common import ensure_bench_database, markdown_table, median_seconds, write_results

ROWS = 1_000_000
SQL_ROWS = 5_000_000


def wide_schema() -> pa.DataFrameSchema:
    columns = {}
    for i in range(8):
        columns[f"num_{i}"] = pa.Column(float, [pa.Check.ge(0), pa.Check.le(1_000)], nullable=i % 2 == 0)
    for i in range(6):
        columns[f"int_{i}"] = pa.Column(int, pa.Check.in_range(0, 10_000))
    for i in range(4):
        columns[f"cat_{i}"] = pa.Column(str, pa.Check.isin([f"v{k}" for k in range(20)]))
    columns["id"] = pa.Column(int, unique=True)
    columns["ts"] = pa.Column("datetime64[ns]")
    return pa.DataFrameSchema(columns)


def wide_frame(rows: int, bad_fraction: float = 0.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {f"num_{i}": rng.uniform(0, 1_000, rows) for i in range(8)}
    data |= {f"int_{i}": rng.integers(0, 10_000, rows) for i in range(6)}
    data |= {f"cat_{i}": pd.array(rng.choice([f"v{k}" for k in range(20)], rows), dtype="str") for i in range(4)}
    data["id"] = np.arange(rows)
    data["ts"] = pd.date_range("2024-01-01", periods=rows, freq="s").astype("datetime64[ns]")
    frame = pd.DataFrame(data)
    if bad_fraction:
        bad = rng.random(rows) < bad_fraction
        frame.loc[bad, "num_1"] = -1.0
        frame.loc[rng.random(rows) < bad_fraction, "cat_0"] = "unexpected"
    return frame


def bench_gate_vs_pandera(store_url: str) -> list[dict]:
    from quality_gates.checks.results import GateResult, RunIdentity
    from quality_gates.checks.schema_validation import validate_schema
    from quality_gates.store.repository import ResultStore

    schema = wide_schema()
    store = ResultStore.open(store_url)
    rows = []
    for label, frame in (("clean", wide_frame(ROWS)), ("1% bad rows", wide_frame(ROWS, 0.01))):

        def pandera_alone():
            try:
                schema.validate(frame, lazy=True)
            except pa.errors.SchemaErrors:
                pass

        def gate(counter=iter(range(10**6))):
            started = dt.datetime.now(dt.UTC)
            validation = validate_schema([frame], schema)
            result = GateResult("schema", "bench", "p", validation.checks, validation.row_count, started, dt.datetime.now(dt.UTC))
            store.record(RunIdentity("bench", "gate", f"run_{next(counter)}"), result)

        baseline = median_seconds(pandera_alone)
        ours = median_seconds(gate)
        rows.append({"data": label, "pandera_s": baseline, "gate_s": ours, "ratio": ours / baseline})
    return rows


def bench_result_writes(pg: str) -> dict:
    from quality_gates.checks.results import CheckResult, GateResult, RunIdentity, Severity, Status
    from quality_gates.store.repository import ResultStore

    store = ResultStore.open(pg)
    now = dt.datetime.now(dt.UTC)
    checks = tuple(
        CheckResult(
            f"check_{i % 40}",
            f"column_{i // 40}",
            Status.FAILED if i % 7 == 0 else Status.PASSED,
            Severity.ERROR,
            f"{i} of 1,000,000 rows (0.{i:04d}%) fail, e.g. -1.0",
            ">= 0",
            {
                "rows_checked": 1_000_000,
                "failing_rows": i,
                "failing_fraction": i / 1e6,
                "failure_cases": [{"row": i + k, "value": -1.0} for k in range(5)],
            },
        )
        for i in range(10_000)
    )
    result = GateResult("schema", "bench", "p", checks, 1_000_000, now, now)
    counter = iter(range(10**6))
    seconds = median_seconds(lambda: store.record(RunIdentity("bench", "writes", f"run_{next(counter)}"), result), repeats=5)
    return {"rows": len(checks), "seconds": seconds, "rows_per_second": len(checks) / seconds}


def prepare_sql_table(pg: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(pg)
    with engine.begin() as connection:
        have = connection.exec_driver_sql("SELECT to_regclass('public.bench_events') IS NOT NULL").scalar()
        count = connection.exec_driver_sql("SELECT count(*) FROM bench_events").scalar() if have else 0
        if count != SQL_ROWS:
            connection.exec_driver_sql("DROP TABLE IF EXISTS bench_events")
            connection.exec_driver_sql(
                f"""CREATE TABLE bench_events AS
                SELECT g AS event_id, (g %% 10000) AS user_id, random() * 100 AS amount, random() * 5 AS score,
                       (ARRAY['view','click','buy','share'])[1 + g %% 4] AS kind, md5(g::text) AS token,
                       timestamp '2024-01-01' + g * interval '1 second' AS created_at, (g %% 3 = 0) AS flagged
                FROM generate_series(1, {SQL_ROWS}) g"""
            )
    engine.dispose()


SQL_SCHEMA = """
import pandera.pandas as pa
SCHEMA = pa.DataFrameSchema({
    "event_id": pa.Column(int, unique=True), "user_id": pa.Column(int, pa.Check.ge(0)),
    "amount": pa.Column(float, pa.Check.in_range(0, 100)), "score": pa.Column(float, pa.Check.le(5)),
    "kind": pa.Column(str, pa.Check.isin(["view", "click", "buy", "share"])), "token": pa.Column(str, pa.Check.str_length(32, 32)),
    "created_at": pa.Column("datetime64[us]"), "flagged": pa.Column(bool),
})
"""

CHUNKED = (
    SQL_SCHEMA
    + """
import json, time
from quality_gates.checks.schema_validation import validate_schema
from quality_gates.sources import SqlSource
start = time.perf_counter()
validation = validate_schema(SqlSource("bench_warehouse", table="bench_events").read_chunks(100_000), SCHEMA)
failed = [c.check_name for c in validation.checks if c.status != "passed"]
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": time.perf_counter() - start, "peak_mb": peak_kb / 1024, "rows": validation.row_count, "failed": failed}))
"""
)

WHOLE = (
    SQL_SCHEMA
    + """
import json, time, sys
import pandas as pd, sqlalchemy as sa
start = time.perf_counter()
frame = pd.read_sql("SELECT * FROM bench_events", sa.create_engine(sys.argv[1]))
try:
    SCHEMA.validate(frame, lazy=True)
    failed = []
except pa.errors.SchemaErrors as e:
    failed = sorted(set(e.failure_cases["check"]))
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": time.perf_counter() - start, "peak_mb": peak_kb / 1024, "rows": len(frame), "failed": failed}))
"""
)


# Peak memory is each child's own VmHWM: ru_maxrss would carry the parent's high-water mark over exec.
def bench_sql_memory(pg: str) -> list[dict]:
    prepare_sql_table(pg)
    env = {**os.environ, "AIRFLOW_CONN_BENCH_WAREHOUSE": pg.replace("postgresql+psycopg2", "postgresql")}
    rows = []
    for label, script in (("chunked (SqlSource, 100k rows/chunk)", CHUNKED), ("whole table (read_sql + pandera)", WHOLE)):
        done = subprocess.run([sys.executable, "-c", script, pg], env=env, capture_output=True, text=True, check=True)
        rows.append({"method": label, **json.loads(done.stdout.strip().splitlines()[-1])})
    return rows


def main() -> str:
    pg = ensure_bench_database()
    with tempfile.TemporaryDirectory() as tmp:
        gate_sqlite = bench_gate_vs_pandera(f"sqlite:///{Path(tmp) / 'bench.db'}")
    gate_pg = bench_gate_vs_pandera(pg)
    writes = bench_result_writes(pg)
    memory = bench_sql_memory(pg)

    table_rows = []
    for store, results in (("SQLite", gate_sqlite), ("PostgreSQL", gate_pg)):
        for r in results:
            table_rows.append(
                [
                    f"1M × 20 cols, {r['data']}: gate (store {store}) vs pandera validate(lazy=True)",
                    f"{r['gate_s']:.3f} s",
                    f"{r['pandera_s']:.3f} s",
                    f"{r['ratio']:.2f}× (target ≤ 1.15×)",
                ]
            )
    table_rows.append(
        [
            "10,000 check results written to PostgreSQL (one gate run)",
            f"{writes['seconds']:.3f} s",
            "target 1.000 s",
            f"{writes['rows_per_second']:,.0f} rows/s (target ≥ 10,000)",
        ]
    )
    chunked, whole = memory
    table_rows.append(
        [
            f"5M-row PostgreSQL table: {chunked['method']} vs {whole['method']}, peak memory",
            f"{chunked['peak_mb']:,.0f} MB",
            f"{whole['peak_mb']:,.0f} MB",
            f"{chunked['peak_mb'] / whole['peak_mb']:.2f}×",
        ]
    )
    table_rows.append(
        [
            "5M-row PostgreSQL table: time, same two methods",
            f"{chunked['seconds']:.1f} s",
            f"{whole['seconds']:.1f} s",
            f"{chunked['seconds'] / whole['seconds']:.2f}×",
        ]
    )
    table = markdown_table(["measurement", "ours", "baseline", "ratio / rate"], table_rows)
    write_results(
        "schema_gate",
        "Schema gate (issue 2)",
        table,
        {"gate_vs_pandera_sqlite": gate_sqlite, "gate_vs_pandera_postgres": gate_pg, "writes": writes, "sql_memory": memory},
    )
    return table


if __name__ == "__main__":
    print(main())
