"""Freshness, referential integrity and quarantine on PostgreSQL (issue 16), each beside its baseline.

- Freshness: ``MAX(ts)`` on a 10M-row table with a B-tree index on ``ts`` (a lookup) vs without
  (one sequential scan; ``COUNT(*)`` over the same table is shown as the cost of one scan).
- Referential integrity, 10M child rows vs 1M parent keys: our in-database anti-join; our
  hashed-keys path (used across connections); and the usual baseline, both key columns pulled
  into pandas and compared with ``isin``. Each runs in its own process: wall time and the
  client's peak RSS (what the Airflow worker would need).
- Quarantine: a 5M-row table with 1 % failing rows through the schema gate's core with a
  quarantine spool, then the failing rows written to a PostgreSQL table in one transaction;
  the same validation without quarantine is the baseline.

Sizes: ``NEW_CHECKS_SCALE`` (default 1.0) multiplies every row count, for quick runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import (
    ensure_bench_database,
    markdown_table,
    median_seconds,
    write_results,
)

ROOT = Path(__file__).resolve().parents[1]
SCALE = float(os.environ.get("NEW_CHECKS_SCALE", "1.0"))
EVENTS, CHILD, PARENT, QUARANTINE_ROWS = (int(n * SCALE) for n in (10_000_000, 10_000_000, 1_000_000, 5_000_000))


def _setup(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as c:
        c.exec_driver_sql("DROP TABLE IF EXISTS nc_events, nc_events_indexed, nc_parent, nc_child, nc_orders, nc_quarantine")
        c.exec_driver_sql(
            f"CREATE TABLE nc_events AS SELECT g AS id, timestamp '2024-01-01' + g * interval '1 second' AS ts "
            f"FROM generate_series(1, {EVENTS}) g"
        )
        c.exec_driver_sql("CREATE TABLE nc_events_indexed AS SELECT * FROM nc_events")
        c.exec_driver_sql("CREATE INDEX ON nc_events_indexed (ts)")
        c.exec_driver_sql(f"CREATE TABLE nc_parent AS SELECT g AS id FROM generate_series(1, {PARENT}) g")
        # 0.1 % of child keys point past the parent's ids: orphans.
        c.exec_driver_sql(
            f"CREATE TABLE nc_child AS SELECT g AS id, (g %% {int(PARENT * 1.001)}) + 1 AS parent_id FROM generate_series(1, {CHILD}) g"
        )
        c.exec_driver_sql(
            f"CREATE TABLE nc_orders AS SELECT g::bigint AS order_id, "
            f"CASE WHEN g %% 100 = 0 THEN -1.0 ELSE (g %% 500)::float8 END AS amount, "
            f"CASE WHEN g %% 3 = 0 THEN 'paid' ELSE 'new' END AS status FROM generate_series(1, {QUARANTINE_ROWS}) g"
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.exec_driver_sql("VACUUM ANALYZE nc_events, nc_events_indexed, nc_parent, nc_child, nc_orders")
    engine.dispose()


def _freshness(url: str) -> tuple[list[list[str]], dict]:
    import sqlalchemy as sa

    from quality_gates.checks.freshness import newest_in_database

    engine = sa.create_engine(url)
    timings = {
        "MAX(ts), index on ts": median_seconds(lambda: newest_in_database(engine, sa.table("nc_events_indexed"), "ts"), repeats=20),
        "MAX(ts), no index": median_seconds(lambda: newest_in_database(engine, sa.table("nc_events"), "ts"), repeats=3),
    }

    def count() -> None:
        with engine.connect() as c:
            c.exec_driver_sql("SELECT count(*) FROM nc_events").scalar()

    timings["COUNT(*) (one scan, for scale)"] = median_seconds(count, repeats=3)
    engine.dispose()
    return [[f"freshness, {EVENTS:,} rows: {k}", f"{v * 1e3:,.1f} ms", "", ""] for k, v in timings.items()], {"freshness_seconds": timings}


# Each referential-integrity method in a fresh process: the peak RSS is the client's own.
RI_WORKER = r"""
import json, sys, time
import sqlalchemy as sa
url, method = sys.argv[1], sys.argv[2]
engine = sa.create_engine(url)
# VmHWM, not ru_maxrss: a child started by vfork + exec inherits its parent's high-water mark there.
def high_water_kb():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
start_rss = high_water_kb()
started = time.perf_counter()
if method == "pandas":
    import pandas as pd
    with engine.connect() as c:
        child = pd.read_sql("SELECT parent_id FROM nc_child", c)["parent_id"]
        parent = pd.read_sql("SELECT id FROM nc_parent", c)["id"]
    orphans = int((~child.dropna().isin(parent)).sum())
else:
    from quality_gates.checks.cross_table import FrameSide, SqlSide, relationship, sql_chunks
    child = SqlSide("nc_child", engine, sa.table("nc_child", sa.column("parent_id")))
    parent = SqlSide("nc_parent", engine, sa.table("nc_parent", sa.column("id")))
    if method == "hashed":  # what runs across two connections: the parent's side read as frames
        parent = FrameSide("nc_parent", lambda columns: sql_chunks(SqlSide("p", engine, sa.table("nc_parent", sa.column("id"))), columns))
    orphans = relationship(child, ["parent_id"], parent, ["id"]).details["failing_rows"]
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "orphans": orphans, "peak_rss_mib": high_water_kb() / 1024,
                  "rss_before_mib": start_rss / 1024}))
"""


def _referential_integrity(url: str) -> tuple[list[list[str]], dict]:
    rows, raw = [], {}
    labels = {
        "database": "in-database anti-join (ours, one connection)",
        "hashed": "hashed keys (ours, across connections)",
        "pandas": "baseline: both key columns into pandas, isin",
    }
    for method, label in labels.items():
        done = subprocess.run(
            [sys.executable, "-c", RI_WORKER, url, method],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        raw[method] = result
        rows.append(
            [
                f"relationships, {CHILD:,} vs {PARENT:,} rows: {label}",
                f"{result['seconds']:,.2f} s",
                f"{result['peak_rss_mib']:,.0f} MiB (imports: {result['rss_before_mib']:,.0f})",
                f"{result['orphans']:,} orphans",
            ]
        )
    base = raw["pandas"]["seconds"]
    for row, method in zip(rows, labels):
        row[3] += f" · {raw[method]['seconds'] / base:.2f}× the pandas time"
    return rows, {"relationships": raw}


def _quarantine(url: str) -> tuple[list[list[str]], dict]:
    import pandas as pd
    import pandera.pandas as pa
    import sqlalchemy as sa

    from quality_gates.checks.gates import schema_gate
    from quality_gates.checks.quarantine import (
        QuarantineSpool,
        TableWriteTarget,
        stamped,
        unique_keys_of,
    )

    engine = sa.create_engine(url)
    schema = pa.DataFrameSchema(
        {
            "order_id": pa.Column("int64", unique=True),
            "amount": pa.Column(float, pa.Check.ge(0)),
            "status": pa.Column(str, pa.Check.isin(["new", "paid"])),
        }
    )

    def chunks():
        with engine.connect().execution_options(stream_results=True, max_row_buffer=200_000) as c:
            yield from pd.read_sql("SELECT * FROM nc_orders", c, chunksize=200_000)

    started = time.perf_counter()
    schema_gate(chunks(), schema, allow_empty=False, max_failure_cases=20)
    plain = time.perf_counter() - started

    started = time.perf_counter()
    spool = QuarantineSpool(unique_keys_of(schema))
    schema_gate(chunks(), schema, allow_empty=False, max_failure_cases=20, on_chunk=spool)
    counts = spool.finish()
    validated = time.perf_counter() - started
    with engine.begin() as c:
        c.exec_driver_sql("DROP TABLE IF EXISTS nc_quarantine")
    started = time.perf_counter()
    written = TableWriteTarget(engine, "nc_quarantine", "bench").write(stamped(spool.failing_rows(), 1, "2024-01-01"))
    write = time.perf_counter() - started
    spool.cleanup()
    engine.dispose()
    raw = {
        "rows": QUARANTINE_ROWS,
        "failing_rows": counts.failing_rows,
        "written": written,
        "validate_seconds": plain,
        "validate_and_spool_seconds": validated,
        "write_seconds": write,
    }
    rows = [
        [
            f"quarantine, {QUARANTINE_ROWS:,} rows: baseline, schema gate without quarantine",
            f"{plain:,.1f} s",
            "",
            f"{QUARANTINE_ROWS / plain:,.0f} rows/s validated",
        ],
        [
            f"quarantine, {QUARANTINE_ROWS:,} rows: schema gate + spool (ours)",
            f"{validated:,.1f} s",
            "",
            f"{QUARANTINE_ROWS / validated:,.0f} rows/s validated · {validated / plain:.2f}× the baseline",
        ],
        [
            f"quarantine: {written:,} failing rows (1 %) to a PostgreSQL table, one transaction",
            f"{write:,.2f} s",
            "",
            f"{written / write:,.0f} rows/s written",
        ],
    ]
    return rows, {"quarantine": raw}


def main() -> str:
    url = ensure_bench_database()
    _setup(url)
    rows, raw = [], {"scale": SCALE}
    for part in (_freshness, _referential_integrity, _quarantine):
        part_rows, part_raw = part(url)
        rows += part_rows
        raw.update(part_raw)
    table = markdown_table(["measurement", "time", "client peak RSS", "notes"], rows)
    write_results("new_checks", "Freshness, referential integrity and quarantine on PostgreSQL (issue 16)", table, raw)
    return table


if __name__ == "__main__":
    print(main())
