"""Each business change publishes its canonical event once, in its own transaction: a new AR
invoice, a payment received, cash applied, a payment released, a payment the bank rejected, a new
exception. Redeliveries, re-imports and replays publish nothing more; subscribers receive the event
through the relay, signed, with the event's idempotency key."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import Http404

from finops.core.workflow import WorkflowError
from finops.invoicing.models import Invoice
from finops.invoicing.states import InvoiceState
from finops.invoicing.upserts import InvoiceData, invoice_upsert
from finops.outbox.models import EVENT_KINDS, OutboxMessage, OutboxState, WebhookSubscription
from finops.payables.models import Payment
from finops.payables.services import batch_release
from finops.payables.states import BatchState, PaymentState
from finops.receivables.services import RemittanceLineInput, payment_receive
from integrations.outbox.relay import outbox_relay
from integrations.signing import EVENT_ID_HEADER
from reconciliation.exceptions.services import exception_open
from tests.factories import CounterpartyFactory, InvoiceFactory, PaymentBatchFactory, PaymentFactory
from tests.integrations.bankfiles.helpers import released_payment, run_cli, transmitted_batch

SECRET = "events-secret-0123456789"


def _subscribe(entity, receiver, *kinds, name="erp-bridge"):
    return WebhookSubscription.objects.create(
        entity=entity,
        name=name,
        url=f"{receiver.url}/{name}",
        secret=SECRET,
        topics=[f"event.{kind}" for kind in (kinds or EVENT_KINDS)],
    )


def _events(kind):
    return list(OutboxMessage.objects.filter(topic=f"event.{kind}").order_by("pk"))


@pytest.fixture
def customer(entity_de):
    return CounterpartyFactory(
        name="Hafenlogistik Bremen GmbH", is_customer=True, is_supplier=False, entities=[entity_de]
    )


def _invoice_data(entity, customer, *, version=1, open_amount=Decimal("1200.00"), direction="AR"):
    return InvoiceData(
        source="erp",
        external_id="INV-77001",
        version=version,
        entity=entity,
        counterparty=customer,
        direction=direction,
        number="RE-2026-77001",
        currency="EUR",
        amount=Decimal("1200.00"),
        open_amount=open_amount,
        issue_on=dt.date(2026, 11, 1),
        due_on=dt.date(2026, 12, 1),
    )


def _ar_invoice(entity, customer, amount=Decimal("1200.00")):
    return InvoiceFactory(
        entity=entity, counterparty=customer, direction="AR", state=InvoiceState.ISSUED, amount=amount
    )


def _pay(entity, customer, invoice, amount, payment_id="pay_0001", source="gateway"):
    return payment_receive(
        source=source,
        external_id=payment_id,
        entity=entity,
        counterparty=customer,
        amount=amount,
        currency="EUR",
        received_on=dt.date(2026, 11, 20),
        payer_reference=payment_id,
        lines=[RemittanceLineInput(invoice_reference=invoice.number, amount=amount, invoice=invoice)],
        actor=None,
    )


# --- invoice-issued ------------------------------------------------------------------------


def test_a_new_ar_invoice_is_announced_once_and_reaches_the_subscriber_signed(receiver, entity_de, customer):
    _subscribe(entity_de, receiver, "invoice-issued")

    invoice, created = invoice_upsert(_invoice_data(entity_de, customer))
    invoice_upsert(_invoice_data(entity_de, customer))  # the same version again: a redelivery
    invoice_upsert(_invoice_data(entity_de, customer, version=2))  # a newer version, same content
    report = outbox_relay()

    [message] = _events("invoice-issued")
    [sent] = receiver.to("/erp-bridge")
    body = sent.json()
    assert created == "created"
    assert report.delivered == 1
    assert message.idempotency_key == f"event.invoice-issued:invoicing.Invoice:{invoice.pk}"
    assert sent.header("Idempotency-Key") == message.idempotency_key
    assert sent.header(EVENT_ID_HEADER) == str(message.event_id)
    assert receiver.signed_correctly(sent, SECRET)
    assert body["type"] == "invoice-issued"
    assert body["entity"] == "DE01"
    assert body["data"]["object"]["number"] == "RE-2026-77001"
    assert body["data"]["object"]["amount"] == "1200.00"
    assert body["data"]["data"]["counterparty"]["name"] == "Hafenlogistik Bremen GmbH"


def test_a_supplier_invoice_is_not_an_invoice_issued(receiver, entity_de, customer):
    _subscribe(entity_de, receiver, "invoice-issued")

    invoice_upsert(_invoice_data(entity_de, customer, direction="AP"))

    assert _events("invoice-issued") == []


def test_without_a_subscription_to_the_topic_nothing_is_written(receiver, entity_de, entity_gb, customer):
    _subscribe(entity_de, receiver, "cash-applied")  # another topic
    _subscribe(entity_gb, receiver, "invoice-issued")  # another entity
    WebhookSubscription.objects.create(
        entity=entity_de,
        name="paused",
        url=receiver.url,
        secret=SECRET,
        topics=["event.invoice-issued"],
        is_active=False,
    )

    invoice_upsert(_invoice_data(entity_de, customer))

    assert not OutboxMessage.objects.exists()


def test_an_imported_ar_invoice_is_announced_once_and_a_reimport_announces_nothing(
    receiver, entity_de, customer, tmp_path
):
    customer.source, customer.external_id = "erp", "CUST-9"
    customer.save(update_fields=["source", "external_id"])
    _subscribe(entity_de, receiver, "invoice-issued", "cash-applied")
    header = (
        "external_id,direction,counterparty_external_id,legal_entity,currency,amount,open_amount,issue_date,due_date"
    )
    first = tmp_path / "invoices.csv"
    first.write_text(f"{header}\nRE-9001,AR,CUST-9,DE01,EUR,500.00,500.00,2026-11-01,2026-12-01\n")
    paid = tmp_path / "invoices-paid.csv"
    paid.write_text(f"{header}\nRE-9001,AR,CUST-9,DE01,EUR,500.00,0.00,2026-11-01,2026-12-01\n")

    for path in (first, first, paid, paid):
        call_command("import_records", "invoices", str(path), "--source", "erp", stdout=io.StringIO())

    invoice = Invoice.objects.get(source="erp", external_id="RE-9001")
    [issued] = _events("invoice-issued")
    [applied] = _events("cash-applied")
    assert issued.object_id == str(invoice.pk)
    assert applied.payload["data"]["applied"] == "500.00"
    assert applied.payload["data"]["applied_in"] == "erp"
    assert invoice.state == InvoiceState.PAID


# --- payment-received, cash-applied ----------------------------------------------------------


def test_a_payment_is_received_and_applied_once_each_and_a_redelivery_publishes_nothing(receiver, entity_de, customer):
    _subscribe(entity_de, receiver, "payment-received", "cash-applied")
    invoice = _ar_invoice(entity_de, customer)

    first = _pay(entity_de, customer, invoice, Decimal("200.00"), "pay_0001")
    again = _pay(entity_de, customer, invoice, Decimal("200.00"), "pay_0001")  # the gateway sent it twice
    rest = _pay(entity_de, customer, invoice, Decimal("1000.00"), "pay_0002")
    outbox_relay()

    invoice.refresh_from_db()
    received = _events("payment-received")
    applied = _events("cash-applied")
    assert (first.is_new, again.is_new, again.applications) == (True, False, [])
    assert (invoice.open_amount, invoice.state) == (Decimal(0), InvoiceState.PAID)
    assert [m.object_id for m in received] == [str(first.remittance.pk), str(rest.remittance.pk)]
    assert [m.payload["data"]["applied"] for m in applied] == ["200.00", "1000.00"]
    assert [m.payload["data"]["open_after"] for m in applied] == ["1000.00", "0.00"]
    assert applied[0].idempotency_key == (
        f"event.cash-applied:invoicing.Invoice:{invoice.pk}:receivables.Remittance:{first.remittance.pk}"
    )
    sent = receiver.to("/erp-bridge")
    assert sorted(r.json()["type"] for r in sent) == [
        "cash-applied",
        "cash-applied",
        "payment-received",
        "payment-received",
    ]
    assert all(receiver.signed_correctly(r, SECRET) for r in sent)
    assert all(m.state == OutboxState.DELIVERED for m in received + applied)


def test_a_payment_in_another_currency_is_received_but_not_applied(receiver, entity_de, customer):
    _subscribe(entity_de, receiver, "payment-received", "cash-applied")
    invoice = _ar_invoice(entity_de, customer)
    invoice.currency = "GBP"
    invoice.save(update_fields=["currency"])

    result = _pay(entity_de, customer, invoice, Decimal("100.00"))

    invoice.refresh_from_db()
    assert result.applications == []
    assert invoice.open_amount == Decimal("1200.00")
    assert len(_events("payment-received")) == 1
    assert _events("cash-applied") == []


def test_an_open_amount_the_erp_lowered_is_announced_as_cash_applied_once_per_version(receiver, entity_de, customer):
    _subscribe(entity_de, receiver, "cash-applied")
    invoice, _ = invoice_upsert(_invoice_data(entity_de, customer))

    invoice_upsert(_invoice_data(entity_de, customer, version=2, open_amount=Decimal("700.00")))
    invoice_upsert(_invoice_data(entity_de, customer, version=2, open_amount=Decimal("700.00")))
    invoice_upsert(_invoice_data(entity_de, customer, version=3, open_amount=Decimal("700.00")))

    [applied] = _events("cash-applied")
    assert applied.idempotency_key == f"event.cash-applied:invoicing.Invoice:{invoice.pk}:erp:v2"
    assert applied.payload["data"] | {"counterparty": None} == {
        "applied": "500.00",
        "open_before": "1200.00",
        "open_after": "700.00",
        "payment": "erp:v2",
        "applied_in": "erp",
        "counterparty": None,
    }


# --- payment-released --------------------------------------------------------------------------


@pytest.fixture
def approved_batch(entity_de, clerk_de):
    batch = PaymentBatchFactory(entity=entity_de, created_by=clerk_de, state=BatchState.APPROVED)
    for amount in ("250.00", "410.00"):
        PaymentFactory(entity=entity_de, batch=batch, amount=Decimal(amount))
    return batch


def test_releasing_a_batch_announces_each_payment_once(receiver, entity_de, approved_batch, treasury_de):
    _subscribe(entity_de, receiver, "payment-released")

    batch = batch_release(batch_id=approved_batch.pk, actor=treasury_de)
    with pytest.raises(WorkflowError, match="not approved"):
        batch_release(batch_id=approved_batch.pk, actor=treasury_de)
    outbox_relay()

    payments = list(Payment.objects.filter(batch=batch).order_by("pk"))
    released = _events("payment-released")
    assert batch.state == BatchState.RELEASED
    assert [p.state for p in payments] == [PaymentState.RELEASED, PaymentState.RELEASED]
    assert [m.object_id for m in released] == [str(p.pk) for p in payments]
    assert released[0].payload["data"]["batch"] == approved_batch.external_id
    assert released[0].payload["actor"] == "treasury_de"
    assert len(receiver.to("/erp-bridge")) == 2


def test_a_batch_with_a_held_payment_is_not_released(receiver, entity_de, approved_batch, treasury_de):
    _subscribe(entity_de, receiver, "payment-released")
    PaymentFactory(entity=entity_de, batch=approved_batch, state=PaymentState.HELD, end_to_end_id="E2E-HELD")

    with pytest.raises(WorkflowError, match="E2E-HELD"):
        batch_release(batch_id=approved_batch.pk, actor=treasury_de)

    approved_batch.refresh_from_db()
    assert approved_batch.state == BatchState.APPROVED
    assert _events("payment-released") == []


def test_releasing_needs_treasury_or_a_controller_of_the_entity(approved_batch, clerk_de, auditor_de, outsider):
    with pytest.raises(PermissionDenied):
        batch_release(batch_id=approved_batch.pk, actor=clerk_de)
    with pytest.raises(PermissionDenied):
        batch_release(batch_id=approved_batch.pk, actor=auditor_de)
    with pytest.raises(Http404):
        batch_release(batch_id=approved_batch.pk, actor=outsider)


# --- payment-rejected --------------------------------------------------------------------------


def test_a_pain002_rejection_announces_each_rejected_payment_once(receiver, entity_de, fixtures_dir):
    _subscribe(entity_de, receiver, "payment-rejected")
    transmitted_batch(entity_de, "PMTINFID-COM-SCE25-1707-01", ["COM-1", "COM-2"])
    path = fixtures_dir / "pain002/svapnil_nordea_pain002_v3_payment_reject.xml"

    run_cli(path)
    again = run_cli(path)
    outbox_relay()

    rejected = _events("payment-rejected")
    assert again["duplicates"] == 1
    assert sorted(m.payload["object"]["end_to_end_id"] for m in rejected) == ["COM-1", "COM-2"]
    assert rejected[0].payload["data"]["reason"].startswith("NARR: CAP Invalid code")
    assert rejected[0].payload["data"]["batch"] == "PMTINFID-COM-SCE25-1707-01"
    assert len(receiver.to("/erp-bridge")) == 2


def test_a_nacha_return_announces_the_returned_payment(receiver, entity_de, fixtures_dir):
    _subscribe(entity_de, receiver, "payment-rejected")
    payment = released_payment(entity_de, "091400600000003")

    run_cli(fixtures_dir / "nacha/moov_return-WEB.ach")
    run_cli(fixtures_dir / "nacha/moov_return-WEB.ach")

    [rejected] = _events("payment-rejected")
    assert rejected.object_id == str(payment.pk)
    assert rejected.payload["data"]["reason"] == "R03: no account / unable to locate account"


# --- exception-created -------------------------------------------------------------------------


def test_a_new_exception_is_announced_once(receiver, entity_de):
    _subscribe(entity_de, receiver, "exception-created")

    item, created = exception_open(entity=entity_de, kind="unapplied_cash", title="Receipt 12", dedupe_key="rc:12")
    same, created_again = exception_open(
        entity=entity_de, kind="unapplied_cash", title="Receipt 12", dedupe_key="rc:12"
    )
    outbox_relay()

    [message] = _events("exception-created")
    [sent] = receiver.to("/erp-bridge")
    assert (created, created_again, same.pk) == (True, False, item.pk)
    assert message.payload["data"]["kind"] == "unapplied_cash"
    assert json.loads(sent.body)["data"]["object"]["title"] == "Receipt 12"


def test_an_exception_about_an_undeliverable_event_is_not_announced_again(receiver, entity_de):
    """Otherwise a subscriber that is down would make every dead event open an exception whose
    event dies in turn, for ever."""
    _subscribe(entity_de, receiver, "exception-created")
    receiver.fail("/erp-bridge", *([503] * 20))
    item, _ = exception_open(entity=entity_de, kind="unapplied_cash", title="Receipt 13", dedupe_key="rc:13")
    message = _events("exception-created")[0]
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=7)

    outbox_relay()  # the eighth attempt fails: the message is dead and an exception opens

    message.refresh_from_db()
    assert message.state == OutboxState.DEAD
    assert [m.object_id for m in _events("exception-created")] == [str(item.pk)]
