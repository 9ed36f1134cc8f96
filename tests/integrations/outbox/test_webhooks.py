"""Canonical events go to each subscribed webhook, signed, once; a failing subscriber is retried alone;
a message that never gets through is parked as dead with an exception for the entity's admins."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from finops.audit.models import AuditEvent
from finops.outbox.models import OutboxMessage, OutboxState, WebhookDelivery, WebhookSubscription
from finops.outbox.services import event_publish, outbox_retry
from integrations.outbox.relay import outbox_relay
from integrations.retry import OUTBOX_RETRY
from integrations.signing import EVENT_ID_HEADER, SIGNATURE_HEADER
from reconciliation.exceptions.models import ExceptionItem
from tests.factories import ExceptionItemFactory

TOPIC = "event.exception-created"


def _subscribe(entity, receiver, name, *, topics=(TOPIC,), is_active=True, secret=None):
    return WebhookSubscription.objects.create(
        entity=entity,
        name=name,
        url=f"{receiver.url}/{name}",
        secret=secret or f"{name}-secret-0123456789",
        topics=list(topics),
        is_active=is_active,
    )


def _relay_when_due(message: OutboxMessage):
    message.refresh_from_db()
    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1), tick=False):
        return outbox_relay()


def test_an_event_reaches_each_matching_subscriber_once_and_signed(receiver, entity_de, entity_gb):
    alpha = _subscribe(entity_de, receiver, "alpha")
    _subscribe(entity_de, receiver, "beta")
    _subscribe(entity_de, receiver, "other-topic", topics=("event.cash-applied",))
    _subscribe(entity_de, receiver, "inactive", is_active=False)
    _subscribe(entity_gb, receiver, "gb-only")
    item = ExceptionItemFactory(entity=entity_de, title="Unapplied receipt 77")
    message = event_publish("exception-created", item, actor=None)

    report = outbox_relay()
    outbox_relay()

    message.refresh_from_db()
    assert report.delivered == 1
    assert message.state == OutboxState.DELIVERED
    assert message.result == {"subscribers": 2, "delivered": 2}
    assert [len(receiver.to(f"/{name}")) for name in ("alpha", "beta", "other-topic", "inactive", "gb-only")] == [
        1,
        1,
        0,
        0,
        0,
    ]
    [sent] = receiver.to("/alpha")
    assert sent.header(EVENT_ID_HEADER) == str(message.event_id)
    assert sent.header("Idempotency-Key") == f"event.exception-created:reconciliation.ExceptionItem:{item.pk}"
    assert receiver.signed_correctly(sent, alpha.secret)
    assert not receiver.signed_correctly(sent, "beta-secret-0123456789")
    assert sent.json()["type"] == "exception-created"
    assert sent.json()["data"]["object"]["title"] == "Unapplied receipt 77"
    assert sent.header(SIGNATURE_HEADER).startswith("t=")


def test_a_failing_subscriber_is_retried_alone(receiver, entity_de):
    _subscribe(entity_de, receiver, "steady")
    _subscribe(entity_de, receiver, "flaky")
    receiver.fail("/flaky", 500)
    message = event_publish("exception-created", ExceptionItemFactory(entity=entity_de), actor=None)

    first = outbox_relay()
    too_early = outbox_relay()
    message.refresh_from_db()
    state_after_first = message.state
    second = _relay_when_due(message)

    message.refresh_from_db()
    assert (first.retrying, too_early.claimed, second.delivered) == (1, 0, 1)
    assert state_after_first == OutboxState.FAILED
    assert message.state == OutboxState.DELIVERED
    assert message.attempts == 2
    assert len(receiver.to("/steady")) == 1
    assert len(receiver.to("/flaky")) == 2
    assert receiver.to("/flaky")[0].body == receiver.to("/flaky")[1].body
    flaky = WebhookDelivery.objects.get(message=message, subscription__name="flaky")
    assert (flaky.attempts, flaky.last_status, flaky.delivered_at is not None) == (2, 200, True)


def test_a_subscription_added_after_the_event_does_not_receive_it(receiver, entity_de):
    message = event_publish("exception-created", ExceptionItemFactory(entity=entity_de), actor=None)
    _subscribe(entity_de, receiver, "late")

    outbox_relay()

    message.refresh_from_db()
    assert message.state == OutboxState.DELIVERED
    assert receiver.to("/late") == []


def test_a_message_that_never_gets_through_goes_dead_opens_an_exception_and_can_be_retried(
    receiver, entity_de, admin_de
):
    _subscribe(entity_de, receiver, "down")
    receiver.fail("/down", *([503] * OUTBOX_RETRY.max_attempts))
    message = event_publish("exception-created", ExceptionItemFactory(entity=entity_de), actor=None)

    outbox_relay()
    for _ in range(OUTBOX_RETRY.max_attempts - 1):
        _relay_when_due(message)

    message.refresh_from_db()
    assert message.state == OutboxState.DEAD
    assert message.attempts == OUTBOX_RETRY.max_attempts
    assert "HTTP 503" in message.last_error
    exception = ExceptionItem.objects.get(dedupe_key=f"outbox:{message.pk}")
    assert (exception.kind, exception.state, exception.entity_id) == ("sync_failure", "open", entity_de.pk)
    assert exception.correlation_id == message.correlation_id
    assert AuditEvent.objects.filter(action="outbox.dead", object_id=str(message.pk)).count() == 1

    outbox_retry(message_id=message.pk, actor=admin_de)
    outbox_relay()

    message.refresh_from_db()
    assert message.state == OutboxState.DELIVERED
    assert message.attempts == 1
    assert len(receiver.to("/down")) == OUTBOX_RETRY.max_attempts + 1
    assert AuditEvent.objects.get(action="outbox.retried", object_id=str(message.pk)).actor == admin_de


def test_a_claimed_message_is_left_alone_until_its_lease_expires(receiver, entity_de):
    from integrations.outbox.relay import LEASE, outbox_claim

    _subscribe(entity_de, receiver, "slow")
    message = event_publish("exception-created", ExceptionItemFactory(entity=entity_de), actor=None)
    [claimed] = outbox_claim(10)  # a relay that then dies without a word

    while_leased = outbox_relay()
    with time_machine.travel(timezone.now() + LEASE + timedelta(seconds=1), tick=False):
        after_lease = outbox_relay()

    message.refresh_from_db()
    assert claimed == message.pk
    assert while_leased.claimed == 0
    assert after_lease.delivered == 1
    assert message.attempts == 2
    assert len(receiver.to("/slow")) == 1


def test_backoff_grows_exponentially_with_bounded_jitter():
    delays = [OUTBOX_RETRY.delay(attempt) for attempt in (1, 2, 3, 4)]
    capped = OUTBOX_RETRY.delay(40)

    assert timedelta(seconds=2.5) <= delays[0] <= timedelta(seconds=5)
    assert timedelta(seconds=20) <= delays[3] <= timedelta(seconds=40)
    assert timedelta(minutes=30) <= capped <= timedelta(hours=1)
    assert len({OUTBOX_RETRY.delay(5) for _ in range(10)}) > 1
