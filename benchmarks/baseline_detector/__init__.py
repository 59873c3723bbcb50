"""A frozen copy of the partition anomaly detector as it was before issue 14 (main at 1c25c67),
kept so that the detection benchmarks can measure the current detector side by side with it in
the same run. Benchmark code only: nothing in quality_gates imports it. Do not edit."""

from benchmarks.baseline_detector.detector import PartitionAnomalyDetector

__all__ = ["PartitionAnomalyDetector"]
