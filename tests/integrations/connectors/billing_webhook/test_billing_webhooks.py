"""Billing webhooks delivered by the sandbox over real HTTP to a live server: signed deliveries
are stored once and processed; forged, stale and oversized ones are refused and counted."""

import json
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection

from finops.invoicing.models import Invoice
from finops.invoicing.states import InvoiceState
from finops.outbox.models import OutboxMessage
from finops.receivables.models import Remittance
from integrations.models import Connector, InboundMessage
from integrations.sandbox.testing import http_call, run_webhook_receiver
from integrations.services import connector_credentials_set
from integrations.signing import signature_header
from integrations.states import MessageState
from integrations.webhooks.processing import inbound_message_process
from integrations.webhooks.receive import webhook_receive
from tests.integrations.connectors.support import emit, fault, make_connector, subscribe

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "whsec-first"
DE = {"entity": "DE01", "currency": "EUR"}  # the sandbox picks any customer; book it in DE01


@pytest.fixture
def billing(admin_de, entity_de, sandbox, live_server):
    connector = make_connector(admin_de, entity_de, "billing_webhook", name="Billing")
    connector_credentials_set(connector_id=connector.pk, actor=admin_de, values={"webhook_secret": SECRET})
    connector.url = f"{live_server.url}/integrations/webhooks/{connector.pk}/"
    subscribe(sandbox, "billing", connector.url, SECRET)
    return connector


def _refusals(connector):
    return Connector.objects.values_list("webhook_refusals", "last_refusal_reason").get(pk=connector.pk)


def test_a_signed_invoice_issued_is_accepted_stored_and_processed_into_an_ar_invoice(billing, sandbox):
    [delivery] = emit(sandbox, "billing", "invoice.issued", **DE)

    message = InboundMessage.objects.get(connector=billing)
    assert delivery["status_code"] == 202
    assert (message.event_id, message.event_type, message.state) == (
        delivery["event_id"],
        "invoice.issued",
        MessageState.RECEIVED,
    )
    assert json.loads(message.body)["id"] == delivery["event_id"]  # the raw body is kept
    assert "Billing-Signature" not in message.headers

    assert inbound_message_process(message_id=message.pk) == "processed"

    message.refresh_from_db()
    invoice = Invoice.objects.get(source="billing")
    assert message.state == MessageState.PROCESSED
    assert (invoice.direction, invoice.state, invoice.entity.code) == ("AR", InvoiceState.ISSUED, "DE01")
    assert invoice.counterparty.is_customer
    assert invoice.correlation_id == message.correlation_id

    [paid] = emit(sandbox, "billing", "invoice.paid")
    inbound_message_process(message_id=InboundMessage.objects.get(event_id=paid["event_id"]).pk)

    invoice.refresh_from_db()
    assert (invoice.open_amount, invoice.state) == (Decimal(0), InvoiceState.PAID)


def test_forged_stale_and_oversized_deliveries_are_refused_and_counted(billing, sandbox):
    subscribe(sandbox, "billing", billing.url, "not-our-secret")
    [forged] = emit(sandbox, "billing", "invoice.issued", **DE)
    assert forged["status_code"] == 401
    assert _refusals(billing) == (1, "forged signature")

    body = json.dumps({"id": "evt_old", "type": "invoice.issued", "data": {}}).encode()
    old = int(time.time()) - 600  # correctly signed, ten minutes ago: a replay
    stale = http_call(
        "POST",
        billing.url,
        body=body,
        headers={"Billing-Signature": signature_header([SECRET], body, old), "Content-Type": "application/json"},
        token=None,
    )
    assert stale.status == 401
    assert stale.json() == {"status": "refused", "reason": "stale timestamp"}
    assert _refusals(billing) == (2, "stale timestamp")

    Connector.objects.filter(pk=billing.pk).update(webhook_max_body_bytes=2048)
    oversized = http_call("POST", billing.url, body=b"x" * 4096, token=None)
    assert oversized.status == 413
    assert _refusals(billing)[0] == 3
    assert not InboundMessage.objects.exists()


def test_a_duplicate_delivery_is_answered_duplicate_and_makes_one_invoice(billing, sandbox):
    fault(sandbox, path_prefix="/billing/webhooks", kind="duplicate")

    deliveries = emit(sandbox, "billing", "invoice.issued", **DE)

    assert [d["status_code"] for d in deliveries] == [202, 200]
    message = InboundMessage.objects.get()
    inbound_message_process(message_id=message.pk)
    inbound_message_process(message_id=message.pk)  # a redelivered task
    assert Invoice.objects.filter(source="billing").count() == 1


def test_during_a_secret_rotation_both_secrets_are_accepted_until_the_previous_is_forgotten(billing, sandbox, admin_de):
    connector_credentials_set(connector_id=billing.pk, actor=admin_de, values={"webhook_secret": "whsec-second"})
    statuses = []
    for secrets in (["whsec-first"], ["whsec-second"], ["whsec-first", "whsec-second"]):
        subscribe(sandbox, "billing", billing.url, *secrets)
        statuses.append(emit(sandbox, "billing", "invoice.issued", **DE)[0]["status_code"])

    connector_credentials_set(connector_id=billing.pk, actor=admin_de, values={}, forget_previous_secret=True)
    subscribe(sandbox, "billing", billing.url, "whsec-first")
    after = emit(sandbox, "billing", "invoice.issued", **DE)[0]["status_code"]

    assert statuses == [202, 202, 202]
    assert after == 401


def _race(target, *args):
    barrier = threading.Barrier(2)
    results = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(target(*args))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_workers_receiving_the_same_event_at_once_store_one_message_and_make_one_invoice(billing, sandbox):
    # the sandbox signs and delivers to a receiver that keeps the request; two of ours then get it at once
    with run_webhook_receiver() as receiver:
        subscribe(sandbox, "billing", receiver.url, SECRET)
        emit(sandbox, "billing", "invoice.issued", **DE)
    [captured] = receiver.deliveries
    billing.refresh_from_db()

    receipts = _race(lambda: webhook_receive(connector=billing, body=captured.body, headers=captured.headers))

    assert sorted((r.status, r.outcome) for r in receipts) == [(200, "duplicate"), (202, "accepted")]
    message = InboundMessage.objects.get()

    outcomes = _race(lambda: inbound_message_process(message_id=message.pk))

    assert sorted(outcomes) == ["processed", "skipped"]
    assert Invoice.objects.filter(source="billing").count() == 1


def test_a_paid_invoice_is_a_remittance_applied_once_and_not_posted_back_to_the_erp(billing, sandbox, erp):
    [issued] = emit(sandbox, "billing", "invoice.issued", **DE)
    inbound_message_process(message_id=InboundMessage.objects.get(event_id=issued["event_id"]).pk)
    invoice = Invoice.objects.get(source="billing")

    [paid] = emit(sandbox, "billing", "invoice.paid")
    message = InboundMessage.objects.get(event_id=paid["event_id"])
    inbound_message_process(message_id=message.pk)
    message.refresh_from_db()

    invoice.refresh_from_db()
    remittance = Remittance.objects.get(source="billing")
    assert remittance.external_id == paid["event_id"]
    assert remittance.lines.get().invoice == invoice
    assert remittance.amount == invoice.amount
    assert (invoice.open_amount, invoice.state) == (Decimal(0), InvoiceState.PAID)
    assert message.outcome == f"invoice {invoice.number} paid {invoice.amount:,.2f} EUR; open 0.00 EUR"
    # the billing platform books its payments in the ERP itself (mapping post_cash_receipts off)
    assert not OutboxMessage.objects.filter(topic="erp.cash_receipt").exists()
