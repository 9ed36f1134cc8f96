"""Purchase orders and goods receipts in the browser and the API: an AP clerk follows an order to
what was received and invoiced against it, and back; nobody sees another entity's orders."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from finops.invoicing.models import InvoiceLine
from tests.factories import CounterpartyFactory, InvoiceFactory, goods_receipt_make, purchase_order_make


@pytest.fixture
def supplier(entity_de):
    return CounterpartyFactory(name="Lausitz-Werkzeugbau GmbH", entities=[entity_de])


@pytest.fixture
def order_de(entity_de, supplier):
    return purchase_order_make(
        entity_de,
        supplier,
        "4500220099",
        lines=(("Hydraulic pump HP-40", "10", "1250.50"), ("Seal kit SK-12", "40", "18.25")),
    )


@pytest.fixture
def receipt_de(order_de):
    return goods_receipt_make(order_de, "GR-5000123", lines=((1, "6"), (2, "40")))


@pytest.fixture
def invoice_de(entity_de, supplier, order_de):
    invoice = InvoiceFactory(
        entity=entity_de, counterparty=supplier, number="RE-77812", purchase_order=order_de, amount=Decimal("7503.00")
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        line_no=1,
        description="Hydraulic pump HP-40",
        quantity=Decimal("6"),
        unit_price=Decimal("1250.50"),
        amount=Decimal("7503.00"),
        po_line=order_de.lines.get(line_no=1),
    )
    return invoice


@pytest.fixture
def order_gb(entity_gb):
    supplier = CounterpartyFactory(name="Thames Fasteners Ltd", entities=[entity_gb])
    return purchase_order_make(entity_gb, supplier, "PO-GB-0001", currency="GBP")


def test_the_order_list_shows_the_users_orders_with_their_value(client, clerk_de, order_de, receipt_de, order_gb):
    client.force_login(clerk_de)

    response = client.get(reverse("payables:po-list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{reverse("payables:po-detail", args=[order_de.pk])}"' in html
    assert "13,235.00 EUR" in html  # 10 × 1,250.50 + 40 × 18.25
    assert "Lausitz-Werkzeugbau GmbH" in html
    assert "PO-GB-0001" not in html


def test_the_order_list_filters_exports_and_says_when_nothing_matches(client, clerk_de, order_de, entity_de, supplier):
    purchase_order_make(entity_de, supplier, "4500220100")
    client.force_login(clerk_de)

    found = client.get(reverse("payables:po-list"), {"q": "220100"})
    export = client.get(reverse("payables:po-list"), {"q": "4500220099", "export": "csv"})
    nothing = client.get(reverse("payables:po-list"), {"q": "no-such-order"})

    assert "4500220100" in found.content.decode()
    assert "4500220099" not in found.content.decode()
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [(r["number"], r["supplier"], r["amount"], r["currency"]) for r in rows] == [
        ("4500220099", "Lausitz-Werkzeugbau GmbH", "13235.0000", "EUR")
    ]
    assert "No purchase orders" in nothing.content.decode()


def test_the_order_list_pages_through_many_orders(client, clerk_de, entity_de, supplier):
    for n in range(27):
        purchase_order_make(entity_de, supplier, f"PO-{n:03d}")
    client.force_login(clerk_de)

    first = client.get(reverse("payables:po-list")).content.decode()
    second = client.get(reverse("payables:po-list"), {"page": 2}).content.decode()

    assert "1–25 of 27" in first
    assert "26–27 of 27" in second


def test_an_order_shows_per_line_what_was_received_and_invoiced_and_links_both(
    client, clerk_de, order_de, receipt_de, invoice_de
):
    client.force_login(clerk_de)

    response = client.get(reverse("payables:po-detail", args=[order_de.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{reverse("payables:receipt-detail", args=[receipt_de.pk])}"' in html
    assert f'href="{reverse("invoicing:invoice-detail", args=[invoice_de.pk])}"' in html
    lines = response.context["lines"]
    assert [(line.line_no, line.received, line.invoiced) for line in lines] == [
        (1, Decimal("6.0000"), Decimal("6.0000")),
        (2, Decimal("40.0000"), Decimal("0")),
    ]
    assert "Hydraulic pump HP-40" in html


def test_a_receipt_links_to_its_order_and_an_invoice_to_its_order(client, clerk_de, order_de, receipt_de, invoice_de):
    client.force_login(clerk_de)

    receipt = client.get(reverse("payables:receipt-detail", args=[receipt_de.pk])).content.decode()
    invoice = client.get(reverse("invoicing:invoice-detail", args=[invoice_de.pk])).content.decode()

    po_url = reverse("payables:po-detail", args=[order_de.pk])
    assert f'href="{po_url}"' in receipt
    assert "Seal kit SK-12" in receipt
    assert f'href="{po_url}"' in invoice


def test_the_receipt_list_filters_by_order_and_exports(client, clerk_de, order_de, receipt_de, entity_de, supplier):
    other = purchase_order_make(entity_de, supplier, "4500220555")
    goods_receipt_make(other, "GR-5000999")
    client.force_login(clerk_de)

    found = client.get(reverse("payables:receipt-list"), {"q": "4500220099"}).content.decode()
    export = client.get(reverse("payables:receipt-list"), {"export": "csv"})

    assert "GR-5000123" in found
    assert "GR-5000999" not in found
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert sorted((r["receipt"], r["purchase_order"]) for r in rows) == [
        ("GR-5000123", "4500220099"),
        ("GR-5000999", "4500220555"),
    ]


def test_an_outsider_finds_no_order_or_receipt_of_another_entity(client, outsider, order_de, receipt_de):
    client.force_login(outsider)

    assert client.get(reverse("payables:po-detail", args=[order_de.pk])).status_code == 404
    assert client.get(reverse("payables:receipt-detail", args=[receipt_de.pk])).status_code == 404
    assert "4500220099" not in client.get(reverse("payables:po-list")).content.decode()


def test_a_user_without_a_role_is_refused_the_pages(client, no_role_user, order_de):
    client.force_login(no_role_user)

    assert client.get(reverse("payables:po-list")).status_code == 403
    assert client.get(reverse("payables:receipt-list")).status_code == 403
    assert client.get(reverse("payables:po-detail", args=[order_de.pk])).status_code == 403


def test_every_role_finds_the_pages_in_the_menu(client, auditor_de):
    client.force_login(auditor_de)

    html = client.get(reverse("dashboards:home")).content.decode()

    assert f'href="{reverse("payables:po-list")}"' in html
    assert f'href="{reverse("payables:receipt-list")}"' in html


def test_the_api_lists_and_reads_orders_and_receipts_within_the_users_entities(
    clerk_de, outsider, order_de, receipt_de, order_gb
):
    api = APIClient()
    api.force_authenticate(clerk_de)

    orders = api.get(reverse("api:po-list")).json()
    order = api.get(reverse("api:po-detail", args=[order_de.pk])).json()
    receipts = api.get(reverse("api:receipt-list"), {"q": "GR-5000123"}).json()
    foreign = api.get(reverse("api:po-detail", args=[order_gb.pk]))

    assert [o["number"] for o in orders["results"]] == ["4500220099"]
    assert order["supplier"] == "Lausitz-Werkzeugbau GmbH"
    assert order["amount"] == "13235.0000"
    assert [(line["line_no"], line["quantity"], line["received"]) for line in order["lines"]] == [
        (1, "10.0000", "6.0000"),
        (2, "40.0000", "40.0000"),
    ]
    assert [(r["external_id"], r["purchase_order"]) for r in receipts["results"]] == [("GR-5000123", "4500220099")]
    assert foreign.status_code == 404
    api.force_authenticate(outsider)
    assert api.get(reverse("api:receipt-detail", args=[receipt_de.pk])).status_code == 404


def test_the_api_refuses_a_user_without_a_role(no_role_user, order_de):
    api = APIClient()
    api.force_authenticate(no_role_user)

    assert api.get(reverse("api:po-list")).status_code == 403
    assert api.get(reverse("api:receipt-list")).status_code == 403
