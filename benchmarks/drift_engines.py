"""Issues 12/13: the reference-profile and drift gates computed where the data lives vs reading
the compared columns' values into the worker (the path before), side by side in one run.

Data: a Parquet file scanned by DuckDB and a PostgreSQL table, 10M rows each (``QG_BENCH_QUICK=1``:
200k; ``QG_BENCH_SCALE`` scales both), the columns ``amount`` (float, 5% NaN in the file) and
``kind`` (4 categories). Each measurement runs in its own process and reports its peak RSS
(VmHWM), so the numbers are the worker's memory, not the database's.

* reference: ``Family.REFERENCE_PROFILE`` (counts in the engine) vs ``Family.COLUMN_VALUES`` +
  ``profile_reference`` (values in pandas);
* drift: ``Family.CURRENT_SKETCH`` + ``compare_with_reference`` vs ``COLUMN_VALUES`` +
  ``compare_with_reference`` on the frame, against the same stored reference.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from benchmarks.common import ensure_bench_database, markdown_table, write_results
from benchmarks.engines import PEAK, run_child

QUICK = os.environ.get("QG_BENCH_QUICK") == "1"
SCALE = float(os.environ.get("QG_BENCH_SCALE", "1"))
ROWS = int((200_000 if QUICK else 10_000_000) * SCALE)
TABLE = "drift_events"
COLUMNS = ["amount", "kind"]
TARGET_MB = 500

CHILD = (
    """
import json, sys, time
import sqlalchemy as sa
from quality_gates.engines import DuckDBFiles, Family, SqlQuery, compute
from quality_gates.checks.profiles.reference import profile_reference, reference_from_json, reference_to_json
from quality_gates.checks.drift import compare_with_reference
kind, where, gate, path, table, reference_file = sys.argv[1:7]
columns = ["amount", "kind"]
if kind == "parquet":
    data = DuckDBFiles.scan([where], "parquet", "bench")
else:
    data = SqlQuery(sa.create_engine(where), sa.select(sa.literal_column("*")).select_from(sa.table(table)), "bench")
start = time.perf_counter()
if gate == "reference":
    if path == "new":
        reference = compute(Family.REFERENCE_PROFILE, data, columns=columns)
    else:
        reference = profile_reference(compute(Family.COLUMN_VALUES, data, columns=columns), columns=columns)
    if reference_file != "-":
        open(reference_file, "w").write(json.dumps(reference_to_json(reference)))
else:
    reference = reference_from_json(json.loads(open(reference_file).read()), dataset="bench", version="v1")
    if path == "new":
        current = compute(Family.CURRENT_SKETCH, data, reference, columns=columns)
    else:
        current = compute(Family.COLUMN_VALUES, data, columns=columns)
    report = compare_with_reference(reference, current, columns=columns)
    assert report.status == "passed", [c.check_name for c in report.checks if c.status != "passed"]
seconds = time.perf_counter() - start
"""
    + PEAK
    + """
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024}))
"""
)


def prepare_table(pg: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(pg)
    with engine.begin() as connection:
        have = connection.exec_driver_sql(f"SELECT to_regclass('public.{TABLE}') IS NOT NULL").scalar()
        if have and connection.exec_driver_sql(f"SELECT count(*) FROM {TABLE}").scalar() == ROWS:
            return
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
        connection.exec_driver_sql(
            f"""CREATE TABLE {TABLE} AS
            SELECT g AS event_id, CASE WHEN g %% 20 = 0 THEN NULL ELSE round((random() * 100)::numeric, 2)::float8 END AS amount,
                   (ARRAY['view','click','buy','share'])[1 + g %% 4] AS kind
            FROM generate_series(1, {ROWS}) g"""
        )
        connection.exec_driver_sql(f"ANALYZE {TABLE}")
    engine.dispose()


def write_parquet(path: Path) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    with pq.ParquetWriter(path, pa.schema([("amount", pa.float64()), ("kind", pa.string())])) as writer:
        for start in range(0, ROWS, 1_000_000):  # written in parts: this process stays small too
            size = min(1_000_000, ROWS - start)
            amount = rng.normal(50, 30, size).round(2)
            amount[rng.random(size) < 0.05] = np.nan
            kind = rng.choice(["view", "click", "buy", "share"], size)
            writer.write_table(pa.table({"amount": amount, "kind": kind}))


def main() -> str:
    pg = ensure_bench_database()
    prepare_table(pg)
    rows, raw = [], []
    with tempfile.TemporaryDirectory() as tmp:
        parquet = Path(tmp) / "drift.parquet"
        write_parquet(parquet)
        for kind, where, label in (("parquet", str(parquet), f"Parquet {ROWS:,} rows (DuckDB)"), ("sql", pg, f"PostgreSQL {ROWS:,} rows")):
            reference_file = str(Path(tmp) / f"{kind}_reference.json")
            measured = {}
            for gate in ("reference", "drift"):
                for path in ("new", "old"):
                    target = reference_file if (gate, path) == ("reference", "new") else ("-" if gate == "reference" else reference_file)
                    measured[gate, path] = run_child(CHILD, kind, where, gate, path, TABLE, target)
                new, old = measured[gate, "new"], measured[gate, "old"]
                rows.append(
                    [
                        f"{label}: {gate} gate ({', '.join(COLUMNS)})",
                        f"{new['seconds']:.1f} s, peak {new['peak_mb']:.0f} MB",
                        f"{old['seconds']:.1f} s, peak {old['peak_mb']:.0f} MB",
                        f"time {new['seconds'] / old['seconds']:.2f}×, peak {new['peak_mb'] / old['peak_mb']:.2f}× "
                        f"({'meets' if new['peak_mb'] < TARGET_MB else 'misses'} peak < {TARGET_MB} MB)",
                    ]
                )
                raw.append({"data": label, "gate": gate, "new": new, "old": old})
    table = markdown_table(["measurement", "in the engine (counts)", "values in the worker (before)", "ratio"], rows)
    write_results("drift_engines", "Reference-profile and drift gates computed where the data lives", table, {"rows": ROWS, "runs": raw})
    return table


if __name__ == "__main__":
    started = time.perf_counter()
    print(main())
    print(json.dumps({"total_s": round(time.perf_counter() - started, 1)}))
