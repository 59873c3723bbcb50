"""The alert a person reads, built from a stored gate run with Jinja2 templates users can override."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from quality_gates.checks.culprits import culprit_columns
from quality_gates.checks.results import GateAction, GateResult, Status, action_words
from quality_gates.store.repository import StoredGateRun

DEFAULT_TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_NAMES = {"subject": "subject.txt.j2", "text": "text.txt.j2", "html": "html.html.j2"}
MAX_CHECKS_SHOWN = 10


@dataclass(frozen=True)
class AlertMessage:
    subject: str
    text: str
    html: str
    payload: dict[str, Any] = field(default_factory=dict)  # JSON for webhooks


def build_message(
    stored: StoredGateRun, *, link: str | None = None, recovered: bool = False, template_dir: str | Path | None = None
) -> AlertMessage:
    """Render the alert; a ``template_dir`` with any of subject.txt.j2, text.txt.j2 and
    html.html.j2 overrides those templates (the others stay the defaults)."""
    result = stored.result
    problems = [] if recovered else list(result.problems)
    culprits = culprit_columns(result.gate, result.checks)
    values = {
        "identity": stored.identity,
        "result": result,
        "gate_run_id": stored.id,
        "recovered": recovered,
        "problems": problems[:MAX_CHECKS_SHOWN],
        "hidden": max(0, len(problems) - MAX_CHECKS_SHOWN),
        "culprits": culprits,
        "link": link,
        "action": _action_label(result),
        "effect": _effect(result),
    }
    loaders = [jinja2.FileSystemLoader(str(DEFAULT_TEMPLATES))]
    if template_dir is not None:
        loaders.insert(0, jinja2.FileSystemLoader(str(template_dir)))
    text_env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=False, undefined=jinja2.StrictUndefined)
    html_env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True, undefined=jinja2.StrictUndefined)
    subject = text_env.get_template(TEMPLATE_NAMES["subject"]).render(values).strip()
    payload = {
        "event": "recovered" if recovered else result.status.value,
        "dag_id": stored.identity.dag_id,
        "task_id": stored.identity.task_id,
        "run_id": stored.identity.run_id,
        "try_number": stored.identity.try_number,
        "gate_run_id": stored.id,
        "link": link,
        "summary": result.summary(),
        "culprits": culprits,
        "subject": subject,
    }
    return AlertMessage(
        subject=subject,
        text=text_env.get_template(TEMPLATE_NAMES["text"]).render(values).strip() + "\n",
        html=html_env.get_template(TEMPLATE_NAMES["html"]).render(values),
        payload=payload,
    )


def _action_label(result: GateResult) -> str | None:
    """ "allowed in warn mode" or "skipped" when a failure or an error did not block the pipeline
    (blocking is what a failure does unless the gate's mode says otherwise)."""
    if result.action in (None, GateAction.BLOCKED) or result.status in (Status.PASSED, Status.WARNED):
        return None
    return action_words(result.action, result.mode)


def _effect(result: GateResult) -> str:
    """What the gate did to the pipeline, in the words of the alert's first line."""
    if result.action is GateAction.ALLOWED and result.status in (Status.FAILED, Status.ERROR):
        return f"{result.status.value} but let the pipeline continue ({action_words(result.action, result.mode)})"
    if result.action is GateAction.SKIPPED:
        return "skipped the downstream tasks"
    if result.status in (Status.FAILED, Status.ERROR):  # blocked, or recorded before actions were
        return "blocked the pipeline"
    return "warns"
