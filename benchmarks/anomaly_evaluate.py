"""Issue 7/14: `PartitionAnomalyDetector.evaluate` with 365 history partitions × 100 columns.

Measured side by side in one run: the detector of this checkout, the detector as it was before
issue 14 (``benchmarks/baseline_detector``) and, with ``QG_BENCH_BEFORE=<commit>``, the
detector of that commit (its ``quality_gates`` extracted with ``git archive`` and timed in a
child process on the same pickled profiles), interleaved so that load on the machine hits all
alike.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import markdown_table, median_seconds, write_results

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = {"default": {}, "weekly seasonality": {"seasonality": "weekly"}, "max_alarm_rate=0.01": {"max_alarm_rate": 0.01}}


def history_profiles(partitions: int = 366, columns: int = 100, rows: int = 500):
    from quality_gates.checks.profiles.pandas_engine import profile_frame

    rng = np.random.default_rng(0)
    profiles = []
    for day in range(partitions):
        data = {}
        for c in range(columns):
            if c % 4 == 0:
                data[f"cat_{c}"] = rng.choice(["a", "b", "c", "d", "e"], rows)
            else:
                data[f"num_{c}"] = rng.normal(c, 1 + c % 5, rows)
        key = (pd.Timestamp("2023-01-01") + pd.Timedelta(days=day)).date().isoformat()
        profiles.append(profile_frame(pd.DataFrame(data)).with_key(key))
    return profiles


def time_config(profiles, label: str) -> float:
    """Median seconds of one evaluate with the ``quality_gates`` on the path."""
    from quality_gates.checks.anomaly import PartitionAnomalyDetector

    detector = PartitionAnomalyDetector(**CONFIGS[label])
    return median_seconds(lambda: detector.evaluate(profiles[-1], profiles[:-1]), repeats=5)


def time_at_commit(commit: str, profiles_file: str, label: str) -> float:
    """time_config in a child process that imports ``quality_gates`` as it was at ``commit``."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", commit, "quality_gates"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        child = subprocess.run(
            [sys.executable, "-m", "benchmarks.anomaly_evaluate", "--time", profiles_file, label],
            cwd=tmp,  # first on sys.path with -m: that commit's quality_gates, not this checkout's
            env={**os.environ, "PYTHONPATH": os.pathsep.join([tmp, str(ROOT)])},
            capture_output=True,
            text=True,
        )
    if child.returncode:
        raise RuntimeError(f"timing {commit} failed:\n{child.stderr[-2000:]}")
    return float(json.loads(child.stdout.strip().splitlines()[-1]))


def main() -> str:
    from benchmarks.baseline_detector import PartitionAnomalyDetector as BaselineDetector

    before = os.environ.get("QG_BENCH_BEFORE")
    # Every detector times the same unpickled profiles (fresh ones are laid out otherwise in memory).
    profiles = pickle.loads(pickle.dumps(history_profiles()))
    current, history = profiles[-1], profiles[:-1]
    features = sum(len(c.metrics) for c in current.columns.values())
    rows = []
    with tempfile.NamedTemporaryFile(suffix=".pkl") as stored:
        pickle.dump(profiles, stored)
        stored.flush()
        for label, kwargs in CONFIGS.items():
            seconds = time_config(profiles, label)
            at_commit = time_at_commit(before, stored.name, label) if before else None
            baseline = BaselineDetector(**{k: v for k, v in kwargs.items() if k != "max_alarm_rate"})
            issue_14 = median_seconds(lambda: baseline.evaluate(current, history), repeats=5)
            row = [f"evaluate: 365 history partitions × 100 columns ({features} metrics), {label}", f"{seconds * 1000:.0f} ms"]
            if before:
                row += [f"{at_commit * 1000:.0f} ms", f"{seconds / at_commit:.2f}"]
            rows.append(row + [f"{issue_14 * 1000:.0f} ms", f"{seconds / issue_14:.2f}"])
    headers = ["measurement", "time (median of 5)"]
    if before:
        headers += [f"at {before[:10]} (same run)", "ratio"]
    headers += ["before issue 14 (same run)", "ratio"]
    table = markdown_table(headers, rows)
    write_results("anomaly_evaluate", "Anomaly detector evaluate (issues 7, 14)", table, {"rows": rows, "before": before})
    return table


if __name__ == "__main__":
    if sys.argv[1:2] == ["--time"]:  # the child of time_at_commit
        import quality_gates

        assert not quality_gates.__file__.startswith(str(ROOT)), "timing this checkout instead of the commit"
        with open(sys.argv[2], "rb") as handle:
            stored = pickle.load(handle)
        print(json.dumps(time_config(stored, sys.argv[3])))
    else:
        print(main())
