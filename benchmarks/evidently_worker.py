"""Runs Evidently's data drift report (``DataDriftPreset``, evidently 0.7.x) for the drift
benchmark, inside Evidently's own virtual environment (see ``benchmarks/drift.py``, which
creates it and starts this script): Evidently needs pandas < 3, Airflow's environment has 3.x.

Argument: a JSON file ``{"numerical": [...], "categorical": [...], "jobs": [{"reference": parquet,
"current": parquet, "rows": n}]}``. Prints one JSON line per job: the columns Evidently calls
drifted and the wall-clock and CPU seconds its report took (reading the files is not timed).

Only the standard library, pandas and evidently are imported here: this file runs in that venv.
"""

from __future__ import annotations

import json
import sys
import time

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset


def drifted_columns(snapshot: dict) -> tuple[list[str], dict[str, str]]:
    drifted, methods = [], {}
    for metric in snapshot["metrics"]:
        config = metric.get("config", {})
        if config.get("type") != "evidently:metric_v2:ValueDrift":
            continue
        method, threshold, value = config["method"], config["threshold"], metric["value"]
        methods[config["column"]] = method
        # p-value tests drift below their threshold, distances at or above it (Evidently's rule).
        if (value < threshold) if "p_value" in method else (value >= threshold):
            drifted.append(config["column"])
    return drifted, methods


def main(spec_path: str) -> int:
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    definition = DataDefinition(numerical_columns=spec["numerical"], categorical_columns=spec["categorical"])
    frames: dict[str, pd.DataFrame] = {}
    for job in spec["jobs"]:
        for key in ("reference", "current"):
            if job[key] not in frames:
                frames[job[key]] = pd.read_parquet(job[key])
        reference = frames[job["reference"]].head(job["rows"])
        current = frames[job["current"]].head(job["rows"])
        start, cpu = time.perf_counter(), time.process_time()
        snapshot = (
            Report([DataDriftPreset()])
            .run(Dataset.from_pandas(current, data_definition=definition), Dataset.from_pandas(reference, data_definition=definition))
            .dict()
        )
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        drifted, methods = drifted_columns(snapshot)
        print(
            json.dumps(
                {"job": job, "seconds": seconds, "cpu_seconds": cpu_seconds, "drifted": drifted, "methods": sorted(set(methods.values()))}
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
