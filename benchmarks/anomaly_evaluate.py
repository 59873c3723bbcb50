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
    from quality_gates.checks.anomaly import PartitionAnomalyDetector

    profiles = history_profiles()
    current, history = profiles[-1], profiles[:-1]
    features = sum(len(c.metrics) for c in current.columns.values())
    rows = []
    for label, detector in (
        ("default", PartitionAnomalyDetector()),
        ("weekly seasonality", PartitionAnomalyDetector(seasonality="weekly")),
    ):
        seconds = median_seconds(lambda: detector.evaluate(current, history), repeats=5)
        rows.append([f"evaluate: 365 history partitions × 100 columns ({features} metrics), {label}", f"{seconds * 1000:.0f} ms"])
    table = markdown_table(["measurement", "time (median of 5)"], rows)
    write_results("anomaly_evaluate", "Anomaly detector evaluate (issue 7)", table, {"rows": rows})
    return table


if __name__ == "__main__":
    print(main())
