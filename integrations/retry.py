"""When to try again and how long to wait first: the one retry and backoff policy of the
integrations. A connector's HTTP requests and its SFTP connections (RetryPolicy.of(connector)),
a webhook event's processing, and the outbox relay's deliveries (OUTBOX_RETRY) all back off
exponentially with jitter, as this module computes it."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from integrations.models import Connector

_random = secrets.SystemRandom()
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_seconds: float = 0.5
    cap_seconds: float = 30.0
    max_retry_after_seconds: float = 300.0
    timeout_seconds: float = 10.0
    # The share of the nominal delay a retry always waits: 0 is full jitter (anything from no wait
    # to the nominal delay), 0.5 waits at least half of it.
    jitter_floor: float = 0.0

    @classmethod
    def of(cls, connector: Connector) -> RetryPolicy:
        return cls(
            max_attempts=connector.max_attempts,
            base_seconds=float(Decimal(connector.backoff_base_seconds)),
            cap_seconds=float(Decimal(connector.backoff_cap_seconds)),
            max_retry_after_seconds=float(connector.max_retry_after_seconds),
            timeout_seconds=float(Decimal(connector.timeout_seconds)),
        )

    def nominal(self, attempt: int) -> float:
        """The delay before the retry after `attempt` failed attempts, jitter aside: base · 2^(attempt-1), capped."""
        return min(self.cap_seconds, self.base_seconds * (2 ** max(attempt - 1, 0)))

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: nominal · uniform(jitter_floor, 1), so that clients
        retrying together spread out."""
        return self.nominal(attempt) * _random.uniform(self.jitter_floor, 1.0)

    def delay(self, attempt: int) -> timedelta:
        return timedelta(seconds=self.backoff(attempt))


# The outbox relay's deliveries: 8 attempts, waiting 5 s, 10 s, 20 s … up to an hour between them,
# and never less than half of that (relays retrying together spread out, none hammers a receiver).
OUTBOX_RETRY = RetryPolicy(max_attempts=8, base_seconds=5.0, cap_seconds=3600.0, jitter_floor=0.5)


def retry_after_seconds(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() is true; float("²") fails
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    current = now or dt.datetime.now(dt.UTC)
    return max((when - current).total_seconds(), 0.0)
