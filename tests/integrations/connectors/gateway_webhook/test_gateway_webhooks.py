"""Gateway webhooks over real HTTP: payment.succeeded becomes a remittance for the invoice it pays."""

import json
from decimal import Decimal

import pytest

from finops.receivables.models import Remittance
from integrations.models import InboundMessage
from integrations.services import connector_credentials_set
from integrations.webhooks.processing import inbound_message_process
from tests.integrations.connectors.support import emit, make_connector, subscribe

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
