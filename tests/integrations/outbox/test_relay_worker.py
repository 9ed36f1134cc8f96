"""A real Celery worker on Redis relays: the after-commit nudge alone delivers an event promptly, and
relays running in parallel threads deliver each message exactly once."""

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection, transaction

from finops.celery import app
from finops.outbox.models import OutboxMessage, OutboxState, WebhookSubscription
from finops.outbox.services import event_publish
from integrations.outbox.relay import outbox_relay
from integrations.signing import EVENT_ID_HEADER
from tests.factories import ExceptionItemFactory


def _subscribe(entity, receiver, name="ops"):
    return WebhookSubscription.objects.create(
        entity=entity,
        name=name,
        url=f"{receiver.url}/{name}",
        secret="ops-secret-0123456789",
        topics=["event.exception-created"],
    )


@pytest.mark.django_db(transaction=True)
def test_the_commit_nudge_makes_a_worker_deliver_the_event(receiver, entity_de):
    subscription = _subscribe(entity_de, receiver)
    item = ExceptionItemFactory(entity=entity_de)

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        with transaction.atomic():
            message = event_publish("exception-created", item, actor=None)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not receiver.to("/ops"):
            time.sleep(0.1)

    message.refresh_from_db()
    [sent] = receiver.to("/ops")
    assert message.state == OutboxState.DELIVERED
    assert sent.header(EVENT_ID_HEADER) == str(message.event_id)
    assert receiver.signed_correctly(sent, subscription.secret)


@pytest.mark.django_db(transaction=True)
def test_parallel_relays_deliver_each_message_exactly_once(receiver, entity_de):
    _subscribe(entity_de, receiver)
    with transaction.atomic():
        items = [ExceptionItemFactory(entity=entity_de) for _ in range(30)]
        messages = [event_publish("exception-created", item, actor=None) for item in items]
    reports = []
    start = threading.Barrier(4)

    def relay() -> None:
        try:
            start.wait()
            reports.append(outbox_relay(batch_size=100))
        finally:
            connection.close()

    threads = [threading.Thread(target=relay) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    event_ids = [r.header(EVENT_ID_HEADER) for r in receiver.to("/ops")]
    assert sorted(event_ids) == sorted(str(m.event_id) for m in messages)
    assert sum(r.delivered for r in reports) == 30
    assert OutboxMessage.objects.filter(state=OutboxState.DELIVERED).count() == 30
