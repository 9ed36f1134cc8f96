"""Journal entries reach the ERP through the outbox: queued in the same transaction as the message,
posted once over HTTP with the entry's idempotency key, its document number recorded."""

import datetime as dt
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import transaction

from finops.core.workflow import WorkflowError
from finops.ledger.models import JournalState
from finops.ledger.services import JournalLineInput, journal_entry_create, journal_entry_queue
from finops.outbox.models import OutboxMessage, OutboxState
from integrations.outbox.relay import outbox_relay
from integrations.retry import OUTBOX_RETRY
from integrations.sandbox.testing import http_call
from reconciliation.exceptions.models import ExceptionItem
from tests.integrations.outbox.conftest import header

LINES = (
    JournalLineInput(account_code="1200", debit=Decimal("119.00")),
    JournalLineInput(account_code="1400", credit=Decimal("119.00")),
)


def _entry(entity, external_id="JE-1", lines=LINES, actor=None):
    return journal_entry_create(
        entity=entity,
        posting_on=dt.date(2026, 3, 31),
        currency="EUR",
        description=f"Cash receipt {external_id}",
        lines=lines,
        external_id=external_id,
        actor=actor,
    )


class Boom(Exception):
    pass


def _queue_then_fail(entry):
    with transaction.atomic():
        journal_entry_queue(entry_id=entry.pk, actor=None)
        raise Boom


def test_journal_entry_create_is_idempotent_by_source_and_external_id(entity_de):
    first = _entry(entity_de)

    again = _entry(entity_de)

    assert again.pk == first.pk
    assert first.lines.count() == 2
    with pytest.raises(WorkflowError, match="different content"):
        _entry(entity_de, lines=(LINES[0], JournalLineInput(account_code="1410", credit=Decimal("119.00"))))


def test_an_unbalanced_entry_is_refused(entity_de):
    lines = (LINES[0], JournalLineInput(account_code="1400", credit=Decimal("118.99")))

    with pytest.raises(WorkflowError, match="must be equal"):
        _entry(entity_de, lines=lines)


def test_an_auditor_cannot_create_entries(entity_de, auditor_de):
    with pytest.raises(PermissionDenied):
        _entry(entity_de, actor=auditor_de)


def test_queueing_writes_the_message_in_the_same_transaction(entity_de):
    entry = _entry(entity_de)

    with pytest.raises(Boom):
        _queue_then_fail(entry)
    entry.refresh_from_db()
    state_after_rollback = entry.state
    messages_after_rollback = OutboxMessage.objects.count()
    journal_entry_queue(entry_id=entry.pk, actor=None)
    journal_entry_queue(entry_id=entry.pk, actor=None)  # a second click changes nothing

    entry.refresh_from_db()
    assert (state_after_rollback, messages_after_rollback) == (JournalState.DRAFT, 0)
    assert entry.state == JournalState.QUEUED
    message = OutboxMessage.objects.get()
    assert message.idempotency_key == "erp.journal_entry:fct:JE-1"
    assert message.payload["lines"] == [
        {"account": "1200", "debit": "119.00", "credit": "0.00"},
        {"account": "1400", "debit": "0.00", "credit": "119.00"},
    ]
    assert (message.object_type, message.object_id) == ("ledger.JournalEntry", str(entry.pk))
    assert message.correlation_id == entry.correlation_id


def test_a_queued_entry_is_posted_once_and_gets_the_erp_document_number(erp_connector, sandbox, entity_de):
    entry = _entry(entity_de)
    journal_entry_queue(entry_id=entry.pk, actor=None)

    outbox_relay()
    outbox_relay()

    entry.refresh_from_db()
    [booked] = sandbox.journal_entries()
    [post] = sandbox.posts_to("/erp/v1/journal_entries")
    assert entry.state == JournalState.POSTED
    assert entry.erp_document_id == booked["document_number"]
    assert entry.posted_at is not None
    assert header(post, "Idempotency-Key") == "erp.journal_entry:fct:JE-1"
    assert header(post, "Authorization") == "Bearer sandbox-token"
    assert booked["description"] == "Cash receipt JE-1"


def test_an_erp_500_is_retried_later_and_books_one_document(erp_connector, sandbox, entity_de):
    entry = _entry(entity_de)
    journal_entry_queue(entry_id=entry.pk, actor=None)
    sandbox.fault("/erp/v1/journal_entries", "500")

    first = outbox_relay()
    message = OutboxMessage.objects.get()
    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1), tick=False):
        second = outbox_relay()

    entry.refresh_from_db()
    message.refresh_from_db()
    posts = sandbox.posts_to("/erp/v1/journal_entries")
    assert (first.retrying, second.delivered) == (1, 1)
    assert [p["status"] for p in posts] == [500, 201]
    assert {header(p, "Idempotency-Key") for p in posts} == {message.idempotency_key}
    assert len(sandbox.journal_entries()) == 1
    assert entry.state == JournalState.POSTED
    assert message.attempts == 2


def test_an_erp_refusal_is_dead_at_once_and_the_entry_fails_with_an_exception(erp_connector, sandbox, entity_de):
    entry = _entry(entity_de)
    # Someone used our key before with another body: the ERP answers 409, and will every time.
    clash = http_call(
        "POST",
        f"{sandbox.url}/erp/v1/journal_entries",
        json_body={
            "entity": "DE01",
            "posting_date": "2026-03-31",
            "currency": "EUR",
            "description": "something else",
            "lines": [{"account": "1", "debit": "1.00", "credit": "0.00"}, {"account": "2", "credit": "1.00"}],
        },
        headers={"Idempotency-Key": "erp.journal_entry:fct:JE-1"},
    )
    journal_entry_queue(entry_id=entry.pk, actor=None)

    report = outbox_relay()

    entry.refresh_from_db()
    message = OutboxMessage.objects.get()
    assert clash.status == 201
    assert report.dead == 1
    assert message.state == OutboxState.DEAD
    assert message.attempts == 1
    assert "HTTP 409" in message.last_error
    assert "idempotency key reused" in message.last_error
    assert entry.state == JournalState.FAILED
    assert ExceptionItem.objects.filter(kind="sync_failure", dedupe_key=f"outbox:{message.pk}").exists()


def test_requeueing_a_failed_entry_revives_its_message_with_the_same_key(erp_connector, sandbox, entity_de):
    entry = _entry(entity_de)
    sandbox.fault("/erp/v1/journal_entries", "500", times=20)
    journal_entry_queue(entry_id=entry.pk, actor=None)
    message = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=OUTBOX_RETRY.max_attempts - 1)  # one attempt left
    outbox_relay()
    entry.refresh_from_db()
    failed_state = entry.state
    sandbox.call("DELETE", "/_sandbox/faults")

    journal_entry_queue(entry_id=entry.pk, actor=None)
    outbox_relay()

    entry.refresh_from_db()
    message.refresh_from_db()
    assert failed_state == JournalState.FAILED
    assert OutboxMessage.objects.count() == 1
    assert message.state == OutboxState.DELIVERED
    assert entry.state == JournalState.POSTED
    assert len(sandbox.journal_entries()) == 1


def test_without_an_erp_connector_the_message_waits_for_one(sandbox, entity_de):
    entry = _entry(entity_de)
    journal_entry_queue(entry_id=entry.pk, actor=None)

    report = outbox_relay()

    message = OutboxMessage.objects.get()
    assert report.retrying == 1
    assert message.state == OutboxState.FAILED
    assert "No enabled ERP connector" in message.last_error
    assert sandbox.posts_to("/erp/v1/journal_entries") == []
