"""invoices_upsert, the one write path of invoices: set-based for a whole file, record by record for
a connector, with one rule for what a source may not change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finops.audit.models import AuditEvent
from finops.invoicing.models import Invoice
from finops.invoicing.states import InvoiceState
from finops.invoicing.upserts import InvoiceData, invoice_upsert, invoices_upsert
from finops.outbox.models import OutboxMessage, WebhookSubscription
from tests.factories import CounterpartyFactory

pytestmark = pytest.mark.django_db


def data(entity, party, n: int, *, direction="AP", amount="100.00", open_amount=None, version=None) -> InvoiceData:
    return InvoiceData(
        source="csv",
        external_id=f"INV-{n}",
        version=version,
        entity=entity,
        counterparty=party,
        direction=direction,
        number=f"INV-{n}",
        currency="EUR",
        amount=Decimal(amount),
        open_amount=Decimal(open_amount or amount),
        issue_on=dt.date(2026, 1, 5),
        due_on=dt.date(2026, 2, 4),
    )


def queries_to_create(entity, party, count: int, start: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        invoices_upsert([data(entity, party, start + n) for n in range(count)])
    return len(captured)


def test_a_file_of_invoices_is_written_in_as_many_queries_as_one_of_a_few(entity_de):
    party = CounterpartyFactory(is_customer=True)

    few = queries_to_create(entity_de, party, 3, start=0)
    many = queries_to_create(entity_de, party, 60, start=100)

    assert many == few
    assert Invoice.objects.count() == 63
    assert AuditEvent.objects.filter(action="invoice.created").count() == 63
    assert list(party.entities.values_list("code", flat=True)) == ["DE01"]


def test_new_customer_invoices_are_announced_to_the_entitys_subscribers(entity_de, entity_gb):
    party = CounterpartyFactory(is_customer=True)
    WebhookSubscription.objects.create(
        entity=entity_de, name="bi", url="http://127.0.0.1:9/", secret="s" * 20, topics=["event.invoice-issued"]
    )

    invoices_upsert([data(entity_de, party, 1, direction="AR"), data(entity_gb, party, 2, direction="AR")])

    events = OutboxMessage.objects.filter(topic="event.invoice-issued")
    assert [event.payload["object"]["number"] for event in events] == ["INV-1"]  # GB01 has no subscriber


def test_without_versions_the_content_decides_and_an_ar_invoice_follows_its_open_amount(entity_de):
    party = CounterpartyFactory(is_customer=True)
    invoices_upsert([data(entity_de, party, 1, direction="AR", amount="500.00")])

    again = invoices_upsert([data(entity_de, party, 1, direction="AR", amount="500.00")])
    paid = invoices_upsert([data(entity_de, party, 1, direction="AR", amount="500.00", open_amount="0.00")])

    assert [outcome for _, outcome in again] == ["unchanged"]
    assert [outcome for _, outcome in paid] == ["updated"]
    assert Invoice.objects.get(external_id="INV-1").state == InvoiceState.PAID


def test_a_connectors_stale_version_is_not_applied(entity_de):
    party = CounterpartyFactory()
    invoice_upsert(data(entity_de, party, 1, version=5))

    invoice, outcome = invoice_upsert(data(entity_de, party, 1, amount="90.00", version=4))

    assert (outcome, invoice.amount) == ("unchanged", Decimal("100.00"))


def test_an_approved_supplier_invoice_refuses_new_amounts_and_nothing_of_the_file_is_written(entity_de):
    party = CounterpartyFactory()
    invoices_upsert([data(entity_de, party, 1)])
    Invoice.objects.filter(external_id="INV-1").update(state=InvoiceState.APPROVED)

    with pytest.raises(ValidationError, match="approved here; csv changed amount"):
        invoices_upsert([data(entity_de, party, 2), data(entity_de, party, 1, amount="150.00")])

    assert not Invoice.objects.filter(external_id="INV-2").exists()
    assert Invoice.objects.get(external_id="INV-1").amount == Decimal("100.00")
