"""What a gate learnt besides its verdict, kept by the store in the verdict's own transaction.

A gate's core returns these in ``GateOutcome.artifacts``; the store writes them together with
the gate run (``ResultStore.record``): either the verdict and everything it implies are kept,
or the try is recorded as an ``error``. Nothing is kept on the operator between steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy/pandas are imported when data is profiled, not when a DAG is parsed
    from quality_gates.checks.profiles.model import PartitionProfile
    from quality_gates.checks.profiles.reference import ReferenceProfile


@dataclass(frozen=True)
class PartitionProfileArtifact:
    """The anomaly gate's profile of the partition: it joins the history later partitions are
    compared with, or stays out of the baseline when ``anomalous``."""

    profile: PartitionProfile
    anomalous: bool

    def describe(self) -> str:
        return f"profile of partition {self.profile.partition_key!r} ({'flagged' if self.anomalous else 'baseline'})"


@dataclass(frozen=True)
class ReferenceProfileArtifact:
    """A reference profile (e.g. of training data) that drift gates compare with, as ``version``."""

    profile: ReferenceProfile
    version: str

    def describe(self) -> str:
        return f"reference profile version {self.version!r}"


@dataclass(frozen=True)
class ModelPromotionArtifact:
    """The model gate passed with ``promote_on_pass``: its metrics become the production baseline."""

    version: str
    promoted_by: str

    def describe(self) -> str:
        return f"promotion of model version {self.version!r}"


Artifact = PartitionProfileArtifact | ReferenceProfileArtifact | ModelPromotionArtifact
