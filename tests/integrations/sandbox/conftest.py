"""A sandbox for the whole session, reset to its seeded state before each test that asks for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.sandbox.testing import WebhookReceiver, http_call, run_sandbox, run_webhook_receiver

# Short, so that a request held by the timeout fault is dropped soon after the test that made it.
TIMEOUT_HOLD_SECONDS = 3.0


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[str]:
    with run_sandbox(timeout_hold_seconds=TIMEOUT_HOLD_SECONDS) as base_url:
        yield base_url


@pytest.fixture
def sandbox(sandbox_server: str) -> str:
    """The base URL of a sandbox in its seeded state: data, faults, keys and request log reset."""
    answer = http_call("POST", f"{sandbox_server}/_sandbox/reset", token=None)
    assert answer.status == 200, answer.body
    return sandbox_server


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with run_webhook_receiver() as receiver:
        yield receiver
