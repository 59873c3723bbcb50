"""Issue 7/14: `PartitionAnomalyDetector.evaluate` with 365 history partitions × 100 columns.

Measured side by side in one run: the detector of this checkout, the detector as it was before
issue 14 (commit ``ISSUE_14_BASE``) and, with ``QG_BENCH_BEFORE=<commit>``, the detector of that
commit too. An earlier commit's ``quality_gates`` is extracted with ``git archive`` and timed in
a child process on the same pickled profiles, configuration by configuration, so that load on
the machine hits all alike. Needs a git checkout for the comparisons.
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
ISSUE_14_BASE = "4793bf1"  # main before issue 14
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


def time_at_commit(commit: str, profiles_file: str, label: str) -> float | None:
    """time_config in a child process that imports ``quality_gates`` as it was at ``commit``
    (None: that detector has no such option)."""
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
    seconds = json.loads(child.stdout.strip().splitlines()[-1])
    return None if seconds is None else float(seconds)


def main() -> str:
    commits = [c for c in (os.environ.get("QG_BENCH_BEFORE"), ISSUE_14_BASE) if c]
    # Every detector times the same unpickled profiles (fresh ones are laid out otherwise in memory).
    profiles = pickle.loads(pickle.dumps(history_profiles()))
    features = sum(len(c.metrics) for c in profiles[-1].columns.values())
    rows = []
    with tempfile.NamedTemporaryFile(suffix=".pkl") as stored:
        pickle.dump(profiles, stored)
        stored.flush()
        for label in CONFIGS:
            seconds = time_config(profiles, label)
            row = [f"evaluate: 365 history partitions × 100 columns ({features} metrics), {label}", f"{seconds * 1000:.0f} ms"]
            for commit in commits:
                earlier = time_at_commit(commit, stored.name, label)
                row += ["—", "—"] if earlier is None else [f"{earlier * 1000:.0f} ms", f"{seconds / earlier:.2f}"]
            rows.append(row)
    headers = ["measurement", "time (median of 5)"]
    for commit in commits:
        headers += [f"at {commit[:10]}{' (before issue 14)' if commit == ISSUE_14_BASE else ''}, same run", "ratio"]
    table = markdown_table(headers, rows)
    write_results("anomaly_evaluate", "Anomaly detector evaluate (issues 7, 14)", table, {"rows": rows, "commits": commits})
    return table


if __name__ == "__main__":
    if sys.argv[1:2] == ["--time"]:  # the child of time_at_commit
        import quality_gates

        assert not quality_gates.__file__.startswith(str(ROOT)), "timing this checkout instead of the commit"
        with open(sys.argv[2], "rb") as handle:
            stored = pickle.load(handle)
        try:
            print(json.dumps(time_config(stored, sys.argv[3])))
        except TypeError:  # an option that detector did not have yet (max_alarm_rate)
            print(json.dumps(None))
    else:
        print(main())
