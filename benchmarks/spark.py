"""Issue 13: a Parquet table through the schema, anomaly and drift gates' computations on Spark
(local[1], local[2]) vs the pandas path, in the same run: wall time per gate, the Airflow
worker's peak memory and the JVM's, each engine in a process of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import markdown_table, write_results

# The shared 2-core machine is loaded: sizes below the 5M/10M/20M (QG_BENCH_SPARK_ROWS overrides).
SIZES = [int(n) for n in os.environ.get("QG_BENCH_SPARK_ROWS", "1000000,2000000").split(",")]
ENGINES = ["pandas", "local[1]", "local[2]"]
GATES = ["schema", "anomaly (profile)", "drift (current side)"]


def orders(rows: int, path: Path) -> None:
    rng = np.random.default_rng(0)
    amount = rng.gamma(2.0, 20.0, rows).round(2)
    amount[rng.random(rows) < 0.01] = np.nan
    pd.DataFrame(
        {
            "order_id": np.arange(rows),
            "amount": amount,
            "status": rng.choice(["new", "paid", "shipped"], rows),
            "quantity": rng.integers(1, 21, rows),
        }
    ).to_parquet(path, index=False)


def run(engine: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.spark_worker", engine, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> str:
    raw: dict = {}
    rows_out = []
    with tempfile.TemporaryDirectory() as tmp:
        for rows in SIZES:
            path = Path(tmp) / f"orders_{rows}.parquet"
            orders(rows, path)
            results = {engine: run(engine, path) for engine in ENGINES}
            raw[rows] = results
            base = results["pandas"]
            for engine, result in results.items():
                total = sum(result["seconds"][g] for g in GATES)
                base_total = sum(base["seconds"][g] for g in GATES)
                rows_out.append(
                    [
                        f"{rows:,}",
                        engine,
                        *(f"{result['seconds'][g]:.2f}" for g in GATES),
                        f"{total:.2f}",
                        f"{total / base_total:.2f}×",
                        f"{result['seconds']['read / session']:.1f}",
                        f"{result['worker_peak_bytes'] / 2**20:,.0f}",
                        f"{result['jvm_peak_bytes'] / 2**20:,.0f}",
                    ]
                )
    table = markdown_table(
        ["rows", "engine", *(f"{g} s" for g in GATES), "gates s", "vs pandas", "read/session s", "worker peak MiB", "JVM peak MiB"],
        rows_out,
    )
    write_results("spark", "Gates on Spark vs the pandas path (Parquet table)", table, raw)
    return table


if __name__ == "__main__":
    print(main())
