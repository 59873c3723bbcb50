from quality_gates.operators.anomaly_gate import PartitionAnomalyGateOperator
from quality_gates.operators.base import BaseGateOperator, GateFailedError
from quality_gates.operators.model_gate import ModelMetricGateOperator, promote_model_baseline
from quality_gates.operators.schema_gate import SchemaGateOperator
from quality_gates.operators.serving_gate import ServingMetricGateOperator

__all__ = ["BaseGateOperator", "GateFailedError", "ModelMetricGateOperator", "PartitionAnomalyGateOperator", "SchemaGateOperator", "ServingMetricGateOperator", "promote_model_baseline"]
