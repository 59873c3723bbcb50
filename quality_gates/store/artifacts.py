"""Writers of the artifacts a gate returns with its verdict, run inside the verdict's transaction."""

from __future__ import annotations

from functools import singledispatch

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from quality_gates.checks.artifacts import ModelPromotionArtifact, PartitionProfileArtifact, ReferenceProfileArtifact
from quality_gates.checks.results import BaselineStatus, GateResult, RunIdentity
from quality_gates.store.model_baselines import ModelBaselines
from quality_gates.store.partitions import PartitionStore
from quality_gates.store.references import ReferenceStore


@singledispatch
def write_artifact(artifact: object, engine: Engine, session: Session, gate_run_id: int, identity: RunIdentity, result: GateResult) -> str:
    """Write ``artifact`` of gate run ``gate_run_id`` in ``session``; returns what was kept, in words."""
    raise TypeError(f"the results store cannot keep a {type(artifact).__name__}: register a writer in {__name__}")


@write_artifact.register
def _partition_profile(
    artifact: PartitionProfileArtifact, engine: Engine, session: Session, gate_run_id: int, identity: RunIdentity, result: GateResult
) -> str:
    status = PartitionStore(engine).save(
        result.dataset, result.partition_key, artifact.profile, anomalous=artifact.anomalous, gate_run_id=gate_run_id, session=session
    )
    where = "in" if status.in_baseline else "kept out of"
    return f"partition {result.partition_key} of {result.dataset} is {where} the detection baseline ({BaselineStatus(status).value})"


@write_artifact.register
def _reference_profile(
    artifact: ReferenceProfileArtifact, engine: Engine, session: Session, gate_run_id: int, identity: RunIdentity, result: GateResult
) -> str:
    ReferenceStore(engine).save(
        result.dataset, artifact.version, artifact.profile, dag_id=identity.dag_id, run_id=identity.run_id, session=session
    )
    return (
        f"reference '{result.dataset}' version '{artifact.version}': {artifact.profile.row_count:,} rows, "
        f"{len(artifact.profile.columns)} columns"
    )


@write_artifact.register
def _model_promotion(
    artifact: ModelPromotionArtifact, engine: Engine, session: Session, gate_run_id: int, identity: RunIdentity, result: GateResult
) -> str:
    count = ModelBaselines(engine).promote_result(gate_run_id, result, version=artifact.version, by=artifact.promoted_by, session=session)
    return f"model {result.dataset} version {artifact.version} is the new production baseline ({count} metrics)"
