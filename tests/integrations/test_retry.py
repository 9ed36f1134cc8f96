"""Backoff with full jitter and Retry-After parsing."""

import datetime as dt

from integrations.retry import RetryPolicy, retry_after_seconds


def test_backoff_is_full_jitter_under_an_exponential_ceiling_capped():
    policy = RetryPolicy(base_seconds=1.0, cap_seconds=8.0)

    waits = {attempt: [policy.backoff(attempt) for _ in range(200)] for attempt in (1, 2, 3, 6)}

    assert all(0 <= w <= 1.0 for w in waits[1])
    assert all(0 <= w <= 2.0 for w in waits[2])
    assert max(waits[2]) > 1.0
    assert all(0 <= w <= 4.0 for w in waits[3])
    assert all(0 <= w <= 8.0 for w in waits[6])
    assert max(waits[6]) > 4.0


def test_retry_after_in_seconds_or_as_an_http_date():
    now = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)

    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Sun, 01 Mar 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Sun, 01 Mar 2026 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_a_jitter_floor_always_waits_that_share_of_the_nominal_delay():
    policy = RetryPolicy(base_seconds=2.0, cap_seconds=16.0, jitter_floor=0.5)

    waits = [policy.backoff(3) for _ in range(200)]

    assert policy.nominal(3) == 8.0
    assert all(4.0 <= w <= 8.0 for w in waits)
    assert min(waits) < 6.0 < max(waits)
