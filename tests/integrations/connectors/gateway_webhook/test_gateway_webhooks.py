"""Gateway webhooks over real HTTP: payment.succeeded becomes a remittance for the invoice it pays,
applied to it, and the ERP gets one cash receipt for it through the outbox."""

import json
from decimal import Decimal

import pytest

from finops.invoicing.states import InvoiceState
from finops.masterdata.models import Counterparty, ExternalRef
from finops.outbox.models import OutboxMessage, OutboxState
from finops.receivables.models import Remittance
from integrations.models import InboundMessage
from integrations.outbox.relay import outbox_relay
from integrations.services import connector_credentials_set
from integrations.webhooks.processing import inbound_message_process
from tests.factories import CounterpartyFactory, InvoiceFactory
from tests.integrations.connectors.support import (
    emit,
    fault,
    make_connector,
    sandbox_get,
    sandbox_records,
    subscribe,
)

SECRET = "whsec-gateway"


@pytest.mark.django_db(transaction=True)
def test_a_captured_payment_becomes_a_remittance_with_fee_and_net(admin_de, entity_de, sandbox, live_server):
    gateway = make_connector(admin_de, entity_de, "gateway_webhook", name="Gateway")
    connector_credentials_set(connector_id=gateway.pk, actor=admin_de, values={"webhook_secret": SECRET})
    subscribe(sandbox, "gateway", f"{live_server.url}/integrations/webhooks/{gateway.pk}/", SECRET)

    [delivery] = emit(sandbox, "gateway", "payment.succeeded")
    message = InboundMessage.objects.get(event_id=delivery["event_id"])
    assert delivery["status_code"] == 202

    assert inbound_message_process(message_id=message.pk) == "processed"

    data = json.loads(message.body)["data"]
    remittance = Remittance.objects.get(source="gateway", external_id=data["payment_id"])
    line = remittance.lines.get()
    assert (remittance.amount, remittance.currency, remittance.entity) == (
        Decimal(data["amount"]),
        data["currency"],
        entity_de,
    )
    assert line.invoice_reference == data["invoice_number"]
    assert f"fee {data['fee']}" in remittance.payer_reference
    assert f"net {data['net']}" in remittance.payer_reference

    [refund] = emit(sandbox, "gateway", "payment.refunded")
    refund_message = InboundMessage.objects.get(event_id=refund["event_id"])
    inbound_message_process(message_id=refund_message.pk)
    refund_message.refresh_from_db()
    assert refund_message.outcome.startswith("ignored")


def _open_erp_invoice(sandbox):
    """A DE01 customer invoice the sandbox ERP holds open."""
    invoices = sandbox_records(sandbox, "erp", "invoices")
    return next(i for i in invoices if i["direction"] == "AR" and i["entity"] == "DE01" and Decimal(i["open_amount"]))


@pytest.mark.django_db(transaction=True)
def test_a_capture_is_applied_to_our_invoice_and_posted_to_the_erp_as_one_cash_receipt(
    admin_de, entity_de, erp, sandbox, live_server
):
    gateway = make_connector(admin_de, entity_de, "gateway_webhook", name="Gateway")
    connector_credentials_set(connector_id=gateway.pk, actor=admin_de, values={"webhook_secret": SECRET})
    subscribe(sandbox, "gateway", f"{live_server.url}/integrations/webhooks/{gateway.pk}/", SECRET)
    erp_invoice = _open_erp_invoice(sandbox)
    customer = CounterpartyFactory(name="Customer from the ERP", is_customer=True, is_supplier=False)
    ExternalRef.objects.create(
        source="erp",
        external_id=erp_invoice["counterparty_id"],
        object_type=Counterparty._meta.label,
        object_id=customer.pk,
    )
    amount = Decimal(erp_invoice["open_amount"])
    invoice = InvoiceFactory(
        entity=entity_de,
        counterparty=customer,
        direction="AR",
        state=InvoiceState.ISSUED,
        number=erp_invoice["number"],
        amount=amount,
        source="erp",
        external_id=erp_invoice["id"],
    )
    capture = {
        "invoice_number": erp_invoice["number"],
        "customer_id": erp_invoice["counterparty_id"],
        "amount": erp_invoice["open_amount"],
        "currency": "EUR",
    }
    fault(sandbox, path_prefix="/gateway/webhooks", kind="duplicate")  # the gateway delivers it twice

    deliveries = emit(sandbox, "gateway", "payment.succeeded", **capture)
    message = InboundMessage.objects.get(event_id=deliveries[0]["event_id"])
    inbound_message_process(message_id=message.pk)
    inbound_message_process(message_id=message.pk)  # a redelivered task
    outbox_relay()

    invoice.refresh_from_db()
    remittance = Remittance.objects.get(source="gateway")
    [receipt] = sandbox_records(sandbox, "erp", "cash_receipts")
    [posted] = [r for r in sandbox_get(sandbox, "/_sandbox/requests") if r["path"] == "/erp/v1/cash_receipts"]
    erp_after = next(i for i in sandbox_records(sandbox, "erp", "invoices") if i["id"] == erp_invoice["id"])
    assert [d["status_code"] for d in deliveries] == [202, 200]
    assert (invoice.open_amount, invoice.state) == (Decimal(0), InvoiceState.PAID)
    assert remittance.lines.get().invoice == invoice
    assert (receipt["invoice_number"], receipt["customer_id"], receipt["amount"]) == (
        erp_invoice["number"],
        erp_invoice["counterparty_id"],
        erp_invoice["open_amount"],
    )
    key = next(v for k, v in posted["headers"].items() if k.lower() == "idempotency-key")
    assert key == f"erp.cash_receipt:receivables.Remittance:{remittance.pk}:{invoice.pk}"
    assert OutboxMessage.objects.get(topic="erp.cash_receipt").state == OutboxState.DELIVERED
    assert erp_after["open_amount"] == "0.00"


@pytest.mark.django_db(transaction=True)
def test_with_post_cash_receipts_off_a_capture_is_applied_but_not_posted(
    admin_de, entity_de, erp, sandbox, live_server
):
    gateway = make_connector(admin_de, entity_de, "gateway_webhook", name="Gateway")
    connector_credentials_set(connector_id=gateway.pk, actor=admin_de, values={"webhook_secret": SECRET})
    gateway.mapping = {"post_cash_receipts": False}
    gateway.save(update_fields=["mapping"])
    subscribe(sandbox, "gateway", f"{live_server.url}/integrations/webhooks/{gateway.pk}/", SECRET)
    customer = CounterpartyFactory(is_customer=True, is_supplier=False)
    invoice = InvoiceFactory(
        entity=entity_de, counterparty=customer, direction="AR", state=InvoiceState.ISSUED, amount=Decimal("80.00")
    )

    [delivery] = emit(
        sandbox, "gateway", "payment.succeeded", invoice_number=invoice.number, amount="80.00", currency="EUR"
    )
    inbound_message_process(message_id=InboundMessage.objects.get(event_id=delivery["event_id"]).pk)

    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID
    assert not OutboxMessage.objects.filter(topic="erp.cash_receipt").exists()
