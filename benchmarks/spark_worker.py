"""One engine's run of benchmarks/spark.py in a process of its own, so that its peak memory is its
own: schema, anomaly (partition profile) and drift (current side: column values) computations on
a Parquet table. Prints JSON: seconds per gate, the worker's peak RSS and the JVM's (sampled)."""

from __future__ import annotations

import json
import resource
import sys
import threading
import time

import psutil


def jvm_peak(stop: threading.Event, peak: list[int]) -> None:
    me = psutil.Process()
    while not stop.is_set():
        for child in me.children(recursive=True):
            try:
                peak[0] = max(peak[0], child.memory_info().rss)
            except psutil.Error:
                pass
        time.sleep(0.2)


def main(engine: str, path: str) -> None:
    import pandera.pandas as pa

    from quality_gates.engines import Family, PandasChunks, compute

    schema = pa.DataFrameSchema(
        {
            "order_id": pa.Column(int, unique=True),
            "amount": pa.Column(float, [pa.Check.ge(0), pa.Check.le(1_000)], nullable=True),
            "status": pa.Column(str, pa.Check.isin(["new", "paid", "shipped"])),
            "quantity": pa.Column(int, pa.Check.in_range(1, 20)),
        }
    )
    stop, peak = threading.Event(), [0]
    threading.Thread(target=jvm_peak, args=(stop, peak), daemon=True).start()
    seconds = {}
    start = time.perf_counter()
    if engine == "pandas":
        import pandas as pd

        data = PandasChunks.of(pd.read_parquet(path), "orders")
    else:
        from quality_gates.engines.computation import SparkFrame
        from quality_gates.engines.spark_session import local_session

        session = local_session(engine, {"spark.driver.memory": "1g"})
        data = SparkFrame(session.read.parquet(path), "orders")
    seconds["read / session"] = time.perf_counter() - start
    for gate, run in (
        ("schema", lambda: compute(Family.SCHEMA, data, schema, allow_empty=False, max_failure_cases=100)),
        ("anomaly (profile)", lambda: compute(Family.PARTITION_PROFILE, data, sample_rows=10_000)),
        ("drift (current side)", lambda: compute(Family.COLUMN_VALUES, data, columns=["amount", "status"])),
    ):
        start = time.perf_counter()
        run()
        seconds[gate] = time.perf_counter() - start
    stop.set()
    worker = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "worker_peak_bytes": worker, "jvm_peak_bytes": peak[0]}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
