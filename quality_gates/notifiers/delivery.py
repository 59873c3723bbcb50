"""Bounded retries for alert delivery: a flaky webhook, Slack or mail server gets a few more
tries with growing pauses; what cannot succeed on a retry (a 4xx answer, a missing connection,
a refused recipient) is not retried."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_ERROR_CHARS = 1000


class PermanentDeliveryError(Exception):
    """The channel answered in a way that another attempt cannot change (e.g. HTTP 400, 403, 404)."""


class TransientDeliveryError(Exception):
    """The channel answered with an error that may pass (HTTP 5xx, 408, 429): retried."""


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries per channel; the pause before try n+1 is ``backoff`` × 2^(n-1) seconds,
    at most ``max_backoff``."""

    attempts: int = 3
    backoff: float = 1.0
    max_backoff: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"RetryPolicy: attempts must be at least 1, not {self.attempts}")
        if self.backoff < 0 or self.max_backoff < 0:
            raise ValueError(f"RetryPolicy: backoff and max_backoff are seconds ≥ 0, not {self.backoff} and {self.max_backoff}")


@dataclass(frozen=True)
class DeliveryOutcome:
    delivered: bool
    attempts: int
    error: str | None = None


def is_transient(exc: BaseException) -> bool:
    """Worth another try: network errors, timeouts, 5xx/429 answers, SMTP 4xx codes."""
    from airflow.sdk.exceptions import AirflowNotFoundException

    if isinstance(exc, (PermanentDeliveryError, AirflowNotFoundException, ImportError, TypeError, ValueError)):
        return False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        return not 500 <= exc.smtp_code < 600
    return True


def describe_error(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    return f"{type(exc).__name__}: {text}"[:MAX_ERROR_CHARS] if text else type(exc).__name__


def deliver(
    send: Callable[[], Any], policy: RetryPolicy, *, on_retry: Callable[[int, BaseException, float], None] | None = None
) -> DeliveryOutcome:
    """Call ``send`` until it returns, fails permanently, or the attempts are used up. Never raises."""
    import tenacity

    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        if on_retry is not None and error is not None:
            on_retry(state.attempt_number, error, state.upcoming_sleep)

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.attempts),
        wait=tenacity.wait_exponential(multiplier=policy.backoff, min=0, max=policy.max_backoff),
        retry=tenacity.retry_if_exception(is_transient),
        before_sleep=before_sleep,
        reraise=True,
    )
    attempts = 0

    def attempt() -> None:
        nonlocal attempts
        attempts += 1
        send()

    try:
        retrying(attempt)
    except Exception as exc:  # the last attempt's error: reported, never raised into the task
        return DeliveryOutcome(False, attempts, describe_error(exc))
    return DeliveryOutcome(True, attempts)
