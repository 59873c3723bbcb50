"""TaskFlow decorators: ``@task.quality_gate`` (registered in the provider's ``task-decorators``)."""

from quality_gates.decorators.quality_gate import QualityGateDecoratedOperator, quality_gate_task

__all__ = ["QualityGateDecoratedOperator", "quality_gate_task"]
