"""Issue 13: a 15-column Parquet table through the schema, anomaly and drift gates' computations on
Spark local[1] and local[2] vs the pandas path (``FileSource(..., engine="pandas")``) on the same
data, in the same run: wall time per gate, the Airflow worker's peak memory (the Python process)
and the JVM's (counted separately), CPU seconds of each.

Each (size, engine) runs in a process of its own (benchmarks/spark_worker.py), so its peak is its
own; the pandas path runs under a 4 GiB address-space limit (``RLIMIT_AS``) and is reported as
"out of memory" when it does not fit. Results are written after every run, so a run cut short
keeps what it measured.

Sizes: 5M, 10M, 20M rows (``QG_BENCH_SPARK_ROWS=...`` overrides; ``QG_BENCH_QUICK=1``: 200k).
The table files are kept between runs (benchmarks/spark_data.py).
"""

from __future__ import annotations

import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import markdown_table, write_results
from benchmarks.spark_data import orders_table
from benchmarks.spark_worker import DRIFT_COLUMNS

QUICK = os.environ.get("QG_BENCH_QUICK") == "1"
SIZES = [int(n) for n in os.environ.get("QG_BENCH_SPARK_ROWS", "200000" if QUICK else "5000000,10000000,20000000").split(",")]
ENGINES = ["pandas", "local[1]", "local[2]"]
GATES = ["schema", "anomaly (profile)", "drift (current side)"]
PANDAS_LIMIT = 4 * 2**30  # the pandas path's address space: "does the table fit a 4 GB worker?"
TIMEOUT = float(os.environ.get("QG_BENCH_SPARK_TIMEOUT", "5400"))  # seconds per (size, engine)
REFERENCE_ROWS = 200_000


def reference(path: Path, out: Path) -> None:
    """The drift gate's stored reference: the first rows of the table, profiled by the pandas engine
    here (not in the measured process)."""
    import pyarrow.parquet as pq

    from quality_gates.engines import Family, PandasChunks, compute

    frame = next(pq.ParquetFile(path).iter_batches(batch_size=REFERENCE_ROWS, columns=DRIFT_COLUMNS)).to_pandas()
    profile = compute(Family.REFERENCE_PROFILE, PandasChunks.of(frame, "reference"), columns=DRIFT_COLUMNS)
    out.write_bytes(pickle.dumps(profile))


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (PANDAS_LIMIT, PANDAS_LIMIT))


def run(engine: str, path: Path, reference_path: Path) -> dict:
    try:
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.spark_worker", engine, str(path), str(reference_path)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
            preexec_fn=_limit_address_space if engine == "pandas" else None,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {TIMEOUT:.0f} s"}
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode == 0 and lines:
        return json.loads(lines[-1])
    tail = out.stderr.strip().splitlines()[-3:]
    memory = any(word in out.stderr for word in ("MemoryError", "bad_alloc", "Cannot allocate", "ArrowMemoryError", "OutOfMemory"))
    return {"error": "out of memory" if memory else f"failed (exit {out.returncode})", "stderr": tail}


def _mib(value: float | None) -> str:
    return "—" if value is None else f"{value / 2**20:,.0f}"


def _sum(result: dict, gates: list[str]) -> float:
    return sum(result["seconds"][g] for g in gates)


def _common(result: dict, other: dict) -> list[str]:
    """The gates both runs measured (a skipped or failed gate leaves a ratio to the others)."""
    if "error" in result or "error" in other:
        return []
    return [g for g in GATES if g in result.get("seconds", {}) and g in other.get("seconds", {})]


def table_rows(raw: dict) -> list[list[object]]:
    rows_out = []
    for rows, results in raw.items():
        base = results.get("pandas", {})
        one_core = results.get("local[1]", {})
        for engine, result in results.items():
            seconds = result.get("seconds", {})
            measured = [g for g in GATES if g in seconds]
            total = _sum(result, measured) if measured and "error" not in result else None
            common = _common(result, base)
            ratio = f"{_sum(result, common) / _sum(base, common):.2f}×" if common and engine != "pandas" else "—"
            common = _common(one_core, result)
            speedup = f"{_sum(one_core, common) / _sum(result, common):.2f}×" if common and engine == "local[2]" else "—"
            jvm_cpu = result.get("jvm_cpu_seconds")
            per_core = f"{int(rows) / jvm_cpu / 1e3:,.0f}" if jvm_cpu and engine != "pandas" else "—"
            rows_out.append(
                [
                    f"{int(rows):,}",
                    engine,
                    *(f"{seconds[g]:.1f}" if g in seconds else "—" for g in GATES),
                    f"{total:.1f}" if total is not None else result.get("error", "—"),
                    ratio,
                    speedup,
                    f"{seconds['session']:.1f}" if "session" in seconds else "—",
                    _mib(result.get("worker_peak_bytes")),
                    _mib(result.get("worker_after_imports_bytes")),
                    _mib(result.get("jvm_peak_bytes")) if engine != "pandas" else "—",
                    f"{(result.get('worker_cpu_seconds') or 0) + (jvm_cpu or 0):.0f}" if "worker_cpu_seconds" in result else "—",
                    per_core,
                ]
            )
    return rows_out


HEADERS = [
    "rows",
    "engine",
    *(f"{g} s" for g in GATES),
    "gates s",
    "vs pandas",
    "local[1]→[2] speed-up",
    "session s",
    "worker peak MiB",
    "worker after imports MiB",
    "JVM peak MiB",
    "CPU s (worker+JVM)",
    "k rows per JVM CPU s",
]


def main() -> str:
    raw: dict = {}
    table = ""
    with tempfile.TemporaryDirectory() as tmp:
        for rows in SIZES:
            path = orders_table(rows)
            reference_path = Path(tmp) / f"reference_{rows}.pickle"
            reference(path, reference_path)
            raw[str(rows)] = {}
            for engine in ENGINES:
                raw[str(rows)][engine] = run(engine, path, reference_path)
                table = markdown_table(HEADERS, table_rows(raw))
                write_results("spark", "Gates on Spark vs the pandas path (15-column Parquet table)", table + NOTES, raw)
                print(f"{rows:,} {engine}: {json.dumps(raw[str(rows)][engine])}", file=sys.stderr, flush=True)
    return table


NOTES = """

Worker peak: the gate process's own peak RSS (VmHWM; pandas, pyarrow, pandera and pyspark imported: see
"after imports"); the JVM's peak RSS and CPU are sampled separately (Spark's driver = executor in
local mode, `spark.driver.memory=2g`). The pandas path runs under a 4 GiB address-space limit.
"k rows per JVM CPU s" is the throughput one executor core gives: a cluster's wall time is about
rows / (that × cores) plus job scheduling. "vs pandas" and the speed-up compare the gates both runs
measured. The machine is a shared, loaded 2-core box: wall times
are inflated; CPU seconds are the steadier measure."""


if __name__ == "__main__":
    print(main())
