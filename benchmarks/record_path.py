"""Issue 11, items 9 and 13: the cost of keeping a verdict and its artifacts in one transaction,
against the former path (the verdict committed, then the profile in a transaction of its own),
and the documented "what did we let through" query on a store with 100,000 gate runs.

Usage: python -m benchmarks.record_path [runs]   (default 200 gate runs per path and store)
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import PG_SERVER, markdown_table, write_results

DATABASE = "quality_gates_bench_record_path"
SEEDED_RUNS = 100_000
LET_THROUGH = Path(__file__).resolve().parents[1] / "docs" / "results-store.md"


def _profile():
    from quality_gates.checks.profiles import profile_partition

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"c{i}": rng.normal(i, 1, 1_000) for i in range(20)})
    return profile_partition(frame)


def _result(key: str):
    from quality_gates.checks.results import CheckKind, CheckResult, GateAction, GateKind, GateMode, GateResult, Severity, Status

    now = dt.datetime.now(dt.UTC)
    checks = [
        CheckResult(
            "partition_anomaly",
            None,
            Status.PASSED,
            Severity.ERROR,
            "score 0.2",
            "score below 1.00",
            {"kind": CheckKind.PARTITION_ANOMALY, "score": 0.2, "culprits": [], "history_size": 30},
        )
    ]
    checks += [
        CheckResult("mean", f"c{i}", Status.PASSED, Severity.ERROR, "1.0", "0.9 … 1.1", {"kind": CheckKind.ANOMALY_EXPLANATION})
        for i in range(20)
    ]
    return GateResult(GateKind.ANOMALY, "bench_orders", key, tuple(checks), 1_000, now, now, mode=GateMode.FAIL, action=GateAction.ALLOWED)


def _per_run_ms(store, runs: int, path: str) -> float:
    from quality_gates.checks.artifacts import PartitionProfileArtifact
    from quality_gates.checks.results import RunIdentity

    profile = _profile()
    times = []
    for i in range(runs):
        key = f"{path}-{i:05d}"
        identity, result = RunIdentity("bench_record_path", path, key), _result(key)
        start = time.perf_counter()
        if path == "verdict only":
            store.record(identity, result)
        elif path == "verdict, then profile (two transactions; before)":
            gate_run_id = store.record(identity, result)
            store.partitions.save(result.dataset, key, profile, anomalous=False, gate_run_id=gate_run_id)
        else:
            store.record(identity, result, [PartitionProfileArtifact(profile, anomalous=False)])
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _seed_runs(store) -> None:
    """100,000 gate runs: 5% failed and let through in warn mode, the rest passed or blocked."""
    from sqlalchemy import insert

    from quality_gates.store.models import GateRunRow

    now = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    rows = []
    for i in range(SEEDED_RUNS):
        let_through, blocked = i % 20 == 0, i % 20 == 1
        rows.append(
            {
                "dag_id": f"dag_{i % 50}",
                "task_id": "gate",
                "run_id": f"seed_{i}",
                "map_index": -1,
                "try_number": 1,
                "dataset": f"dataset_{i % 200}",
                "partition_key": f"2024-{i % 365:03d}",
                "gate": "schema",
                "status": "failed" if let_through or blocked else "passed",
                "started_at": now - dt.timedelta(minutes=i),
                "finished_at": now - dt.timedelta(minutes=i),
                "row_count": 1_000,
                "summary": {"checks": 3},
                "mode": "warn" if let_through else "fail",
                "action": "blocked" if blocked else "allowed",
            }
        )
    with store.engine.begin() as connection:
        for start in range(0, len(rows), 10_000):
            connection.execute(insert(GateRunRow), rows[start : start + 10_000])


def _query_ms(store) -> tuple[float, int]:
    import re

    from sqlalchemy import text

    query = text(re.search(r"```sql\n(.*?)```", LET_THROUGH.read_text().split("### What did we let through?", 1)[1], re.S).group(1))
    times, found = [], 0
    with store.engine.connect() as connection:
        for _ in range(7):
            start = time.perf_counter()
            found = len(connection.execute(query).all())
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, found


def _stores():
    import sqlalchemy as sa

    from quality_gates.store.repository import ResultStore

    folder = tempfile.mkdtemp(prefix="qg-bench-record-")
    yield "SQLite", ResultStore.open(f"sqlite:///{folder}/store.db")
    admin = sa.create_engine(f"postgresql+psycopg2://{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{DATABASE}"')
    try:
        yield "PostgreSQL", ResultStore.open(f"postgresql+psycopg2://{PG_SERVER}/{DATABASE}")
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.dispose()


def main(runs: int = 200) -> str:
    paths = ("verdict only", "verdict, then profile (two transactions; before)", "verdict and profile, one transaction (now)")
    rows, raw = [], {}
    for name, store in _stores():
        timings = {path: _per_run_ms(store, runs, path) for path in paths}
        before, now = timings[paths[1]], timings[paths[2]]
        for path in paths:
            ratio = f"{timings[path] / before:.2f}×" if path != paths[0] else ""
            rows.append([name, f"record one anomaly gate run (21 checks, 20-column profile): {path}", f"{timings[path]:.2f} ms", ratio])
        _seed_runs(store)
        query_ms, found = _query_ms(store)
        rows.append(
            [
                name,
                f"'what did we let through' (docs/results-store.md) on {SEEDED_RUNS + 3 * runs:,} gate runs: {found:,} rows",
                f"{query_ms:.1f} ms",
                "",
            ]
        )
        raw[name] = {
            "per_run_ms": timings,
            "let_through_query_ms": query_ms,
            "let_through_rows": found,
            "runs": runs,
            "one_transaction_vs_two": now / before,
        }
        store.engine.dispose()
    table = markdown_table(["store", "measurement", f"median of {runs} runs (query: of 7)", "vs two transactions"], rows)
    write_results("record_path", "Recording a verdict with its artifacts (issue 11, items 9 and 13)", table, raw)
    return table


if __name__ == "__main__":
    print(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
