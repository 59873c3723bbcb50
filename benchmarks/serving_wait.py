"""The deferred serving gate's waiting, and alert delivery on Airflow's HTTP hook.

1. One poll of the label coverage trigger (one aggregate query: predictions in the window and how
   many have an arrived label) against the baseline of polling by re-running the gate's whole
   delayed-label join (what a rescheduled or retried non-deferrable gate does each time), on the
   same tables in PostgreSQL and SQLite.
2. The triggerer's event loop while a poll runs: the longest stall of a 10 ms ticker when the
   query runs in a thread (ours) against the same query called inside the coroutine (a naive
   trigger blocks every other trigger of the triggerer meanwhile).
3. One webhook alert through HttpHook (connection, session, response check) against a bare
   urllib POST (the channel's previous implementation), to a local HTTP server.

Usage: python -m benchmarks.serving_wait   (QG_BENCH_WAIT_ROWS=200000 for a quick run)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from benchmarks.common import ensure_bench_database, markdown_table, median_seconds, write_results

ROWS = int(os.environ.get("QG_BENCH_WAIT_ROWS", 1_000_000))
PREDICTIONS, LABELS = "bench_wait_predictions", "bench_wait_labels"
DAY = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
DELIVERIES = 200


def serving_tables(rows: int = ROWS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A day of scored predictions over three channels; 60% of them labelled, hours later."""
    rng = np.random.default_rng(3)
    predicted_at = DAY + pd.to_timedelta(np.sort(rng.uniform(0, 86_400, rows)), unit="s")
    label = (rng.random(rows) < 0.3).astype(int)
    score = np.clip(0.3 + 0.35 * (label - 0.3) + rng.normal(0, 0.2, rows), 0, 1).round(3)
    predictions = pd.DataFrame(
        {
            "prediction_id": np.arange(rows),
            "predicted_at": predicted_at,
            "channel": rng.choice(["app", "web", "kiosk"], rows),
            "score": score,
        }
    )
    labelled = rng.random(rows) < 0.6
    labels = pd.DataFrame(
        {
            "prediction_id": np.arange(rows)[labelled],
            "label": label[labelled],
            "labeled_at": predicted_at[labelled] + pd.to_timedelta(rng.lognormal(np.log(21_600), 1.0, labelled.sum()), unit="s"),
        }
    )
    return predictions, labels


def load(engine: sa.Engine, predictions: pd.DataFrame, labels: pd.DataFrame) -> None:
    with engine.begin() as connection:
        predictions.to_sql(PREDICTIONS, connection, if_exists="replace", index=False, chunksize=50_000)
        labels.to_sql(LABELS, connection, if_exists="replace", index=False, chunksize=50_000)
        for table in (PREDICTIONS, LABELS):  # serving logs are keyed by prediction id
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql(f"ALTER TABLE {table} ADD PRIMARY KEY (prediction_id)")
                connection.exec_driver_sql(f"ANALYZE {table}")
            else:
                connection.exec_driver_sql(f"CREATE UNIQUE INDEX ix_{table}_id ON {table} (prediction_id)")


def _tables_and_window():
    from quality_gates.checks.model_metrics.serving_sql import DelayedLabelTables, Window

    tables = DelayedLabelTables(PREDICTIONS, LABELS, prediction_column=None, score_column="score", slice_columns=("channel",))
    return tables, Window(DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2))


def bench_poll(engine: sa.Engine) -> dict:
    from quality_gates.checks.model_metrics.coverage_sql import label_coverage
    from quality_gates.checks.model_metrics.serving_sql import aggregate_delayed_labels

    tables, window = _tables_and_window()
    with engine.connect() as connection:
        coverage = label_coverage(connection, tables, window)
        poll = median_seconds(lambda: label_coverage(connection, tables, window), repeats=3)
        join = median_seconds(
            lambda: aggregate_delayed_labels(connection, tables, window, task="classification", with_scores=True), repeats=3
        )
    return {"coverage_query_s": poll, "full_join_s": join, "predictions": coverage.predictions, "labelled": coverage.labelled}


def bench_event_loop(engine: sa.Engine) -> dict:
    """Longest gap between ticks of a 10 ms ticker while one poll runs, in a thread or inline."""
    from quality_gates.checks.model_metrics.coverage_sql import label_coverage

    tables, window = _tables_and_window()

    def measure() -> object:
        with engine.connect() as connection:
            return label_coverage(connection, tables, window)

    async def run(in_thread: bool) -> float:
        stop, worst = asyncio.Event(), 0.0

        async def ticker() -> None:
            nonlocal worst
            last = time.perf_counter()
            while not stop.is_set():
                await asyncio.sleep(0.01)
                now = time.perf_counter()
                worst, last = max(worst, now - last - 0.01), now

        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(0.05)
        if in_thread:
            await asyncio.to_thread(measure)
        else:
            measure()
        stop.set()
        await ticking
        return worst

    return {"thread_max_stall_s": asyncio.run(run(True)), "inline_max_stall_s": asyncio.run(run(False))}


def bench_delivery() -> dict:
    from airflow.providers.http.hooks.http import HttpHook

    class Ok(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    os.environ["AIRFLOW_CONN_BENCH_WEBHOOK"] = json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": port, "schema": "http"})
    payload = {"event": "failed", "text": "x" * 2000}

    def through_hook() -> None:
        for _ in range(DELIVERIES):
            HttpHook(method="POST", http_conn_id="bench_webhook").run("hook", json=payload, extra_options={"timeout": 5})

    def through_urllib() -> None:
        body = json.dumps(payload).encode()
        for _ in range(DELIVERIES):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/hook", data=body, method="POST", headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                response.read()

    hook, plain = median_seconds(through_hook, repeats=3), median_seconds(through_urllib, repeats=3)
    server.shutdown()
    return {"http_hook_ms": 1000 * hook / DELIVERIES, "urllib_ms": 1000 * plain / DELIVERIES}


def main() -> str:
    predictions, labels = serving_tables()
    results: dict = {"rows": ROWS}
    with tempfile.TemporaryDirectory() as folder:
        for name, url in (("postgres", ensure_bench_database()), ("sqlite", f"sqlite:///{Path(folder) / 'serving.db'}")):
            engine = sa.create_engine(url)
            load(engine, predictions, labels)
            results[name] = {**bench_poll(engine), **bench_event_loop(engine)}
            engine.dispose()
    results["delivery"] = bench_delivery()
    table = render(results)
    write_results("serving_wait", "Waiting for labels in the triggerer; alert delivery on HttpHook", table, results)
    return table


def render(results: dict) -> str:
    rows = []
    for name, label in (("postgres", "PostgreSQL"), ("sqlite", "SQLite")):
        r = results[name]
        rows.append(
            [
                f"{label}, {results['rows']:,} predictions ({r['labelled'] / r['predictions']:.0%} labelled): one poll of the "
                "label coverage trigger vs re-running the gate's full delayed-label join",
                f"{r['coverage_query_s']:.3f} s",
                f"{r['full_join_s']:.3f} s",
                f"{r['full_join_s'] / r['coverage_query_s']:.1f}× cheaper per poll",
            ]
        )
        rows.append(
            [
                f"{label}, same poll: longest stall of the triggerer's event loop (10 ms ticker), query in a thread vs inline",
                f"{1000 * r['thread_max_stall_s']:.0f} ms",
                f"{1000 * r['inline_max_stall_s']:.0f} ms",
                f"{r['inline_max_stall_s'] / max(r['thread_max_stall_s'], 1e-3):.0f}× shorter",
            ]
        )
    d = results["delivery"]
    rows.append(
        [
            f"one webhook alert through HttpHook (connection, session, response check) vs a bare urllib POST, local server, "
            f"median of {DELIVERIES}",
            f"{d['http_hook_ms']:.1f} ms",
            f"{d['urllib_ms']:.1f} ms",
            f"{d['http_hook_ms'] / d['urllib_ms']:.1f}× the time",
        ]
    )
    return markdown_table(["measurement", "ours", "baseline", "ratio"], rows)


if __name__ == "__main__":
    print(main())
