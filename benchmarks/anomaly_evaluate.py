"""Issue 7: `PartitionAnomalyDetector.evaluate` with 365 history partitions × 100 columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.common import markdown_table, median_seconds, write_results


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


def main() -> str:
    from benchmarks.baseline_detector import PartitionAnomalyDetector as BaselineDetector
    from quality_gates.checks.anomaly import PartitionAnomalyDetector

    profiles = history_profiles()
    current, history = profiles[-1], profiles[:-1]
    features = sum(len(c.metrics) for c in current.columns.values())
    rows = []
    for label, detector, baseline in (
        ("default", PartitionAnomalyDetector(), BaselineDetector()),
        ("weekly seasonality", PartitionAnomalyDetector(seasonality="weekly"), BaselineDetector(seasonality="weekly")),
        ("max_alarm_rate=0.01", PartitionAnomalyDetector(max_alarm_rate=0.01), BaselineDetector()),
    ):
        # Side by side in the same run: the detector as it was before issue 14 (benchmarks/baseline_detector).
        before = median_seconds(lambda: baseline.evaluate(current, history), repeats=5)
        seconds = median_seconds(lambda: detector.evaluate(current, history), repeats=5)
        rows.append(
            [
                f"evaluate: 365 history partitions × 100 columns ({features} metrics), {label}",
                f"{seconds * 1000:.0f} ms",
                f"{before * 1000:.0f} ms",
                f"{seconds / before:.2f}",
            ]
        )
    table = markdown_table(["measurement", "time (median of 5)", "before issue 14 (same run)", "ratio"], rows)
    write_results("anomaly_evaluate", "Anomaly detector evaluate (issue 7)", table, {"rows": rows})
    return table


if __name__ == "__main__":
    print(main())
