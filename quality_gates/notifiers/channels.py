"""Where alerts go: e-mail (Airflow's SMTP provider), Slack (Airflow's Slack provider), a JSON
webhook (Airflow's HTTP provider), or any Airflow notifier. ``send`` is one attempt and raises
when it fails; the notifier retries (``delivery.RetryPolicy``), logs and records the outcome."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from quality_gates.notifiers.delivery import PermanentDeliveryError, TransientDeliveryError
from quality_gates.notifiers.message import AlertMessage


class Channel(Protocol):
    def send(self, message: AlertMessage, context: Any) -> None: ...

    def describe(self) -> str: ...


class EmailChannel:
    """Mail through an Airflow SMTP connection (host, port, login; extras such as from_email,
    disable_ssl, disable_tls, timeout and retry_limit). The SMTP hook resends at once up to
    ``retry_limit`` times (default 5) inside each of the notifier's attempts; set it to 0 to let
    the notifier's ``RetryPolicy`` (with its pauses) alone decide."""

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
                to=self.to,
                subject=message.subject,
                html_content=message.html,
                from_email=self.from_email,
                mime_subtype="alternative",
            )


class WebhookChannel:
    """POST the alert as JSON through Airflow's ``HttpHook``: an HTTP connection gives the base URL
    (``schema``, host, port), the auth (login and password; the hook's ``auth_type``) and headers
    (the connection's extra, e.g. ``{"Authorization": "Bearer ..."}``), and ``endpoint`` is
    appended. A plain ``url`` works too, without auth or connection headers.

    One call is one attempt: a 4xx answer raises ``PermanentDeliveryError`` (no retry helps), a
    5xx, 429, timeout or connection error raises for the notifier's bounded retries.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        http_conn_id: str | None = None,
        endpoint: str = "",
        headers: dict[str, str] | None = None,
        timeout: float = 10.0,
    ):
        if (url is None) == (http_conn_id is None):
            raise ValueError("WebhookChannel needs exactly one of url= or http_conn_id=")
        self.url = url
        self.http_conn_id = http_conn_id
        self.endpoint = endpoint
        self.headers = dict(headers or {})
        self.timeout = timeout

    def describe(self) -> str:
        return f"webhook {self.url or 'connection ' + repr(self.http_conn_id)}"

    def _hook_and_endpoint(self) -> tuple[Any, str]:
        try:
            from airflow.providers.http.hooks.http import HttpHook
        except ImportError:
            raise ImportError("WebhookChannel needs Airflow's HTTP provider: pip install 'airflow-quality-gates[http]'") from None
        if self.http_conn_id is not None:
            return HttpHook(method="POST", http_conn_id=self.http_conn_id), self.endpoint
        parts = urlsplit(str(self.url))
        return _url_hook(f"{parts.scheme}://{parts.netloc}"), urlunsplit(("", "", parts.path, parts.query, ""))

    def send(self, message: AlertMessage, context: Any) -> None:
        hook, endpoint = self._hook_and_endpoint()
        response = hook.run(
            endpoint,
            json={**message.payload, "text": message.text},
            headers={"Content-Type": "application/json", **self.headers},
            extra_options={"timeout": self.timeout, "check_response": False},
        )
        if response.status_code < 400:
            return
        error = f"{response.status_code} {response.reason} from {response.url}: {response.text.strip()[:200]}"
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise TransientDeliveryError(error)
        raise PermanentDeliveryError(error)


def _url_hook(base_url: str) -> Any:
    """An HttpHook on a URL instead of a connection (same session, timeout and response handling)."""
    from airflow.providers.http.hooks.http import HttpHook
    from airflow.sdk import Connection

    class UrlHttpHook(HttpHook):
        def get_connection(self, conn_id: str | None) -> Connection:  # type: ignore[override]
            return Connection(conn_id="quality_gates_webhook_url", conn_type="http", host=base_url)

    return UrlHttpHook(method="POST", http_conn_id="quality_gates_webhook_url")


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
