"""Alerts from real Airflow runs to a real SMTP server (aiosmtpd) and a real HTTP server."""

from __future__ import annotations

import email
import json
import socket
import threading
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server(monkeypatch):
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    extra = {"disable_ssl": True, "disable_tls": True, "timeout": 5, "retry_limit": 1}
    monkeypatch.setenv("AIRFLOW_CONN_TEST_SMTP", json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": port, "extra": extra}))
    yield mailbox
    controller.stop()


@pytest.fixture
def webhook_server(monkeypatch):
    received: list[dict] = []
    state = {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "json": json.loads(body)})
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(
        "AIRFLOW_CONN_TEST_WEBHOOK",
        json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": server.server_address[1], "schema": "http"}),
    )
    yield received, state
    server.shutdown()


def test_blocked_gate_sends_one_precise_email_and_one_webhook(gate_store, run_dag, smtp_server, webhook_server):
    received, _ = webhook_server
    dag_run, states = run_dag("alerting_gate_fail", scenario="bad")
    assert states["gate"] == "failed"
    [mail] = smtp_server.messages
    assert mail["Subject"] == "[failed] schema gate alerting_gate_fail.gate: orders [" + dag_run.logical_date.date().isoformat() + "]"
    assert mail["To"] == "oncall@example.com"
    html = mail.get_body(("html",)).get_content()
    assert "<td>amount</td><td>greater_than_or_equal_to</td><td>failed</td><td>&gt;= 0</td>" in html
    assert "5 of 100 rows (5.00%) fail" in html and "5.00%" in html
    assert f"https://airflow.example.com/dags/alerting_gate_fail/runs/{dag_run.run_id}" in html
    [hook] = received
    assert hook["path"] == "/hooks/quality"
    payload = hook["json"]
    assert (payload["event"], payload["dag_id"], payload["task_id"]) == ("failed", "alerting_gate_fail", "gate")
    [problem] = payload["summary"]["problems"]
    assert (problem["column"], problem["check"], problem["expected"], problem["failing_fraction"]) == (
        "amount",
        "greater_than_or_equal_to",
        ">= 0",
        0.05,
    )
    assert "amount: greater_than_or_equal_to [failed]" in payload["text"]


def test_repeated_failures_alert_once_then_recovery_is_announced(gate_store, run_dag, smtp_server, webhook_server):
    received, _ = webhook_server
    for _ in range(3):
        run_dag("alerting_gate_fail", scenario="bad")
    assert len(smtp_server.messages) == 1 and len(received) == 1
    assert gate_store.alert_states.suppressed("alerting_gate_fail", "gate", "orders") == 2
    run_dag("alerting_gate_fail", scenario="good")
    assert len(smtp_server.messages) == 2
    assert smtp_server.messages[-1]["Subject"].startswith("[recovered] schema gate alerting_gate_fail.gate")
    assert received[-1]["json"]["event"] == "recovered"
    run_dag("alerting_gate_fail", scenario="good")
    assert len(smtp_server.messages) == 2  # passing again and again says nothing


def test_warn_mode_gate_alerts_without_failing(gate_store, run_dag, smtp_server, webhook_server):
    dag_run, states = run_dag("alerting_gate_warn", scenario="bad")
    assert states == {"gate": "success", "downstream": "success", "further_downstream": "success"}
    # Warning and success callbacks both fired: still one message for the gate run.
    [mail] = smtp_server.messages
    # The alert says the bad data went through (issue 11, item 13).
    assert mail["Subject"].startswith("[failed, allowed in warn mode] schema gate alerting_gate_warn.gate")
    assert "Action: <b>allowed in warn mode</b> (mode warn)" in mail.get_body(("html",)).get_content()
    [hook] = webhook_server[0]
    assert (hook["json"]["summary"]["mode"], hook["json"]["summary"]["action"]) == ("warn", "allowed")


def test_dead_smtp_server_and_failing_webhook_change_nothing_but_a_log_line(gate_store, run_dag, webhook_server, monkeypatch, capfd):
    received, state = webhook_server
    state["status"] = 500
    monkeypatch.setenv(
        "AIRFLOW_CONN_TEST_SMTP",
        json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": free_port(),
                "extra": {"disable_ssl": True, "disable_tls": True, "timeout": 2, "retry_limit": 1},
            }
        ),
    )
    dag_run, states = run_dag("alerting_gate_fail", scenario="bad")
    assert states["gate"] == "failed" and states["downstream"] == "upstream_failed"  # the outcome is the gate's
    output = capfd.readouterr()
    logs = output.out + output.err
    assert "Quality gate alert through e-mail to oncall@example.com via connection 'test_smtp' failed after 3 attempt(s)" in logs
    assert "Quality gate alert through webhook connection 'test_webhook' failed after 3 attempt(s): TransientDeliveryError: 500" in logs
    [stored] = gate_store.recent(dag_id="alerting_gate_fail")
    assert stored.result.status == "failed"  # results are kept
    assert len(received) == 3  # the webhook was tried a bounded number of times
    deliveries = gate_store.alert_deliveries.for_gate_run(stored.id)
    assert [(d.channel, d.delivered, d.attempts) for d in deliveries] == [
        ("e-mail to oncall@example.com via connection 'test_smtp'", False, 3),
        ("webhook connection 'test_webhook'", False, 3),
    ]


def test_slack_through_airflows_slack_provider(gate_store, run_dag, webhook_server, monkeypatch):
    received, _ = webhook_server
    url = f"http://127.0.0.1:{json.loads(__import__('os').environ['AIRFLOW_CONN_TEST_WEBHOOK'])['port']}/services/T000/B000/XXXX"
    monkeypatch.setenv("AIRFLOW_CONN_TEST_SLACK", json.dumps({"conn_type": "slackwebhook", "password": url}))
    dag_run, states = run_dag("alerting_gate_slack", scenario="bad")
    assert states["gate"] == "failed"
    [message] = received
    assert message["path"] == "/services/T000/B000/XXXX"
    header, section = message["json"]["blocks"]
    assert header["text"]["text"].startswith("[failed] schema gate alerting_gate_slack.gate: orders")
    assert "amount: greater_than_or_equal_to [failed]" in section["text"]["text"]
    assert "expected >= 0; observed 5 of 100 rows (5.00%) fail" in section["text"]["text"]


def test_webhook_timeout_raises_quickly():
    import time

    from quality_gates.notifiers import WebhookChannel
    from quality_gates.notifiers.message import AlertMessage

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self):
            time.sleep(3)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    channel = WebhookChannel(f"http://127.0.0.1:{server.server_address[1]}/hook", timeout=0.5)
    start = time.perf_counter()
    with pytest.raises(OSError):  # requests' ReadTimeout is an OSError
        channel.send(AlertMessage("s", "t", "h", {}), {})
    assert time.perf_counter() - start < 2.5
    server.shutdown()


def test_any_airflow_notifier_as_a_channel(gate_store, run_dag, smtp_server):
    for _ in range(2):  # on_change_only=False: every bad run speaks, each with its own partition
        dag_run, states = run_dag("alerting_gate_any_notifier", scenario="bad")
        assert states["gate"] == "failed"
    first, second = smtp_server.messages
    assert first["Subject"].startswith("[failed] schema gate alerting_gate_any_notifier.gate: orders [")
    assert first["Subject"] != second["Subject"]  # rendered per run, not once
    assert "amount: greater_than_or_equal_to [failed]" in second.get_body(("html",)).get_content()


def test_default_link_opens_the_gates_quality_report_in_airflow(gate_store, run_dag, smtp_server):
    from quality_gates.ui_links import quality_report_url

    dag_run, _ = run_dag("alerting_gate_any_notifier", scenario="bad")
    [mail] = smtp_server.messages
    link = quality_report_url("alerting_gate_any_notifier", dag_run.run_id, "gate")
    assert link.endswith("/tasks/gate/plugin/quality-checks")
    assert link in mail.get_body(("html",)).get_content()
