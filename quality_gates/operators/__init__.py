from quality_gates.operators.base import BaseGateOperator, GateFailedError
from quality_gates.operators.schema_gate import SchemaGateOperator

__all__ = ["BaseGateOperator", "GateFailedError", "SchemaGateOperator"]
