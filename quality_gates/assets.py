"""The gate's verdict on the asset events it emits, and checks for the DAGs those events trigger.

A gate that owns ``outlets=[Asset(...)]`` emits an event only when its task succeeds: when the data
passed, or when it did not but the gate only warns. The event's ``extra`` says which::

    {"status": "passed" | "warned", "verdict": "passed" | "warned" | "failed" | "error",
     "gate": "schema", "gate_run_id": 12, "dataset": "orders", "partition": "2024-06-01",
     "failed_checks": [{"check": "greater_than_or_equal_to", "column": "amount", "status": "failed"}],
     "report_url": "http://airflow/dags/.../plugin/quality-checks"}

``status`` is what the gate let through ("warned": problems found, passed on in warn mode or as
warnings); ``verdict`` is the gate's own result. A consumer declares the asset as an inlet and calls
``require_passed(asset)`` (or reads ``latest_verdict(asset)``) to refuse data that did not pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from quality_gates.checks.results import GateResult, Status

VERDICT_KEYS = ("status", "verdict", "gate", "gate_run_id", "dataset", "partition", "failed_checks", "report_url")
REFUSALS = ("fail", "skip")


def gate_verdict(result: GateResult, *, gate_run_id: int, report_url: str) -> dict[str, Any]:
    """The verdict as asset-event extra (JSON-safe)."""
    return {
        "status": Status.PASSED.value if result.status is Status.PASSED else Status.WARNED.value,
        "verdict": result.status.value,
        "gate": result.gate,
        "gate_run_id": gate_run_id,
        "dataset": result.dataset,
        "partition": result.partition_key,
        "failed_checks": [{"check": c.check_name, "column": c.column, "status": c.status.value} for c in result.problems],
        "report_url": report_url,
    }


def attach_verdict(outlet_events: Any, outlets: Iterable[Any], verdict: Mapping[str, Any]) -> None:
    """Put ``verdict`` into the extra of the event of every asset in ``outlets`` (aliases are left
    alone: which asset an alias stands for is for the task that adds it to say)."""
    from airflow.sdk import Asset

    for outlet in outlets:
        if isinstance(outlet, Asset):
            outlet_events[outlet].extra.update(verdict)


def latest_verdict(asset: Any, *, context: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """The gate verdict on ``asset``'s latest event, read in a task that has ``asset`` among its
    inlets; None when the asset has no event or its latest event carries no verdict."""
    from airflow.sdk import get_current_context

    context = context if context is not None else get_current_context()
    try:
        events = context["inlet_events"][asset]
    except KeyError:
        raise ValueError(f"{_name(asset)} is not an inlet of this task: declare it, e.g. @task(inlets=[asset])") from None
    latest = events.ascending(False).limit(1)
    if not len(latest):
        return None
    extra = latest[0].extra or {}
    return {key: extra[key] for key in VERDICT_KEYS if key in extra} if "status" in extra and "gate_run_id" in extra else None


def require_passed(
    asset: Any, *, allow_warned: bool = False, on_refusal: str = "fail", context: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Refuse data whose last gate did not pass: raise ``AirflowFailException`` (or
    ``AirflowSkipException`` with ``on_refusal="skip"``) unless the latest event of ``asset``
    carries a passed verdict (or a warned one, with ``allow_warned``). Returns the verdict."""
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

    if on_refusal not in REFUSALS:
        raise ValueError(f"on_refusal must be one of {', '.join(REFUSALS)}, not {on_refusal!r}")
    verdict = latest_verdict(asset, context=context)
    accepted = (Status.PASSED.value, Status.WARNED.value) if allow_warned else (Status.PASSED.value,)
    if verdict is not None and verdict["status"] in accepted:
        return verdict
    refusal = AirflowSkipException if on_refusal == "skip" else AirflowFailException
    if verdict is None:
        raise refusal(f"{_name(asset)}: its latest event carries no quality-gate verdict (no gate owns this asset as an outlet?)")
    failed = ", ".join(f"{c['check']}" + (f" ({c['column']})" if c.get("column") else "") for c in verdict.get("failed_checks", []))
    raise refusal(
        f"{_name(asset)}: the last gate did not pass: status {verdict['status']} (verdict {verdict.get('verdict')}) on "
        f"{verdict.get('dataset')} [{verdict.get('partition')}], gate run {verdict['gate_run_id']}"
        + (f"; checks not passed: {failed}" if failed else "")
        + f"; report: {verdict.get('report_url')}"
    )


def _name(asset: Any) -> str:
    return f"asset '{getattr(asset, 'name', None) or getattr(asset, 'uri', asset)}'"
