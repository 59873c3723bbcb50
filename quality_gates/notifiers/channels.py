"""Where alerts go: e-mail (Airflow's SMTP provider), Slack (Airflow's Slack provider), a JSON
webhook, or any Airflow notifier. A channel raises when delivery fails; the notifier logs it."""

from __future__ import annotations

import copy
import json
import urllib.request
from collections.abc import Sequence
from typing import Any, Protocol

from quality_gates.notifiers.message import AlertMessage


class Channel(Protocol):
    def send(self, message: AlertMessage, context: Any) -> None: ...

    def describe(self) -> str: ...


class EmailChannel:
    """Mail through an Airflow SMTP connection (host, port, login; extras such as from_email,
    disable_ssl, disable_tls, timeout and retry_limit)."""

    def __init__(self, to: str | Sequence[str], smtp_conn_id: str = "smtp_default", from_email: str | None = None):
        self.to = [to] if isinstance(to, str) else list(to)
        self.smtp_conn_id = smtp_conn_id
        self.from_email = from_email

    def describe(self) -> str:
        return f"e-mail to {', '.join(self.to)} via connection '{self.smtp_conn_id}'"

    def send(self, message: AlertMessage, context: Any) -> None:
        from airflow.providers.smtp.hooks.smtp import SmtpHook

        with SmtpHook(smtp_conn_id=self.smtp_conn_id) as hook:
            hook.send_email_smtp(
                to=self.to, subject=message.subject, html_content=message.html, from_email=self.from_email,
                mime_subtype="alternative",
            )


class WebhookChannel:
    """POST the alert as JSON to a URL, given directly or as an HTTP connection (scheme in
    ``schema``, host, port) plus ``endpoint``, as Airflow's HttpHook reads them."""

    def __init__(self, url: str | None = None, *, http_conn_id: str | None = None, endpoint: str = "",
                 headers: dict[str, str] | None = None, timeout: float = 10.0):
        if (url is None) == (http_conn_id is None):
            raise ValueError("WebhookChannel needs exactly one of url= or http_conn_id=")
        self.url = url
        self.http_conn_id = http_conn_id
        self.endpoint = endpoint
        self.headers = dict(headers or {})
        self.timeout = timeout

    def describe(self) -> str:
        return f"webhook {self.url or 'connection ' + repr(self.http_conn_id)}"

    def _target(self) -> str:
        if self.url:
            return self.url
        from airflow.sdk import BaseHook

        connection = BaseHook.get_connection(self.http_conn_id)
        base = connection.host or ""
        if "://" not in base:
            base = f"{connection.schema or 'https'}://{base}"
        if connection.port:
            base = f"{base.rstrip('/')}:{connection.port}"
        return base.rstrip("/") + ("/" + self.endpoint.lstrip("/") if self.endpoint else "")

    def send(self, message: AlertMessage, context: Any) -> None:
        body = json.dumps({**message.payload, "text": message.text}).encode()
        request = urllib.request.Request(
            self._target(), data=body, method="POST", headers={"Content-Type": "application/json", **self.headers}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # raises on 4xx/5xx
            response.read()


class SlackChannel:
    """Slack through Airflow's Slack provider: an incoming-webhook connection
    (``slackwebhook``), the message as text with a header block."""

    def __init__(self, slack_webhook_conn_id: str = "slack_default", channel: str | None = None):
        self.slack_webhook_conn_id = slack_webhook_conn_id
        self.channel = channel

    def describe(self) -> str:
        return f"Slack via connection '{self.slack_webhook_conn_id}'"

    def send(self, message: AlertMessage, context: Any) -> None:
        from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook

        blocks = [
            {"type": "header", "text": {"type": "plain_text", "text": message.subject[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"```{message.text[:2900]}```"}},
        ]
        SlackWebhookHook(slack_webhook_conn_id=self.slack_webhook_conn_id).send(
            text=message.subject, blocks=blocks, **({"channel": self.channel} if self.channel else {})
        )


class NotifierChannel:
    """Any Airflow notifier: the alert is in its context as ``quality_gate_alert``, so its
    templates can use ``{{ quality_gate_alert.subject }}`` and ``{{ quality_gate_alert.text }}``."""

    def __init__(self, notifier: Any):
        self.notifier = notifier

    def describe(self) -> str:
        return type(self.notifier).__name__

    def send(self, message: AlertMessage, context: Any) -> None:
        context = {**context, "quality_gate_alert": message}
        # Render a copy: Airflow renders template fields in place, and this notifier serves every run.
        notifier = copy.copy(self.notifier)
        notifier.render_template_fields(context)
        notifier.notify(context)
