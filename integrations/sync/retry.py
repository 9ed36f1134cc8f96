"""When to try an HTTP request again and how long to wait first."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
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

    @classmethod
    def of(cls, connector: Connector) -> RetryPolicy:
        return cls(
            max_attempts=connector.max_attempts,
            base_seconds=float(Decimal(connector.backoff_base_seconds)),
            cap_seconds=float(Decimal(connector.backoff_cap_seconds)),
            max_retry_after_seconds=float(connector.max_retry_after_seconds),
            timeout_seconds=float(Decimal(connector.timeout_seconds)),
        )

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter: uniform(0, min(cap, base · 2^(attempt-1)))."""
        ceiling = min(self.cap_seconds, self.base_seconds * (2 ** max(attempt - 1, 0)))
        return _random.uniform(0, ceiling)


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
