"""Alerting through Airflow callbacks."""

from quality_gates.notifiers.channels import EmailChannel, NotifierChannel, SlackChannel, WebhookChannel
from quality_gates.notifiers.delivery import PermanentDeliveryError, RetryPolicy, TransientDeliveryError
from quality_gates.notifiers.notifier import QualityGateNotifier

__all__ = [
    "EmailChannel",
    "NotifierChannel",
    "PermanentDeliveryError",
    "QualityGateNotifier",
    "RetryPolicy",
    "SlackChannel",
    "TransientDeliveryError",
    "WebhookChannel",
]
