"""Alert delivery with bounded retries through Airflow's HTTP, Slack and SMTP hooks, against real
local servers that fail a few times; every delivery is recorded in alert_deliveries."""

from __future__ import annotations

import base64
import email
import json
import threading
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from tests.airflow.test_alerting import free_port


class FlakyServer:
    """An HTTP server that answers ``failures`` requests with ``failure_status``, then 200."""

    def __init__(self, failures: int, failure_status: int = 503):
        self.failures, self.failure_status = failures, failure_status
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
                failing = len(server.requests) <= server.failures
                self.send_response(server.failure_status if failing else 200)
                self.end_headers()
                self.wfile.write(b"try again later" if failing else b"ok")

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.http.server_address[1]
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self):
        self.http.shutdown()


@pytest.fixture
def flaky_server():
    servers = []

    def start(failures: int, failure_status: int = 503) -> FlakyServer:
        servers.append(FlakyServer(failures, failure_status))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _webhook_connection(monkeypatch, server: FlakyServer) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_FLAKY_WEBHOOK",
        json.dumps(
            {
                "conn_type": "http",
                "host": "127.0.0.1",
                "port": server.port,
                "schema": "http",
                "login": "gates",
                "password": "s3cret",
                "extra": {"X-Team": "data-platform"},
            }
        ),
    )


def _deliveries(gate_store, dag_id: str):
    [run] = gate_store.recent(dag_id=dag_id)
    return run, gate_store.alert_deliveries.for_gate_run(run.id)


def test_webhook_uses_the_http_connection_and_succeeds_on_the_third_attempt(gate_store, run_dag, flaky_server, monkeypatch):
    server = flaky_server(failures=2)
    _webhook_connection(monkeypatch, server)

    _, states = run_dag("delivery_webhook")

    assert states == {"gate": "failed"}
    assert len(server.requests) == 3 and {r["path"] for r in server.requests} == {"/hooks/quality"}
    headers = server.requests[-1]["headers"]
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"gates:s3cret").decode()  # login/password of the connection
    assert headers["X-Team"] == "data-platform"  # headers from the connection's extra
    assert server.requests[-1]["json"]["event"] == "failed"
    run, [delivery] = _deliveries(gate_store, "delivery_webhook")
    assert (delivery.channel, delivery.event, delivery.delivered, delivery.attempts, delivery.error) == (
        "webhook connection 'flaky_webhook'",
        "alert",
        True,
        3,
        None,
    )
    assert run.result.status == "failed"


def test_webhook_that_always_fails_is_given_up_and_recorded(gate_store, run_dag, flaky_server, monkeypatch, capfd):
    server = flaky_server(failures=100)
    _webhook_connection(monkeypatch, server)

    _, states = run_dag("delivery_webhook")

    assert states == {"gate": "failed"}  # the gate's outcome, not the alert's
    assert len(server.requests) == 3  # bounded
    run, [delivery] = _deliveries(gate_store, "delivery_webhook")
    url = f"http://127.0.0.1:{server.port}/hooks/quality"
    assert (delivery.delivered, delivery.attempts) == (False, 3)
    assert delivery.error == f"TransientDeliveryError: 503 Service Unavailable from {url}: try again later"
    logs = "".join(capfd.readouterr())
    assert "Quality gate alert through webhook connection 'flaky_webhook' failed (attempt 1 of 3), retrying in 0.1 s" in logs
    assert f"Quality gate alert through webhook connection 'flaky_webhook' failed after 3 attempt(s): {delivery.error}" in logs
    assert len(gate_store.recent(dag_id="delivery_webhook")[0].result.checks) == len(run.result.checks)  # results kept


def test_webhook_client_error_is_not_retried(gate_store, run_dag, flaky_server, monkeypatch):
    server = flaky_server(failures=100, failure_status=404)
    _webhook_connection(monkeypatch, server)

    run_dag("delivery_webhook")

    assert len(server.requests) == 1
    _, [delivery] = _deliveries(gate_store, "delivery_webhook")
    assert (delivery.delivered, delivery.attempts) == (False, 1)
    assert delivery.error.startswith("PermanentDeliveryError: 404 Not Found from http://127.0.0.1:")


def test_slack_gets_the_same_bounded_retries(gate_store, run_dag, flaky_server, monkeypatch):
    server = flaky_server(failures=1, failure_status=500)
    monkeypatch.setenv(
        "AIRFLOW_CONN_FLAKY_SLACK",
        json.dumps({"conn_type": "slackwebhook", "password": f"http://127.0.0.1:{server.port}/services/T000/B000/XXXX"}),
    )

    run_dag("delivery_slack")

    assert len(server.requests) == 2 and server.requests[-1]["path"] == "/services/T000/B000/XXXX"
    _, [delivery] = _deliveries(gate_store, "delivery_slack")
    assert (delivery.channel, delivery.delivered, delivery.attempts) == ("Slack via connection 'flaky_slack'", True, 2)


class FlakyMailbox:
    """A real SMTP server that answers the first ``failures`` messages with 451 (try again later)."""

    def __init__(self, failures: int):
        self.failures, self.tries = failures, 0
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.tries += 1
        if self.tries <= self.failures:
            return "451 Requested action aborted: local error in processing"
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.mark.parametrize(("failures", "delivered", "attempts"), [(2, True, 3), (5, False, 3)])
def test_email_is_retried_on_temporary_smtp_errors(gate_store, run_dag, monkeypatch, failures, delivered, attempts):
    mailbox, port = FlakyMailbox(failures), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    # retry_limit 0: the SMTP hook's own immediate resends off, so the notifier's policy alone counts.
    extra = {"disable_ssl": True, "disable_tls": True, "timeout": 5, "retry_limit": 0}
    monkeypatch.setenv("AIRFLOW_CONN_FLAKY_SMTP", json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": port, "extra": extra}))
    try:
        _, states = run_dag("delivery_email")
    finally:
        controller.stop()

    assert states == {"gate": "failed"}
    assert mailbox.tries == attempts and len(mailbox.messages) == int(delivered)
    _, [delivery] = _deliveries(gate_store, "delivery_email")
    assert (delivery.delivered, delivery.attempts) == (delivered, attempts)
    if not delivered:
        assert delivery.error == "SMTPDataError: (451, b'Requested action aborted: local error in processing')"
