from quality_gates.checks.anomaly.detector import AnomalyVerdict, Explanation, PartitionAnomalyDetector

__all__ = ["AnomalyVerdict", "Explanation", "PartitionAnomalyDetector"]
