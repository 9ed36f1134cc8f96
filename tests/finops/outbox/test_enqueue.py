"""finops.outbox: outbox_enqueue writes in the caller's transaction, is idempotent by key, and nudges the relay once."""

from decimal import Decimal

import pytest
from django.db import transaction

from finops.outbox.models import OutboxMessage, OutboxState
from finops.outbox.services import OutboxConflict, event_publish, outbox_enqueue
from tests.factories import ExceptionItemFactory


class Boom(Exception):
    pass


def _enqueue_then_fail(entity):
    with transaction.atomic():
        outbox_enqueue("erp.cash_receipt", {"amount": Decimal("10.00")}, entity=entity, idempotency_key="rolled-back")
        raise Boom


def test_a_message_exists_only_if_the_callers_transaction_commits(entity_de):
    with pytest.raises(Boom):
        _enqueue_then_fail(entity_de)

    kept = outbox_enqueue("erp.cash_receipt", {"amount": Decimal("10.00")}, entity=entity_de, idempotency_key="kept")

    assert not OutboxMessage.objects.filter(idempotency_key="rolled-back").exists()
    assert OutboxMessage.objects.get(idempotency_key="kept").pk == kept.pk
    assert kept.state == OutboxState.PENDING


def test_decimals_are_stored_as_the_strings_they_were(entity_de):
    message = outbox_enqueue("erp.cash_receipt", {"amount": Decimal("1190.50")}, entity=entity_de)

    message.refresh_from_db()
    assert message.payload == {"amount": "1190.50"}


def test_the_same_key_and_payload_returns_the_first_message(entity_de):
    first = outbox_enqueue("erp.cash_receipt", {"amount": Decimal("5.00")}, entity=entity_de, idempotency_key="k-1")

    again = outbox_enqueue("erp.cash_receipt", {"amount": Decimal("5.00")}, entity=entity_de, idempotency_key="k-1")

    assert again.pk == first.pk
    assert OutboxMessage.objects.filter(idempotency_key="k-1").count() == 1


def test_the_same_key_with_another_payload_is_refused(entity_de):
    outbox_enqueue("erp.cash_receipt", {"amount": Decimal("5.00")}, entity=entity_de, idempotency_key="k-2")

    with pytest.raises(OutboxConflict, match="different payload"):
        outbox_enqueue("erp.cash_receipt", {"amount": Decimal("6.00")}, entity=entity_de, idempotency_key="k-2")

    assert OutboxMessage.objects.get(idempotency_key="k-2").payload == {"amount": "5.00"}


def test_without_a_key_each_call_is_a_new_message(entity_de):
    first = outbox_enqueue("erp.cash_receipt", {"n": 1}, entity=entity_de)
    second = outbox_enqueue("erp.cash_receipt", {"n": 1}, entity=entity_de)

    assert first.pk != second.pk
    assert first.idempotency_key.startswith("erp.cash_receipt:")


def test_one_relay_nudge_per_transaction_after_commit(entity_de, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for n in range(5):
            outbox_enqueue("erp.cash_receipt", {"n": n}, entity=entity_de)

    assert len(callbacks) == 1
    assert callbacks[0].__name__ == "_send_nudge"


def test_event_publish_is_idempotent_per_event_and_record(entity_de):
    item = ExceptionItemFactory(entity=entity_de, amount=Decimal("42.10"), correlation_id="corr-event-0001")

    first = event_publish("exception-created", item, actor=None)
    again = event_publish("exception-created", item, actor=None)

    assert again.pk == first.pk
    assert first.topic == "event.exception-created"
    assert first.idempotency_key == f"event.exception-created:reconciliation.ExceptionItem:{item.pk}"
    assert first.correlation_id == "corr-event-0001"
    assert first.payload["object"]["amount"] == "42.10"
    item.refresh_from_db()  # reads 42.1000 from the database: the same event all the same
    assert event_publish("exception-created", item, actor=None).pk == first.pk
    assert first.payload["object"]["entity"] == "DE01"
    assert first.entity_id == entity_de.pk


def test_event_publish_refuses_an_unknown_kind(entity_de):
    item = ExceptionItemFactory(entity=entity_de)

    with pytest.raises(ValueError, match="Unknown event kind"):
        event_publish("invoice-vanished", item, actor=None)

    assert not OutboxMessage.objects.exists()
