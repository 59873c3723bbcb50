"""The columns a gate run blames, read from its checks by the kind of gate (for alerts, lineage)."""

from __future__ import annotations

from collections.abc import Sequence

from quality_gates.checks.results import CheckKind, CheckResult, GateKind


def culprit_columns(gate: str, checks: Sequence[CheckResult]) -> list[str]:
    """Anomaly: the columns that made the partition unusual; drift: the drifted columns; skew:
    the skewed features; other gates blame no column (their problems name what failed)."""
    try:
        kind = GateKind(gate)
    except ValueError:
        return []
    wanted, key = _VERDICT.get(kind, (None, ""))
    verdict = next((c for c in checks if wanted is not None and c.kind is wanted), None)
    if verdict is None:
        return []
    found = [item.get("column") if isinstance(item, dict) else item for item in verdict.details.get(key) or []]
    return list(dict.fromkeys(str(column) for column in found if column))


# The check that carries each gate's verdict, and the detail that lists what it blames.
_VERDICT = {
    GateKind.ANOMALY: (CheckKind.PARTITION_ANOMALY, "culprits"),
    GateKind.DRIFT: (CheckKind.DATASET_DRIFT, "culprits"),
    GateKind.SKEW: (CheckKind.TRAINING_SERVING_SKEW, "skewed_features"),
}
