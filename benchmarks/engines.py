"""Issue 12 benchmarks: gates compute where the data lives, each side by side with its baseline.

1. Parquet 1M × 20, 20+ checks, clean and 0.1% bad rows: the schema gate's validation (one polars
   select over a scan of the file, no store) vs pandera's polars backend ``validate(lazy=True)`` on
   the same file, and vs the same checks as DuckDB SQL and the chunked pandas path of before.
2. PostgreSQL 5M-row table, schema gate: pushed down vs streamed to the worker (the old path),
   each in its own process with its peak memory.
3. DuckDB over a 10M-row Parquet file: the partition profile and the schema checks vs DuckDB's
   own single aggregate query (moments of every column) over the same file.
4. polars profile 10M × 15 vs a moments-only polars ``select`` of the same frame.
5. PostgreSQL 10M rows: profile in the database vs one moments-only aggregate scan.
6. Bounded memory: a 10M-row PostgreSQL table and a 10M-row Parquet file through the schema,
   anomaly (profile), reference-profile and drift gates' computations, peak RSS per process.

``QG_BENCH_SCALE`` (default 1) scales every size down while iterating.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from benchmarks.common import ensure_bench_database, markdown_table, median_seconds, write_results

SCALE = float(os.environ.get("QG_BENCH_SCALE", "1"))
PARQUET_ROWS = int(1_000_000 * SCALE)
BIG_ROWS = int(10_000_000 * SCALE)
PG_SCHEMA_ROWS = int(5_000_000 * SCALE)
TABLE = "engines_events"  # BIG_ROWS rows; the 5M schema benchmark reads its first PG_SCHEMA_ROWS ids


# ---- 1. Parquet 1M × 20: pushdown vs pandera-polars ---------------------------------------------


def _polars_schema(schema):
    """The same columns and checks for pandera's polars backend."""
    import pandera.polars as pap
    import polars as pl

    types = {"float64": pl.Float64, "int64": pl.Int64, "str": pl.String, "string[pyarrow]": pl.String, "datetime64[ns]": pl.Datetime}
    columns = {}
    for name, column in schema.columns.items():
        dtype = types.get(str(column.dtype), pl.String)
        columns[name] = pap.Column(dtype, checks=list(column.checks), nullable=column.nullable, unique=column.unique)
    return pap.DataFrameSchema(columns)


def bench_parquet_schema(directory: Path) -> list[dict]:
    import pandera.errors
    import polars as pl

    from benchmarks.schema_gate import wide_frame, wide_schema
    from quality_gates.engines import DuckDBFiles, Family, compute
    from quality_gates.engines.schema_pushdown import validate_sql
    from quality_gates.sources import FileSource

    schema = wide_schema()
    polars_schema = _polars_schema(schema)
    checks = sum(len(c.checks) + c.unique + (not c.nullable) + (c.dtype is not None) for c in schema.columns.values())
    rows = []
    for label, bad in (("clean", 0.0), ("0.1% bad rows", 0.001)):
        path = directory / f"wide_{label[:5]}.parquet"
        wide_frame(PARQUET_ROWS, bad).to_parquet(path)

        def pandera_polars(path=path):
            try:
                # A DataFrame, not a LazyFrame: on a LazyFrame pandera-polars checks only the schema
                # (dtypes), not the values, unless PANDERA_VALIDATION_DEPTH says otherwise.
                polars_schema.validate(pl.read_parquet(path), lazy=True)
            except pandera.errors.SchemaErrors:
                pass

        def gate(path=path):
            return compute(
                Family.SCHEMA, DuckDBFiles.scan([str(path)], "parquet", "bench"), schema, allow_empty=False, max_failure_cases=20
            )

        def chunked(path=path):
            return compute(Family.SCHEMA, FileSource(str(path)).compute("pandas"), schema, allow_empty=False, max_failure_cases=20)

        def duckdb_sql(path=path):
            return validate_sql(DuckDBFiles.scan([str(path)], "parquet", "bench"), schema, allow_empty=False, max_failure_cases=20)

        failing = [c.check_name for c in gate().checks if c.status != "passed"]
        baseline = median_seconds(pandera_polars, repeats=5)
        ours = median_seconds(gate, repeats=5)
        old = median_seconds(chunked, repeats=3)
        duckdb = median_seconds(duckdb_sql, repeats=5)
        rows.append(
            {
                "data": label,
                "checks": checks,
                "pandera_polars_s": baseline,
                "gate_duckdb_s": ours,
                "gate_chunked_pandas_s": old,
                "duckdb_sql_s": duckdb,
                "ratio": ours / baseline,
                "failing_checks": failing,
            }
        )
    return rows


# ---- the PostgreSQL table (made once, server-side) ----------------------------------------------


def prepare_table(pg: str) -> float:
    import sqlalchemy as sa

    engine = sa.create_engine(pg)
    start = time.perf_counter()
    with engine.begin() as connection:
        have = connection.exec_driver_sql(f"SELECT to_regclass('public.{TABLE}') IS NOT NULL").scalar()
        if have and connection.exec_driver_sql(f"SELECT count(*) FROM {TABLE}").scalar() == BIG_ROWS:
            return 0.0
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
        connection.exec_driver_sql(
            f"""CREATE TABLE {TABLE} AS
            SELECT g AS event_id, (g %% 10000) AS user_id, random() * 100 AS amount, random() * 5 AS score,
                   (ARRAY['view','click','buy','share'])[1 + g %% 4] AS kind, md5(g::text) AS token,
                   timestamp '2024-01-01' + g * interval '1 second' AS created_at, (g %% 3 = 0) AS flagged
            FROM generate_series(1, {BIG_ROWS}) g"""
        )
        connection.exec_driver_sql(f"ANALYZE {TABLE}")
    engine.dispose()
    return time.perf_counter() - start


SQL_SCHEMA = """
import pandera.pandas as pa
SCHEMA = pa.DataFrameSchema({
    "event_id": pa.Column(int, unique=True), "user_id": pa.Column(int, pa.Check.ge(0)),
    "amount": pa.Column(float, pa.Check.in_range(0, 100)), "score": pa.Column(float, pa.Check.le(5)),
    "kind": pa.Column(str, pa.Check.isin(["view", "click", "buy", "share"])), "token": pa.Column(str, pa.Check.str_length(32, 32)),
    "created_at": pa.Column("datetime64[us]"), "flagged": pa.Column(bool),
})
"""

# Each child reports its own VmHWM (ru_maxrss would carry the parent's high-water mark over exec).
PEAK = """
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
"""

SQL_SCHEMA_GATE = (
    SQL_SCHEMA
    + """
import json, sys, time
import sqlalchemy as sa
from quality_gates.engines import Family, SqlQuery, compute
engine = sa.create_engine(sys.argv[1])
query = sa.select(sa.literal_column("*")).select_from(sa.table(sys.argv[2])).where(sa.column("event_id") <= int(sys.argv[3]))
start = time.perf_counter()
validation = compute(Family.SCHEMA, SqlQuery(engine, query, "bench", ("event_id",)), SCHEMA, allow_empty=False,
                     max_failure_cases=20, pushdown=sys.argv[4])
seconds = time.perf_counter() - start
"""
    + PEAK
    + """
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "rows": validation.row_count,
                  "failed": sorted(c.check_name for c in validation.checks if c.status != "passed")}))
"""
)


def run_child(script: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=os.environ.copy(), check=False)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_pg_schema(pg: str) -> dict:
    return {
        "pushdown": run_child(SQL_SCHEMA_GATE, pg, TABLE, str(PG_SCHEMA_ROWS), "auto"),
        "streamed": run_child(SQL_SCHEMA_GATE, pg, TABLE, str(PG_SCHEMA_ROWS), "never"),
    }


# ---- 3. DuckDB over a 10M-row Parquet file ------------------------------------------------------


def _moments_sql(relation: str, columns: dict[str, str]) -> str:
    """DuckDB's own single aggregate query: count, and per column non-nulls, mean, std, min, max."""
    parts = ["count(*)"]
    for name, kind in columns.items():
        quoted = '"' + name.replace('"', '""') + '"'
        parts.append(f"count({quoted})")
        if kind == "numeric":
            parts += [f"avg({quoted})", f"stddev_pop({quoted})", f"min({quoted})", f"max({quoted})"]
        elif kind == "text":
            parts += [f"avg(length({quoted}))", f"min(length({quoted}))", f"max(length({quoted}))"]
        else:
            parts += [f"min({quoted})", f"max({quoted})"]
    return f"SELECT {', '.join(parts)} FROM {relation}"


def _kinds(frame: pd.DataFrame) -> dict[str, str]:
    kinds = {}
    for name, dtype in frame.dtypes.items():
        kinds[name] = (
            "numeric"
            if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
            else "text"
            if pd.api.types.is_string_dtype(dtype)
            else "other"
        )
    return kinds


def bench_duckdb_big(path: Path, kinds: dict[str, str]) -> dict:
    import duckdb

    from quality_gates.checks.profiles.model import SAMPLE_ROWS
    from quality_gates.engines import DuckDBFiles, Family, compute
    from quality_gates.engines.schema_pushdown import validate_sql

    schema = _big_schema()
    connection = duckdb.connect()
    own = _moments_sql("read_parquet(?)", kinds)
    files = DuckDBFiles.scan([str(path)], "parquet", "bench")
    return {
        "duckdb_aggregate_s": median_seconds(lambda: connection.execute(own, [str(path)]).fetchall(), repeats=3),
        "profile_s": median_seconds(lambda: compute(Family.PARTITION_PROFILE, files, sample_rows=SAMPLE_ROWS), repeats=3),
        "schema_s": median_seconds(lambda: compute(Family.SCHEMA, files, schema, allow_empty=False, max_failure_cases=20), repeats=3),
        "schema_duckdb_sql_s": median_seconds(lambda: validate_sql(files, schema, allow_empty=False, max_failure_cases=20), repeats=3),
    }


def _big_schema():
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "id": pa.Column(int, unique=True),
            "user_id": pa.Column(int, pa.Check.ge(0)),
            "amount": pa.Column(float, pa.Check.in_range(-100, 200), nullable=True),
            "score": pa.Column(float, pa.Check.le(5)),
            "price": pa.Column(float, pa.Check.gt(0)),
            "quantity": pa.Column(int, pa.Check.in_range(-5, 15)),
            "discount": pa.Column(float, pa.Check.in_range(0, 1)),
            "latency_ms": pa.Column(float, pa.Check.ge(0)),
            "kind": pa.Column(str, pa.Check.isin(["view", "click", "buy", "share"])),
            "country": pa.Column(str, pa.Check.str_length(0, 12), nullable=True),
            "token": pa.Column(str, pa.Check.str_length(1, 20)),
            "flagged": pa.Column(bool),
        }
    )


# ---- 4. polars profile 10M × 15 vs a moments-only select ----------------------------------------


def bench_polars_profile(frame: pd.DataFrame) -> dict:
    import polars as pl

    from quality_gates.checks.profiles.polars_engine import profile_polars

    polars_frame = pl.from_pandas(frame)
    numeric = [n for n, t in polars_frame.schema.items() if t.is_numeric()]
    moments = [
        e
        for n in numeric
        for e in (
            pl.col(n).mean().alias(f"{n}_mean"),
            pl.col(n).std(ddof=0).alias(f"{n}_std"),
            pl.col(n).min().alias(f"{n}_min"),
            pl.col(n).max().alias(f"{n}_max"),
        )
    ]
    moments += [pl.col(n).null_count().alias(f"{n}_nulls") for n in polars_frame.columns]
    return {
        "moments_select_s": median_seconds(lambda: polars_frame.select(moments), repeats=3),
        "profile_s": median_seconds(lambda: profile_polars(polars_frame), repeats=3),
    }


# ---- 5. PostgreSQL profile vs one moments scan --------------------------------------------------

PG_PROFILE = (
    """
import json, sys, time
import sqlalchemy as sa
from quality_gates.engines import Family, SqlQuery, compute
import quality_gates.checks.profiles.sql_engine  # imported by a worker that profiles: not timed (pandas)
engine = sa.create_engine(sys.argv[1])
query = sa.select(sa.literal_column("*")).select_from(sa.table(sys.argv[2]))
start = time.perf_counter()
profile = compute(Family.PARTITION_PROFILE, SqlQuery(engine, query, "bench"), sample_rows=100_000)
seconds = time.perf_counter() - start
"""
    + PEAK
    + """
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "rows": profile.row_count}))
"""
)

PG_MOMENTS = """
import json, sys, time
import sqlalchemy as sa
columns = ["event_id", "user_id", "amount", "score"]
parts = ["count(*)"] + [f"{f}({c})" for c in columns for f in ("count", "avg", "stddev_pop", "min", "max")]
parts += ["count(kind)", "avg(length(kind))", "count(token)", "avg(length(token))", "min(created_at)", "max(created_at)",
          "count(flagged)", "count(*) FILTER (WHERE flagged)"]
with sa.create_engine(sys.argv[1]).connect() as connection:
    start = time.perf_counter()
    connection.exec_driver_sql(f"SELECT {', '.join(parts)} FROM {sys.argv[2]}").one()
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def bench_pg_profile(pg: str) -> dict:
    """The moments scan before and after the profile (and the Ibis formulation, when Ibis is
    installed: benchmarks/ibis_profile.py): the machine's load drifts during a run."""
    from benchmarks.ibis_profile import bench_ibis_profile, ibis_available

    before = run_child(PG_MOMENTS, pg, TABLE)
    profile = run_child(PG_PROFILE, pg, TABLE)
    ibis = bench_ibis_profile(pg, TABLE) if ibis_available() else None
    after = run_child(PG_MOMENTS, pg, TABLE)
    moments = {"seconds": (before["seconds"] + after["seconds"]) / 2}
    return {"profile": profile, "ibis": ibis, "moments": moments, "moments_runs": [before, after]}


# ---- 6. bounded memory: every gate's computation, each in its own process ----------------------

GATES = (
    """
import json, sys, time
import sqlalchemy as sa
from quality_gates.engines import DuckDBFiles, Family, SqlQuery, compute
from quality_gates.checks.profiles.model import SAMPLE_ROWS
from benchmarks.engines import _big_schema
"""
    + SQL_SCHEMA
    + """
kind, where, gate = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == "parquet":
    data, schema, columns = DuckDBFiles.scan([where], "parquet", "bench"), _big_schema(), ["amount", "kind"]
else:
    data = SqlQuery(sa.create_engine(where), sa.select(sa.literal_column("*")).select_from(sa.table(sys.argv[4])), "bench")
    schema, columns = SCHEMA, ["amount", "kind"]
start = time.perf_counter()
if gate == "schema":
    compute(Family.SCHEMA, data, schema, allow_empty=False, max_failure_cases=20)
elif gate == "anomaly":
    compute(Family.PARTITION_PROFILE, data, sample_rows=SAMPLE_ROWS)
else:  # counted in the engine (benchmarks/drift_engines.py compares with reading the values)
    reference = compute(Family.REFERENCE_PROFILE, data, columns=columns)
    if gate == "drift":
        from quality_gates.checks.drift import compare_with_reference
        compare_with_reference(reference, compute(Family.CURRENT_SKETCH, data, reference, columns=columns), columns=columns)
seconds = time.perf_counter() - start
"""
    + PEAK
    + """
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024}))
"""
)


def bench_memory(pg: str, parquet: Path) -> list[dict]:
    rows = []
    for gate in ("schema", "anomaly", "reference", "drift"):
        rows.append({"data": f"Parquet {BIG_ROWS:,} rows (DuckDB)", "gate": gate, **run_child(GATES, "parquet", str(parquet), gate)})
        rows.append({"data": f"PostgreSQL {BIG_ROWS:,} rows", "gate": gate, **run_child(GATES, "sql", pg, gate, TABLE)})
    return rows


# ---- the table -----------------------------------------------------------------------------------


def main() -> str:
    from benchmarks.profiles import mixed_frame

    pg = ensure_bench_database()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        parquet_rows = bench_parquet_schema(directory)
        frame = mixed_frame(BIG_ROWS).drop(columns=["created_at", "updated_at", "is_test"])
        big = directory / "big.parquet"
        frame.to_parquet(big)
        duck = bench_duckdb_big(big, _kinds(frame))
        polars_profile = bench_polars_profile(mixed_frame(BIG_ROWS))
        del frame
        created = prepare_table(pg)
        pg_schema = bench_pg_schema(pg)
        pg_profile = bench_pg_profile(pg)
        memory = bench_memory(pg, big)

    table_rows = []
    for row in parquet_rows:
        table_rows.append(
            [
                f"Parquet {PARQUET_ROWS:,} × 20, {row['checks']} checks, {row['data']}: schema gate (one polars select) vs "
                "pandera-polars validate(lazy=True)",
                f"{row['gate_duckdb_s']:.3f} s",
                f"{row['pandera_polars_s']:.3f} s",
                f"{row['ratio']:.2f}× (target ≤ 1.0×; same checks as DuckDB SQL {row['duckdb_sql_s']:.3f} s, "
                f"old chunked pandas path {row['gate_chunked_pandas_s']:.3f} s)",
            ]
        )
    push, stream = pg_schema["pushdown"], pg_schema["streamed"]
    table_rows.append(
        [
            f"PostgreSQL {PG_SCHEMA_ROWS:,} rows, schema gate: pushed down vs streamed (old path)",
            f"{push['seconds']:.2f} s, peak {push['peak_mb']:.0f} MB",
            f"{stream['seconds']:.2f} s, peak {stream['peak_mb']:.0f} MB",
            f"{stream['seconds'] / push['seconds']:.1f}× faster (target ≥ 10×, peak < 200 MB)",
        ]
    )
    for name in ("profile", "schema"):
        table_rows.append(
            [
                f"DuckDB over Parquet {BIG_ROWS:,} × 12: {name} vs DuckDB's own single aggregate query",
                f"{duck[f'{name}_s']:.2f} s",
                f"{duck['duckdb_aggregate_s']:.2f} s",
                f"{duck[f'{name}_s'] / duck['duckdb_aggregate_s']:.2f}× (target ≤ 2×"
                + (f"; one polars select over the scan, as DuckDB SQL {duck['schema_duckdb_sql_s']:.2f} s)" if name == "schema" else ")"),
            ]
        )
    table_rows.append(
        [
            f"polars profile {BIG_ROWS:,} × 15 vs moments-only polars select",
            f"{polars_profile['profile_s']:.2f} s",
            f"{polars_profile['moments_select_s']:.2f} s",
            f"{polars_profile['profile_s'] / polars_profile['moments_select_s']:.1f}× (target ≤ 2×)",
        ]
    )
    profile, moments = pg_profile["profile"], pg_profile["moments"]
    table_rows.append(
        [
            f"PostgreSQL {BIG_ROWS:,} × 8 profile in the database vs one moments-only aggregate scan",
            f"{profile['seconds']:.2f} s, peak {profile['peak_mb']:.0f} MB",
            f"{moments['seconds']:.2f} s",
            f"{profile['seconds'] / moments['seconds']:.2f}× (target ≤ 1.5×, peak < 500 MB)",
        ]
    )
    ibis = pg_profile["ibis"]
    if ibis is not None:
        table_rows.append(
            [
                f"PostgreSQL {BIG_ROWS:,} × 8: Ibis formulation of the profile (aggregate + TABLESAMPLE sample, no duplicate rows) "
                "vs our SQL engine (everything)",
                f"{ibis['seconds']:.2f} s (+ {ibis['distinct_seconds']:.2f} s exact distinct rows), peak {ibis['peak_mb']:.0f} MB",
                f"{profile['seconds']:.2f} s",
                f"{ibis['seconds'] / profile['seconds']:.2f}× ours; {ibis['seconds'] / moments['seconds']:.2f}× the moments scan",
            ]
        )
    for row in memory:
        table_rows.append(
            [
                f"{row['data']}: {row['gate']} gate's computation, client peak",
                f"{row['peak_mb']:.0f} MB",
                "500 MB",
                f"{row['seconds']:.1f} s",
            ]
        )
    table = markdown_table(["measurement", "ours", "baseline", "ratio"], table_rows)
    raw = {
        "scale": SCALE,
        "parquet_schema": parquet_rows,
        "pg_schema": pg_schema,
        "duckdb_big": duck,
        "polars_profile": polars_profile,
        "pg_profile": pg_profile,
        "memory": memory,
        "table_created_s": created,
    }
    write_results("engines", "Engines: gates compute where the data lives (issue 12)", table, raw)
    return table


if __name__ == "__main__":
    print(main())
