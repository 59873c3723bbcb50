"""The one result model: produced by checks, persisted by the store, read by UI and alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASSED = "passed"
    WARNED = "warned"
    FAILED = "failed"
    ERROR = "error"


class Severity(StrEnum):
    ERROR = "error"
    WARN = "warn"


# A gate is as bad as its worst check; a check that could not be evaluated ("error") is
# worse than a warning but a definite failure is the clearest verdict.
_STATUS_RANK = {Status.PASSED: 0, Status.WARNED: 1, Status.ERROR: 2, Status.FAILED: 3}


def worst_status(statuses: Sequence[Status]) -> Status:
    return max(statuses, key=_STATUS_RANK.__getitem__, default=Status.PASSED)


@dataclass(frozen=True)
class CheckResult:
    """One check on one column (or on the whole dataset when ``column`` is None)."""

    check_name: str
    column: str | None
    status: Status
    severity: Severity
    observed: str | None
    expected: str | None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def failing_fraction(self) -> float | None:
        return self.details.get("failing_fraction")

    def describe(self) -> str:
        """One line a person can act on: where, what, expected vs observed."""
        where = f"column '{self.column}'" if self.column else "dataset"
        line = f"{where}: {self.check_name} {self.status}: expected {self.expected}, observed {self.observed}"
        if self.details.get("message"):
            line += f" ({self.details['message']})"
        return line


@dataclass(frozen=True)
class GateResult:
    """Everything one gate run concluded about one partition of one dataset."""

    gate: str
    dataset: str
    partition_key: str
    checks: tuple[CheckResult, ...]
    row_count: int | None
    started_at: dt.datetime
    finished_at: dt.datetime
    error: str | None = None

    @property
    def status(self) -> Status:
        if self.error is not None:
            return Status.ERROR
        return worst_status([c.status for c in self.checks])

    @property
    def problems(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.status is not Status.PASSED)

    def summary(self) -> dict[str, Any]:
        """JSON-safe digest for XCom, the gate_runs.summary column and alert texts."""
        counts = {s.value: 0 for s in Status}
        for check in self.checks:
            counts[check.status.value] += 1
        return {
            "gate": self.gate,
            "dataset": self.dataset,
            "partition_key": self.partition_key,
            "status": self.status.value,
            "row_count": self.row_count,
            "checks": len(self.checks),
            "counts": counts,
            "error": self.error,
            "problems": [
                {
                    "check": c.check_name,
                    "column": c.column,
                    "status": c.status.value,
                    "expected": c.expected,
                    "observed": c.observed,
                    "failing_fraction": c.failing_fraction,
                }
                for c in self.problems
            ],
        }

    def describe(self) -> str:
        head = f"{self.gate} gate on {self.dataset} [{self.partition_key}]: {self.status}"
        if self.error:
            return f"{head}: {self.error}"
        lines = [head, *(f"  - {c.describe()}" for c in self.problems)]
        return "\n".join(lines)


@dataclass(frozen=True)
class RunIdentity:
    """Which task try produced a result: the store's unique key for a gate run."""

    dag_id: str
    task_id: str
    run_id: str
    map_index: int = -1
    try_number: int = 1
