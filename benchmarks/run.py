"""`make bench`: every benchmark, side by side with its baseline, in one run.

Usage: python -m benchmarks.run [name ...]   (default: all)
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "schema_gate": "benchmarks.schema_gate",
    "profiles": "benchmarks.profiles",
    "anomaly_evaluate": "benchmarks.anomaly_evaluate",
    "detection_quality": "benchmarks.detection_quality",
    "lodo": "benchmarks.lodo",
    "ui_pages": "benchmarks.ui_pages",
    "model_metrics": "benchmarks.model_metrics",
    "model_engines": "benchmarks.model_engines",
    "drift": "benchmarks.drift",
    "record_path": "benchmarks.record_path",
    "schema_yaml": "benchmarks.schema_yaml",
    "engines": "benchmarks.engines",
    "drift_engines": "benchmarks.drift_engines",
    "store_hardening": "benchmarks.store_hardening",
    "new_checks": "benchmarks.new_checks",
    "spark": "benchmarks.spark",
    "lineage": "benchmarks.lineage",
    "serving_wait": "benchmarks.serving_wait",
}


def main(names: list[str]) -> int:
    for name in names or list(BENCHMARKS):
        print(f"\n## {name}\n", flush=True)
        print(importlib.import_module(BENCHMARKS[name]).main(), flush=True)
    print("\nResults written to benchmarks/results/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
