"""Profiling engines on 10M rows × 15 columns of mixed types.

1. In memory, one process, same data: the pandas engine, the polars engine (on a polars copy
   of the frame, made once and not timed), and ``pandas.DataFrame.describe()`` as a baseline.
2. A 10M-row PostgreSQL table (made server-side with generate_series): the SQL engine vs
   ``pandas.read_sql`` + the pandas engine, each in its own process for its peak memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pyarrow as pa

from benchmarks.common import ensure_bench_database, markdown_table, median_seconds, write_results

ROWS = 10_000_000
SQL_TABLE = "bench_profile"


def mixed_frame(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    """15 columns: floats with NaN, zeros and negatives, integers, strings of low to high
    cardinality with empties and nulls, booleans, naive and zoned timestamps, an id."""
    rng = np.random.default_rng(seed)
    with_nans = rng.normal(50, 30, rows).round(2)
    with_nans[rng.random(rows) < 0.05] = np.nan
    discount = np.where(rng.random(rows) < 0.3, 0.0, rng.random(rows))
    country = pa.compute.binary_join_element_wise("country_", pa.array(rng.integers(0, 47, rows)).cast(pa.string()), "")
    country = pd.Series(pd.array(country, dtype="str")).mask(rng.random(rows) < 0.02, "").mask(rng.random(rows) < 0.02, None)
    token = pd.array(pa.array(rng.integers(0, 2**62, rows)).cast(pa.string()), dtype="str")
    start = np.datetime64("2024-01-01T00:00:00", "us")
    return pd.DataFrame(
        {
            "id": np.arange(rows),
            "user_id": rng.integers(0, 100_000, rows),
            "amount": with_nans,
            "score": rng.random(rows) * 5,
            "price": rng.lognormal(3, 1, rows).round(2),
            "quantity": rng.integers(-5, 16, rows),
            "discount": discount,
            "latency_ms": rng.exponential(120, rows),
            "kind": pd.array(rng.choice(["view", "click", "buy", "share"], rows), dtype="str"),
            "country": country,
            "token": token,
            "created_at": start + rng.integers(0, 30 * 86_400 * 10**6, rows).astype("timedelta64[us]"),
            "updated_at": pd.Series(start + rng.integers(0, 30 * 86_400 * 10**6, rows).astype("timedelta64[us]")).dt.tz_localize("UTC"),
            "flagged": rng.random(rows) < 0.3,
            "is_test": pd.array(rng.random(rows) < 0.1, dtype="boolean"),
        }
    )


def bench_in_memory() -> dict:
    import polars as pl

    from quality_gates.checks.profiles.pandas_engine import profile_frame
    from quality_gates.checks.profiles.polars_engine import profile_polars

    frame = mixed_frame()
    start = time.perf_counter()
    polars_frame = pl.from_pandas(frame)
    conversion = time.perf_counter() - start
    return {
        "rows": len(frame),
        "columns": len(frame.columns),
        "pandas_to_polars_s": conversion,
        "pandas_engine_s": median_seconds(lambda: profile_frame(frame), repeats=3, warmup=0),
        "polars_engine_s": median_seconds(lambda: profile_polars(polars_frame), repeats=3, warmup=1),
        "describe_s": median_seconds(lambda: frame.describe(), repeats=3, warmup=0),
        "describe_all_s": median_seconds(lambda: frame.describe(include="all"), repeats=1, warmup=0),
        "gate_summarize_s": gate_summarize_seconds(frame),
    }


GATE_SUMMARIZE = """
import sys, time
import pandas as pd
import gate
frame = pd.read_parquet(sys.argv[1])
columns = [c for c in frame.columns if c != "part"]
start = time.perf_counter()
gate.summarize(frame, columns=columns, partition_key="part")
print(time.perf_counter() - start)
"""


def gate_summarize_seconds(frame: pd.DataFrame) -> float | None:
    """The reference implementation's summary of the same frame, in its own virtual environment
    (gate-drift pins old dependencies); None when it cannot be installed here."""
    import tempfile
    from pathlib import Path

    from benchmarks.detection_quality import ensure_gate_venv, to_gate_frame, write_parquet, write_stub

    with tempfile.TemporaryDirectory() as tmp:
        try:
            python = ensure_gate_venv(write_stub(Path(tmp) / "stub"))
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            print(f"GATE unavailable: {exc}", file=sys.stderr)
            return None
        path = Path(tmp) / "frame.parquet"
        write_parquet(to_gate_frame(frame, "p0"), path)
        env = {**os.environ, "PYTHONPATH": str(Path(tmp) / "stub")}
        done = subprocess.run([str(python), "-c", GATE_SUMMARIZE, str(path)], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"GATE summarize failed: {done.stderr[-500:]}", file=sys.stderr)
            return None
        return float(done.stdout.strip().splitlines()[-1])


def prepare_sql_table(pg: str) -> float:
    """The 15-column table, made once (seconds taken, 0 when it was there)."""
    import sqlalchemy as sa

    engine = sa.create_engine(pg)
    start = time.perf_counter()
    with engine.begin() as connection:
        have = connection.exec_driver_sql(f"SELECT to_regclass('public.{SQL_TABLE}') IS NOT NULL").scalar()
        if have and connection.exec_driver_sql(f"SELECT count(*) FROM {SQL_TABLE}").scalar() == ROWS:
            return 0.0
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {SQL_TABLE}")
        connection.exec_driver_sql(
            f"""CREATE TABLE {SQL_TABLE} AS
            SELECT g AS id,
                   (g %% 100000)::int AS user_id,
                   CASE WHEN g %% 20 = 0 THEN NULL ELSE round((random() * 200 - 20)::numeric, 2)::float8 END AS amount,
                   random() * 5 AS score,
                   round((random() * 1000)::numeric, 2) AS price,
                   (g %% 21 - 5)::int AS quantity,
                   CASE WHEN g %% 3 = 0 THEN 0 ELSE random() END AS discount,
                   (ARRAY['view','click','buy','share'])[1 + g %% 4] AS kind,
                   CASE WHEN g %% 50 = 0 THEN NULL WHEN g %% 49 = 0 THEN '' ELSE 'country_' || (g %% 47) END AS country,
                   md5(g::text) AS token,
                   timestamp '2024-01-01' + g * interval '1 second' + (g %% 1000) * interval '1 microsecond' AS created_at,
                   timestamptz '2024-01-01 00:00:00+00' + random() * 30 * interval '1 day' AS updated_at,
                   date '2024-01-01' + (g %% 365) AS day,
                   (g %% 3 = 0) AS flagged,
                   CASE WHEN g %% 10 = 0 THEN NULL ELSE g %% 7 = 0 END AS is_test
            FROM generate_series(1, {ROWS}) g"""
        )
        connection.exec_driver_sql(f"ANALYZE {SQL_TABLE}")
    engine.dispose()
    return time.perf_counter() - start


# Peak memory from VmHWM, this process's own high-water mark: ru_maxrss would include the
# parent's memory, which Linux carries over into a child across exec.
MEASURE = """
import json, sys, time
import sqlalchemy as sa
start = time.perf_counter()
profile = run(sys.argv[1])
seconds = time.perf_counter() - start
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "rows": profile.row_count, "sample_rows": profile.sample_rows}))
"""

SQL_ENGINE = (
    f"""
def run(url):
    from quality_gates.checks.profiles.sql_engine import profile_sql
    return profile_sql(sa.create_engine(url), sa.select(sa.literal_column("*")).select_from(sa.table("{SQL_TABLE}")))
"""
    + MEASURE
)

READ_SQL = (
    f"""
def run(url):
    import pandas as pd
    from quality_gates.checks.profiles.pandas_engine import profile_frame
    return profile_frame(pd.read_sql("SELECT * FROM {SQL_TABLE}", sa.create_engine(url)))
"""
    + MEASURE
)

DUPLICATES = f"""
import json, sys, time
import sqlalchemy as sa
from quality_gates.checks.profiles.sql_columns import discover
from quality_gates.checks.profiles.sql_dialects import dialect_for
with sa.create_engine(sys.argv[1]).connect() as connection:
    dialect = dialect_for("postgresql", connection.dialect.server_version_info)
    columns, relation = discover(connection, sa.select(sa.literal_column("*")).select_from(sa.table("{SQL_TABLE}")))
    start = time.perf_counter()
    connection.execute(dialect.distinct_rows(columns, relation)).scalar_one()
print(json.dumps({{"seconds": time.perf_counter() - start}}))
"""


def run_script(script: str, pg: str) -> dict:
    done = subprocess.run([sys.executable, "-c", script, pg], capture_output=True, text=True, check=True, env=os.environ.copy())
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_sql(pg: str) -> dict:
    created = prepare_sql_table(pg)
    return {
        "table_created_s": created,
        "sql_engine": run_script(SQL_ENGINE, pg),
        "duplicate_rows_query": run_script(DUPLICATES, pg),
        "read_sql_pandas_engine": run_script(READ_SQL, pg),
    }


def main() -> str:
    sql = bench_sql(ensure_bench_database())
    memory = bench_in_memory()
    shape = f"{memory['rows'] / 1e6:.0f}M × {memory['columns']} cols"
    describe, pandas_s, polars_s = memory["describe_s"], memory["pandas_engine_s"], memory["polars_engine_s"]
    ours, baseline = sql["sql_engine"], sql["read_sql_pandas_engine"]
    rows = [
        [f"{shape} in memory: pandas engine", f"{pandas_s:.2f} s", "", f"{pandas_s / describe:.2f}× describe()"],
        [
            f"{shape} in memory: polars engine (frame already in polars)",
            f"{polars_s:.2f} s",
            "",
            f"{polars_s / describe:.2f}× describe(), {pandas_s / polars_s:.1f}× faster than pandas engine",
        ],
        [f"{shape} in memory: pandas.DataFrame.describe() (numeric columns only)", f"{describe:.2f} s", "", "baseline"],
        [
            f"{shape} in memory: pandas.DataFrame.describe(include='all') (every column)",
            f"{memory['describe_all_s']:.2f} s",
            "",
            f"pandas engine {pandas_s / memory['describe_all_s']:.2f}×, polars engine {polars_s / memory['describe_all_s']:.2f}× of it",
        ],
        [
            f"{shape} in memory: GATE reference (gate-drift 0.1.5) summarize",
            _seconds(memory["gate_summarize_s"]),
            "",
            _gate_ratio(memory["gate_summarize_s"], pandas_s, polars_s),
        ],
        [f"{shape} in memory: pandas → polars conversion (once, not in the above)", f"{memory['pandas_to_polars_s']:.2f} s", "", ""],
        [
            "10M × 15 cols PostgreSQL table: SQL engine vs read_sql + pandas engine, time",
            f"{ours['seconds']:.1f} s",
            f"{baseline['seconds']:.1f} s",
            f"{baseline['seconds'] / ours['seconds']:.1f}× faster",
        ],
        [
            "same, peak memory of the client process",
            f"{ours['peak_mb']:,.0f} MB",
            f"{baseline['peak_mb']:,.0f} MB",
            f"{baseline['peak_mb'] / ours['peak_mb']:.0f}× less",
        ],
        [
            "of which: exact duplicate-row count (one query, hash of each row)",
            f"{sql['duplicate_rows_query']['seconds']:.1f} s",
            "",
            f"{sql['duplicate_rows_query']['seconds'] / ours['seconds']:.0%} of the SQL engine's time",
        ],
    ]
    table = markdown_table(["measurement", "ours", "baseline", "ratio"], rows)
    write_results("profiles", "Partition profiling engines", table, {"in_memory": memory, "postgres": sql})
    return table


def _seconds(value: float | None) -> str:
    return "not installable here" if value is None else f"{value:.2f} s"


def _gate_ratio(gate_s: float | None, pandas_s: float, polars_s: float) -> str:
    if gate_s is None:
        return ""
    return f"pandas engine {pandas_s / gate_s:.2f}×, polars engine {polars_s / gate_s:.2f}× of GATE's time"


if __name__ == "__main__":
    print(main())
