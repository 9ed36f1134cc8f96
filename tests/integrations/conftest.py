"""A sandbox for the session (reset before each test that asks for it), and a task queue of
this session's own, so runs enqueued by transactional tests never reach another suite's worker."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings

from integrations.models import SyncRun
from integrations.sandbox.testing import http_call, run_sandbox
from integrations.states import SyncState
from tests.factories import SyncFailureFactory
from tests.integrations.connectors.support import make_connector

QUEUE = f"fct-test-integrations-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[str]:
    # the timeout fault holds a request 2 s; the connectors' timeout is 1 s
    with run_sandbox(timeout_hold_seconds=2.0) as base_url:
        yield base_url


@pytest.fixture
def sandbox(sandbox_server: str) -> str:
    answer = http_call("POST", f"{sandbox_server}/_sandbox/reset", token=None)
    assert answer.status == 200, answer.body
    return sandbox_server


@pytest.fixture(autouse=True)
def _own_queue(settings: Any) -> None:
    settings.FCT_INTEGRATIONS_QUEUE = QUEUE


@pytest.fixture(scope="session", autouse=True)
def _drop_own_queue() -> Iterator[None]:
    yield
    import redis

    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    client.delete(QUEUE, f"_kombu.binding.{QUEUE}")


@pytest.fixture
def erp(admin_de: Any, entity_de: Any, sandbox: str) -> Any:
    return make_connector(admin_de, entity_de, "erp_rest", sandbox)


@pytest.fixture
def dead_failure(erp: Any) -> Any:
    """A record failure of the ERP connector that has used up its attempts."""
    run = SyncRun.objects.create(connector=erp, entity=erp.entity, state=SyncState.PARTLY_FAILED)
    return SyncFailureFactory(connector=erp, run=run)
