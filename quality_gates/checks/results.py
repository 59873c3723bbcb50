"""The one result model: produced by checks, persisted by the store, read by UI and alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quality_gates.checks.artifacts import Artifact


class Status(StrEnum):
    PASSED = "passed"
    WARNED = "warned"
    FAILED = "failed"
    ERROR = "error"


class Severity(StrEnum):
    ERROR = "error"
    WARN = "warn"


class GateKind(StrEnum):
    """Which gate wrote a run (``gate_runs.gate``); the values are the stored strings."""

    SCHEMA = "schema"
    ANOMALY = "anomaly"
    DRIFT = "drift"
    SKEW = "skew"
    REFERENCE = "reference"
    MODEL_METRIC = "model_metric"
    SERVING_METRIC = "serving_metric"
    FRESHNESS = "freshness"
    CROSS_TABLE = "cross_table"


class CheckKind(StrEnum):
    """What a check measured (``details["kind"]``): the UI and alerts pick their view by it."""

    PARTITION_ANOMALY = "partition_anomaly"  # the anomaly gate's verdict on the whole partition
    ANOMALY_EXPLANATION = "anomaly_explanation"  # one metric that made the partition unusual
    DATASET_DRIFT = "dataset_drift"  # the drift gate's verdict over all columns, with its culprits
    TRAINING_SERVING_SKEW = "training_serving_skew"  # the skew gate's verdict over all features
    REFERENCE_COLUMN = "reference_column"  # one column profiled into a reference
    MODEL_METRIC = "model_metric"  # one metric on one slice against its bar
    EVALUATION_DATA = "evaluation_data"  # a problem in a model gate's evaluation rows
    SERVING_EVALUATION = "serving_evaluation"  # volume, coverage, delay, balance of a serving gate's labels
    FRESHNESS = "freshness"  # age of the newest row, or whether the data advanced
    CROSS_TABLE = "cross_table"  # relationships, row_count_match, aggregate_match against another table
    QUARANTINE = "quarantine"  # how many failing rows a schema gate moved out, and where to
    SQL_ASSERTION = "sql_assertion"  # a custom SQL query from the schema's sql_checks: returning failing rows


# Rows written before checks carried a kind: recognised by their check name.
_KIND_BY_CHECK_NAME = {
    "partition_anomaly": CheckKind.PARTITION_ANOMALY,
    "reference_profiled": CheckKind.REFERENCE_COLUMN,
    "dataset_drift": CheckKind.DATASET_DRIFT,
    "training_serving_skew": CheckKind.TRAINING_SERVING_SKEW,
}


class GateMode(StrEnum):
    """What a failing verdict does to the pipeline (the operator's ``mode``)."""

    FAIL = "fail"
    SKIP = "skip"
    WARN = "warn"
    QUARANTINE = "quarantine"  # the schema gate moves failing rows out and lets the valid rows go on


class GateAction(StrEnum):
    """What the gate did to the pipeline in this try."""

    ALLOWED = "allowed"  # downstream tasks run (passed, warned, or any verdict in warn mode)
    BLOCKED = "blocked"  # the task failed: downstream tasks end upstream_failed
    SKIPPED = "skipped"  # the task was skipped, and its downstream tasks with it


class BaselineStatus(StrEnum):
    """Whether a profiled partition is part of the history anomaly detection compares with."""

    INCLUDED = "included"
    EXCLUDED = "excluded"  # flagged by the detector; rejoins when marked a false alarm
    CONFIRMED_BAD = "confirmed_bad"  # a person confirmed the flag: never rejoins
    FALSE_ALARM = "false_alarm"  # a person cleared the flag: in the baseline

    @property
    def in_baseline(self) -> bool:
        return self in (BaselineStatus.INCLUDED, BaselineStatus.FALSE_ALARM)


# What "insufficient history" or "no baseline yet" means for a gate's ``cold_start`` setting.
COLD_START_STATUS = {"warn": Status.WARNED, "pass": Status.PASSED, "fail": Status.FAILED}


def action_for(status: Status, mode: GateMode) -> GateAction:
    """What a verdict does to the pipeline in a mode (a gate that crashed always blocks)."""
    if status in (Status.PASSED, Status.WARNED) or mode is GateMode.WARN:
        return GateAction.ALLOWED
    return GateAction.SKIPPED if mode is GateMode.SKIP else GateAction.BLOCKED


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

    @property
    def kind(self) -> CheckKind | None:
        """The kind recorded in ``details`` (None for generic checks such as pandera's)."""
        try:
            return CheckKind(self.details["kind"])
        except (KeyError, ValueError):
            return _KIND_BY_CHECK_NAME.get(self.check_name)

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
    mode: GateMode | None = None  # None: recorded before modes were stored
    action: GateAction | None = None

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
            "mode": None if self.mode is None else self.mode.value,
            "action": None if self.action is None else self.action.value,
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
        if self.action is not None and self.status is not Status.PASSED:
            head += f" ({action_words(self.action, self.mode)})"
        if self.error:
            return f"{head}: {self.error}"
        lines = [head, *(f"  - {c.describe()}" for c in self.problems)]
        return "\n".join(lines)


def action_words(action: GateAction, mode: GateMode | None) -> str:
    """ "allowed in warn mode", "blocked", "skipped": how the UI and alerts say what was done."""
    if action is GateAction.ALLOWED and mode is GateMode.WARN:
        return "allowed in warn mode"
    return action.value


@dataclass(frozen=True)
class GateOutcome:
    """What a gate's core concluded: rows looked at, one result per check, and what else it
    learnt that the store keeps with the verdict (``quality_gates.checks.artifacts``)."""

    row_count: int | None
    checks: tuple[CheckResult, ...]
    artifacts: tuple[Artifact, ...] = ()
    # Per-column metrics of the checked data that no artifact holds (the drift gate's current
    # side), measured only when asked for: OpenLineage's column metrics. Not stored.
    column_metrics: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:  # accept lists from the cores, keep the outcome immutable
        object.__setattr__(self, "checks", tuple(self.checks))
        object.__setattr__(self, "artifacts", tuple(self.artifacts))

    @property
    def status(self) -> Status:
        return worst_status([c.status for c in self.checks])


@dataclass(frozen=True)
class RunIdentity:
    """Which task try produced a result: the store's unique key for a gate run."""

    dag_id: str
    task_id: str
    run_id: str
    map_index: int = -1
    try_number: int = 1
