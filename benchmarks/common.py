"""Small helpers shared by the benchmarks: timing, tables, results files."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
PG_SERVER = os.environ.get("QG_TEST_PG_SERVER", "postgres@127.0.0.1:5432")
BENCH_DATABASE = "quality_gates_bench"


def median_seconds(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pg_url(database: str = BENCH_DATABASE) -> str:
    return f"postgresql+psycopg2://{PG_SERVER}/{database}"


def ensure_bench_database() -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(pg_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DATABASE,)).scalar()
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{BENCH_DATABASE}"')
    admin.dispose()
    return pg_url()


def markdown_table(headers: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(name: str, title: str, table: str, raw: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = f"# {title}\n\n{stamp} · {machine}\n\n{table}\n"
    (RESULTS / f"{name}.md").write_text(text, encoding="utf-8")
    (RESULTS / f"{name}.json").write_text(json.dumps({"measured_at": stamp, "machine": machine, **raw}, indent=2), encoding="utf-8")
    return RESULTS / f"{name}.md"
