"""One engine's run of benchmarks/spark.py in a process of its own, so that its peak memory is its
own: the schema gate's checks, the anomaly gate's partition profile and the drift gate's current
side on a Parquet table, the way the gates compute them (``compute(Family...)``).

Usage: python -m benchmarks.spark_worker ENGINE PARQUET REFERENCE_PICKLE
(ENGINE: ``pandas``, the FileSource pandas path, or a Spark master such as ``local[2]``).

Prints one JSON line: seconds per gate, the worker's peak RSS (this Python process: the Airflow
worker's share), its RSS after the imports, its CPU seconds, and the JVM's peak RSS and CPU
seconds (sampled every 0.2 s; Spark's JVM is a child process). A gate that runs out of memory
is reported as such, with the gates before it.
"""

from __future__ import annotations

import json
import pickle
import resource
import sys
import threading
import time

import psutil

DRIFT_COLUMNS = ["amount", "quantity", "status", "city"]
SAMPLE_ROWS = 10_000  # the anomaly gate's default (operators/anomaly_gate.py)


class JvmMeter:
    """Peak RSS and CPU seconds of this process's children (Spark's JVM), sampled; and this
    process's own peak RSS per phase (which gate raised the worker's peak)."""

    def __init__(self) -> None:
        self.peak = 0
        self.cpu: dict[int, float] = {}
        self.phase = "imports"
        self.worker_peaks: dict[str, int] = {}
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            rss = me.memory_info().rss
            self.worker_peaks[self.phase] = max(self.worker_peaks.get(self.phase, 0), rss)
            for child in me.children(recursive=True):
                try:
                    self.peak = max(self.peak, child.memory_info().rss)
                    times = child.cpu_times()
                    self.cpu[child.pid] = times.user + times.system
                except psutil.Error:
                    pass
            time.sleep(0.05)

    def cpu_seconds(self) -> float:
        return sum(self.cpu.values())

    def stop(self) -> None:
        self._stop.set()


def schema() -> object:
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "order_id": pa.Column(int, unique=True),
            "customer_id": pa.Column(int, pa.Check.gt(0)),
            "amount": pa.Column(float, [pa.Check.ge(0), pa.Check.le(500)], nullable=True),
            "quantity": pa.Column(int, pa.Check.in_range(1, 20)),
            "discount": pa.Column(float, pa.Check.in_range(0, 1)),
            "shipping": pa.Column(float, pa.Check.ge(0)),
            "status": pa.Column(str, pa.Check.isin(["new", "paid", "shipped", "returned"])),
            "channel": pa.Column(str, pa.Check.isin(["web", "app", "store", "phone"])),  # "partner" fails: samples
            "city": pa.Column(str, pa.Check.str_startswith("city_")),
            "country": pa.Column(str, pa.Check.str_length(2, 2)),
            "created_at": pa.Column("datetime64[us, UTC]"),
            "is_gift": pa.Column(bool),
            "coupon": pa.Column(str, nullable=True),
        }
    )


def high_water_mark() -> int:
    """This process's own peak RSS (VmHWM). Not ``ru_maxrss``: a child started by vfork + exec
    (Python's subprocess) inherits its parent's high-water mark there, so the benchmark's parent,
    which writes the 10M and 20M-row tables, showed up as a "worker peak" of 480-520 MiB."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))


def drift_current_side(data: object, reference: object) -> object:
    """The drift gate's current side: counts on the reference's edges (``CURRENT_SKETCH``)."""
    from quality_gates.engines import Family, compute

    return compute(Family.CURRENT_SKETCH, data, reference, columns=DRIFT_COLUMNS)


def main(engine: str, path: str, reference_path: str) -> None:
    from quality_gates.engines import Family, compute

    with open(reference_path, "rb") as handle:
        reference = pickle.load(handle)
    checks = schema()
    meter = JvmMeter()
    meter.phase = "session"
    seconds: dict[str, float] = {}
    result: dict = {"seconds": seconds}
    start = time.perf_counter()
    if engine == "pandas":
        from quality_gates.sources import FileSource

        data = FileSource(path).compute(engine="pandas")
    else:
        from quality_gates.engines.computation import SparkFrame
        from quality_gates.engines.spark_session import local_session

        # local mode: the driver is the executor; 2g leaves room for the row-hash shuffle at 20M rows.
        session = local_session(engine, {"spark.driver.memory": "2g", "spark.ui.showConsoleProgress": "false"})
        session.sparkContext.setLogLevel("ERROR")
        data = SparkFrame(session.read.parquet(path), "orders")
    seconds["session"] = time.perf_counter() - start
    result["worker_after_imports_bytes"] = psutil.Process().memory_info().rss
    gates = (
        ("schema", lambda: compute(Family.SCHEMA, data, checks, allow_empty=False, max_failure_cases=100)),
        ("anomaly (profile)", lambda: compute(Family.PARTITION_PROFILE, data, sample_rows=SAMPLE_ROWS)),
        ("drift (current side)", lambda: drift_current_side(data, reference)),
    )
    for gate, run in gates:
        meter.phase = gate
        start = time.perf_counter()
        try:
            run()
        except MemoryError:
            result["error"] = f"out of memory in {gate}"
            break
        seconds[gate] = time.perf_counter() - start
    meter.stop()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result |= {
        "worker_peak_bytes": high_water_mark(),
        "worker_cpu_seconds": usage.ru_utime + usage.ru_stime,
        "jvm_peak_bytes": meter.peak,
        "jvm_cpu_seconds": meter.cpu_seconds(),
        "worker_peak_by_phase_bytes": meter.worker_peaks,
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
