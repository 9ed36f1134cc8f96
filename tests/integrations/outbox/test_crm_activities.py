"""Collection notes and payment status reach the customer's CRM account over real HTTP (the sandbox
CRM), through the outbox: once, under the note's or the payment's idempotency key, even when the
relay sends twice; without a CRM connector or a CRM account the note says why it is not there."""

import datetime as dt
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from finops.invoicing.states import InvoiceState
from finops.masterdata.models import Counterparty, ExternalRef
from finops.outbox.models import OutboxMessage, OutboxState
from finops.receivables.services import RemittanceLineInput, collection_note_add, payment_receive
from finops.receivables.states import CrmDeliveryState
from integrations.credentials import encrypt
from integrations.models import Connector, ConnectorKind
from integrations.outbox.handlers import handler_for, handler_register
from integrations.outbox.relay import outbox_relay
from integrations.outbox.trace import trace_collect
from integrations.retry import OUTBOX_RETRY
from integrations.sandbox.config import DEFAULT_TOKEN
from reconciliation.exceptions.models import ExceptionItem
from tests.factories import CounterpartyFactory, InvoiceFactory
from tests.integrations.outbox.conftest import header


@pytest.fixture
def crm_connector(sandbox, entity_de):
    """DE01's CRM connector pointing at the sandbox."""
    return Connector.objects.create(
        name="CRM DE01",
        kind=ConnectorKind.CRM_REST,
        entity=entity_de,
        base_url=sandbox.url,
        credentials_encrypted=encrypt({"token": DEFAULT_TOKEN}),
    )


@pytest.fixture
def account_id(sandbox):
    return sandbox.call("GET", "/_sandbox/crm/accounts")[0]["id"]


@pytest.fixture
def customer(entity_de, account_id):
    """A customer the CRM sync has linked to its CRM account (source "crm", the ACC- id)."""
    customer = CounterpartyFactory(name="Hafenlogistik Bremen GmbH", is_customer=True, is_supplier=False)
    customer.entities.add(entity_de)
    ExternalRef.objects.create(
        source="crm", external_id=account_id, object_type=Counterparty._meta.label, object_id=customer.pk
    )
    return customer


@pytest.fixture
def invoice(entity_de, customer):
    return InvoiceFactory(
        entity=entity_de,
        counterparty=customer,
        direction="AR",
        state=InvoiceState.ISSUED,
        number="RE-2026-40017",
        amount=Decimal("1200.00"),
    )


def _activities(sandbox):
    return list(sandbox.call("GET", "/_sandbox/crm/activities"))


def _relay_when_due(message):
    message.refresh_from_db()
    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1), tick=False):
        return outbox_relay()


def test_a_collection_note_reaches_the_crm_account_and_the_note_shows_the_activity(
    crm_connector, sandbox, invoice, clerk_de, account_id
):
    note = collection_note_add(invoice_id=invoice.pk, author=clerk_de, text="Called AP; payment promised for Friday.")

    outbox_relay()

    note.refresh_from_db()
    [activity] = _activities(sandbox)
    [post] = sandbox.posts_to("/crm/v1/activities")
    assert activity["account_id"] == account_id
    assert activity["type"] == "collection_note"
    assert activity["text"] == "Invoice RE-2026-40017: Called AP; payment promised for Friday."
    assert header(post, "Idempotency-Key") == f"crm.activity:collection_note:{note.pk}"
    assert (note.state, note.crm_activity_id, note.crm_error) == (CrmDeliveryState.SENT, activity["id"], "")
    assert note.sent_at is not None


@pytest.fixture
def answer_lost_once():
    """The relay's CRM handler posts, then loses the answer once (a reset connection, a worker
    killed before recording it): the relay can only send again."""
    real = handler_for("crm.activity")
    assert real is not None
    lost = []

    def deliver_then_lose_the_answer(message):
        result = real.deliver(message)
        if not lost:
            lost.append(result)
            raise ConnectionResetError("connection reset while reading the answer")
        return result

    handler_register(
        "crm.activity",
        deliver=deliver_then_lose_the_answer,
        on_delivered=real.on_delivered,
        on_dead=real.on_dead,
        replace=True,
    )
    yield lost
    handler_register(
        "crm.activity", deliver=real.deliver, on_delivered=real.on_delivered, on_dead=real.on_dead, replace=True
    )


def test_a_redelivered_note_is_one_activity_in_the_crm(crm_connector, sandbox, invoice, clerk_de, answer_lost_once):
    note = collection_note_add(invoice_id=invoice.pk, author=clerk_de, text="Second reminder sent by e-mail.")
    message = OutboxMessage.objects.get(topic="crm.activity")

    first = outbox_relay()
    note.refresh_from_db()
    pending_after_first = (note.state, note.outbox_message.state if note.outbox_message else None)
    second = _relay_when_due(message)

    note.refresh_from_db()
    posts = sandbox.posts_to("/crm/v1/activities")
    [activity] = _activities(sandbox)
    assert (first.retrying, second.delivered) == (1, 1)
    assert pending_after_first == (CrmDeliveryState.PENDING, OutboxState.FAILED)
    assert len(posts) == 2
    assert {header(p, "Idempotency-Key") for p in posts} == {message.idempotency_key}
    assert answer_lost_once[0]["id"] == activity["id"]
    assert (note.state, note.crm_activity_id) == (CrmDeliveryState.SENT, activity["id"])


def test_without_a_crm_connector_the_note_waits_then_fails_and_says_why(sandbox, invoice, clerk_de):
    note = collection_note_add(invoice_id=invoice.pk, author=clerk_de, text="Customer disputes the freight charge.")
    message = OutboxMessage.objects.get(topic="crm.activity")

    outbox_relay()
    message.refresh_from_db()
    retrying = (message.state, message.last_error)
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=OUTBOX_RETRY.max_attempts - 1)
    _relay_when_due(message)

    note.refresh_from_db()
    assert retrying == (OutboxState.FAILED, "No enabled CRM connector is configured for this entity.")
    assert note.state == CrmDeliveryState.FAILED
    assert note.crm_error == "No enabled CRM connector is configured for this entity."
    assert ExceptionItem.objects.filter(kind="sync_failure", dedupe_key=f"outbox:{message.pk}").exists()
    assert _activities(sandbox) == []


def test_a_customer_without_a_crm_account_is_named_in_the_error(crm_connector, sandbox, entity_de, clerk_de):
    unlinked = CounterpartyFactory(name="Nobody in the CRM Ltd", is_customer=True, is_supplier=False)
    invoice = InvoiceFactory(entity=entity_de, counterparty=unlinked, direction="AR", state=InvoiceState.ISSUED)
    collection_note_add(invoice_id=invoice.pk, author=clerk_de, text="No answer on the phone.")

    outbox_relay()

    message = OutboxMessage.objects.get(topic="crm.activity")
    assert message.state == OutboxState.FAILED
    assert "Nobody in the CRM Ltd has no account in the CRM yet" in message.last_error
    assert sandbox.posts_to("/crm/v1/activities") == []


def test_an_account_the_crm_does_not_know_is_a_permanent_failure(crm_connector, sandbox, entity_de, clerk_de):
    stale = CounterpartyFactory(name="Merged Away AG", is_customer=True, is_supplier=False)
    ExternalRef.objects.create(
        source="crm", external_id="ACC-99999", object_type=Counterparty._meta.label, object_id=stale.pk
    )
    invoice = InvoiceFactory(entity=entity_de, counterparty=stale, direction="AR", state=InvoiceState.ISSUED)
    note = collection_note_add(invoice_id=invoice.pk, author=clerk_de, text="Account merged in the CRM?")

    outbox_relay()

    note.refresh_from_db()
    assert note.state == CrmDeliveryState.FAILED
    assert note.crm_error.startswith("HTTP 422")
    assert "ACC-99999" in note.crm_error


def test_a_payment_applied_to_an_invoice_logs_its_status_on_the_crm_account_once(
    crm_connector, sandbox, entity_de, customer, invoice, account_id
):
    def pay():
        return payment_receive(
            source="gateway",
            external_id="pay_7f3a",
            entity=entity_de,
            counterparty=customer,
            amount=Decimal("1200.00"),
            currency="EUR",
            received_on=dt.date(2026, 11, 20),
            payer_reference="pay_7f3a",
            lines=[RemittanceLineInput(invoice_reference=invoice.number, amount=Decimal("1200.00"), invoice=invoice)],
            actor=None,
        )

    received = pay()
    pay()  # the same capture again
    outbox_relay()

    [activity] = _activities(sandbox)
    [post] = sandbox.posts_to("/crm/v1/activities")
    assert activity["account_id"] == account_id
    assert activity["type"] == "payment_status"
    assert activity["text"] == "Invoice RE-2026-40017 paid 1,200.00 EUR, open 0.00 EUR"
    assert header(post, "Idempotency-Key") == (
        f"crm.activity:payment_status:{invoice.pk}:receivables.Remittance:{received.remittance.pk}"
    )
    assert not OutboxMessage.objects.filter(topic="erp.cash_receipt").exists()  # no ERP connector in DE01


def test_without_a_crm_connector_no_payment_status_is_queued(sandbox, entity_de, customer, invoice):
    payment_receive(
        source="gateway",
        external_id="pay_7f3b",
        entity=entity_de,
        counterparty=customer,
        amount=Decimal("100.00"),
        currency="EUR",
        received_on=dt.date(2026, 11, 20),
        payer_reference="pay_7f3b",
        lines=[RemittanceLineInput(invoice_reference=invoice.number, amount=Decimal("100.00"), invoice=invoice)],
        actor=None,
    )

    assert not OutboxMessage.objects.filter(topic="crm.activity").exists()


def test_the_notes_trace_shows_it_queued_and_accepted_by_the_crm(crm_connector, sandbox, invoice, clerk_de):
    note = collection_note_add(invoice_id=invoice.pk, author=clerk_de, text="Promised for Friday.")
    outbox_relay()
    note.refresh_from_db()

    titles = [item.title for item in trace_collect(note.correlation_id, clerk_de)]

    assert titles == [
        "Queued crm.activity for CRM",
        f"CollectionNote Collection note #{note.pk}: collection note added",
        f"CRM accepted crm.activity as {note.crm_activity_id}",
        f"CollectionNote Collection note #{note.pk}: pending → sent",
    ]
