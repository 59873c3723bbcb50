"""QualityGateNotifier: an Airflow notifier that tells people what a gate found."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from airflow.sdk import BaseNotifier

from quality_gates.checks.results import RunIdentity
from quality_gates.hooks.store import QualityStoreHook
from quality_gates.notifiers.channels import Channel
from quality_gates.notifiers.delivery import DeliveryOutcome, RetryPolicy, deliver, describe_error
from quality_gates.notifiers.message import build_message
from quality_gates.store.alert_deliveries import AlertDelivery
from quality_gates.store.alerts import ALERT, RECOVERY
from quality_gates.ui_links import quality_report_url


class QualityGateNotifier(BaseNotifier):
    """Use as ``on_failure_callback``, ``on_success_callback`` and a gate's ``on_warning_callback``.

    It reads the gate run from the results store (not the exception text) and sends one message
    per gate run to every channel. With ``on_change_only`` (the default) it speaks when a gate
    starts failing (or warning) on a dataset and when it recovers; repeats are counted in
    ``alert_states.suppressed_count`` instead. Each channel gets the bounded retries of ``retry``
    (transient errors only); every delivery, made or failed, is logged and recorded in the
    store's ``alert_deliveries`` table (channel, attempts, last error). Delivery never changes
    the gate's outcome.

    :param channels: ``EmailChannel``, ``SlackChannel``, ``WebhookChannel``, ``NotifierChannel``.
    :param retry: attempts and backoff per channel; default 3 attempts, pauses of 1 s and 2 s.
    :param link: URL to the results (templated); default the gate's "Quality checks" tab of the task
        instance in Airflow's UI (``[api] base_url``).
    :param template_dir: a folder with subject.txt.j2, text.txt.j2 or html.html.j2 to override.
    """

    # ``link`` is rendered per call, not as a template field: Airflow renders template fields
    # in place, and a notifier object serves every run of its task.
    template_fields = ()

    def __init__(
        self,
        *,
        channels: Sequence[Channel],
        store_conn_id: str | None = None,
        on_change_only: bool = True,
        link: str | None = None,
        template_dir: str | Path | None = None,
        retry: RetryPolicy | None = None,
    ):
        super().__init__()
        if not channels:
            raise ValueError("QualityGateNotifier needs at least one channel")
        self.channels = list(channels)
        self.store_conn_id = store_conn_id
        self.on_change_only = on_change_only
        self.link = link
        self.template_dir = template_dir
        self.retry = retry or RetryPolicy()

    def notify(self, context: Any) -> None:
        ti = context["ti"]
        identity = RunIdentity(ti.dag_id, ti.task_id, ti.run_id, getattr(ti, "map_index", -1), ti.try_number)
        try:
            store = QualityStoreHook(self.store_conn_id).get_store()
            stored = store.find(identity)
            if stored is None:
                self.log.info("No quality gate results for %s: nothing to announce", identity)
                return
            decision = store.alert_states.decide(
                identity.dag_id,
                identity.task_id,
                stored.result.dataset,
                stored.result.status,
                stored.id,
                on_change_only=self.on_change_only,
            )
        except Exception as exc:  # the store is down: say so loudly, but never fail the task for it
            self.log.error("Quality gate alert for %s not sent: results store unavailable: %s", identity, exc)
            return
        if decision.action not in (ALERT, RECOVERY):
            self.log.info("Quality gate alert for %s held back: %s", identity, decision.reason)
            return
        link = (
            self.render_template(self.link, context)
            if self.link
            else quality_report_url(identity.dag_id, identity.run_id, identity.task_id, identity.map_index)
        )
        message = build_message(stored, link=link, recovered=decision.action == RECOVERY, template_dir=self.template_dir)
        for channel in self.channels:
            outcome = self._deliver(channel, message, context)
            self._record(
                store, AlertDelivery(stored.id, channel.describe(), decision.action, outcome.delivered, outcome.attempts, outcome.error)
            )

    def _deliver(self, channel: Channel, message: Any, context: Any) -> DeliveryOutcome:
        def retrying(attempt: int, exc: BaseException, pause: float) -> None:
            self.log.warning(
                "Quality gate alert through %s failed (attempt %d of %d), retrying in %.1f s: %s",
                channel.describe(),
                attempt,
                self.retry.attempts,
                pause,
                describe_error(exc),
            )

        outcome = deliver(lambda: channel.send(message, context), self.retry, on_retry=retrying)
        if outcome.delivered:
            self.log.info("Quality gate alert sent through %s: %s", channel.describe(), message.subject)
        else:  # SMTP down, webhook 500, timeout: log it, keep going
            self.log.warning(
                "Quality gate alert through %s failed after %d attempt(s): %s", channel.describe(), outcome.attempts, outcome.error
            )
        return outcome

    def _record(self, store: Any, delivery: AlertDelivery) -> None:
        try:
            store.alert_deliveries.record(delivery)
        except Exception as exc:  # the store went away meanwhile: the log line above is all there is
            self.log.error("Quality gate alert delivery through %s not recorded: %s", delivery.channel, exc)
