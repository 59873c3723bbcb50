from quality_gates.operators.anomaly_gate import PartitionAnomalyGateOperator
from quality_gates.operators.base import BaseGateOperator, GateFailedError
from quality_gates.operators.cross_table_gate import AggregateMatch, CrossTableGateOperator, Relationship, RowCountMatch
from quality_gates.operators.drift_gate import DriftGateOperator
from quality_gates.operators.freshness_gate import FreshnessGateOperator
from quality_gates.operators.model_gate import ModelMetricGateOperator, promote_model_baseline
from quality_gates.operators.quarantine_targets import ParquetTarget, TableTarget
from quality_gates.operators.reference_profile import ReferenceProfileOperator
from quality_gates.operators.schema_gate import SchemaGateOperator
from quality_gates.operators.serving_gate import ServingMetricGateOperator
from quality_gates.operators.skew_gate import SkewGateOperator
from quality_gates.store.references import StoredReference

__all__ = [
    "BaseGateOperator",
    "GateFailedError",
    "PartitionAnomalyGateOperator",
    "SchemaGateOperator",
    "DriftGateOperator",
    "ReferenceProfileOperator",
    "SkewGateOperator",
    "StoredReference",
    "ModelMetricGateOperator",
    "FreshnessGateOperator",
    "CrossTableGateOperator",
    "ParquetTarget",
    "TableTarget",
    "Relationship",
    "RowCountMatch",
    "AggregateMatch",
    "ServingMetricGateOperator",
    "promote_model_baseline",
]
