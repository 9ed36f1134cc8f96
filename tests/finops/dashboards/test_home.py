"""Each role's home page: its queues with real counts, its entities, recent activity."""

from decimal import Decimal

import pytest
from django.urls import reverse

from finops.core.services import heartbeat_record
from finops.payables.services import batch_submit
from tests.factories import ExceptionItemFactory, InvoiceFactory, PaymentBatchFactory, PaymentFactory


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboards:home"))
    assert response.status_code == 200
    return response.content.decode()


def _card_count(html: str, label: str) -> str:
    start = html.index(label)
    count_at = html.index('<div class="count">', start) + len('<div class="count">')
    return html[count_at : html.index("</div>", count_at)]


def test_clerk_home_counts_open_ap_exceptions_of_their_entity_only(client, clerk_de, entity_de, entity_gb):
    ExceptionItemFactory.create_batch(3, entity=entity_de, kind="three_way_mismatch")
    ExceptionItemFactory(entity=entity_de, kind="three_way_mismatch", state="resolved")
    ExceptionItemFactory(entity=entity_gb, kind="three_way_mismatch")

    html = _home(client, clerk_de)

    assert "AP clerk — your queues" in html
    assert _card_count(html, "3-way match mismatch") == "3"
    assert "DE01" in html
    assert "GB01" not in html


def test_controller_home_shows_batches_waiting_with_their_total(client, controller_de, clerk_de, entity_de):
    batch = PaymentBatchFactory(entity=entity_de, created_by=clerk_de)
    PaymentFactory(entity=entity_de, batch=batch, amount=Decimal("12345.67"))
    batch_submit(batch_id=batch.pk, user=clerk_de)

    html = _home(client, controller_de)

    assert _card_count(html, "Payment batches awaiting your approval") == "1"
    assert "12,345.67 EUR" in html
    assert "pending approval" in html, "the submission shows in recent activity"


def test_treasury_home_counts_unapplied_cash(client, treasury_de, entity_de):
    ExceptionItemFactory.create_batch(2, entity=entity_de, kind="unapplied_cash")

    html = _home(client, treasury_de)

    assert _card_count(html, "Unapplied cash") == "2"


def test_admin_home_shows_worker_and_beat_health(client, admin_de):
    heartbeat_record(name="worker")

    html = _home(client, admin_de)

    assert _card_count(html, "Worker process") == "Running"
    assert _card_count(html, "Beat process") == "Down"


def test_auditor_home_has_no_work_buttons_and_shows_open_exceptions(client, auditor_de, entity_de):
    ExceptionItemFactory(entity=entity_de)

    html = _home(client, auditor_de)

    assert _card_count(html, "Open exceptions") == "1"
    assert '<form method="post" action="/payables' not in html


def test_empty_home_says_so(client, clerk_de):
    html = _home(client, clerk_de)

    assert _card_count(html, "Invoices awaiting match") == "0"
    assert "Nothing waiting" in html


@pytest.mark.parametrize("count", [0, 30])
def test_invoice_list_paginates_and_filters(client, clerk_de, entity_de, count):
    InvoiceFactory.create_batch(count, entity=entity_de)
    InvoiceFactory(entity=entity_de, number="FIND-ME-42", direction="AR", state="issued")
    client.force_login(clerk_de)

    first = client.get(reverse("invoicing:invoice-list")).content.decode()
    second = client.get(reverse("invoicing:invoice-list"), {"page": 2}).content.decode()
    found = client.get(reverse("invoicing:invoice-list"), {"q": "find-me", "direction": "AR"}).content.decode()

    total = count + 1
    assert f"1–{min(total, 25)} of {total}" in first
    if total > 25:
        assert f"26–{total} of {total}" in second
    assert "1–1 of 1" in found
    assert "FIND-ME-42" in found


def test_an_htmx_filter_request_returns_only_the_rows_fragment(client, clerk_de, entity_de):
    InvoiceFactory(entity=entity_de, number="HTMX-1")
    client.force_login(clerk_de)

    response = client.get(reverse("invoicing:invoice-list"), {"q": "HTMX"}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert "HTMX-1" in body
    assert "<html" not in body
    assert "<table>" in body


def test_an_empty_list_shows_an_empty_state(client, clerk_de):
    client.force_login(clerk_de)

    body = client.get(reverse("payables:payment-list")).content.decode()

    assert "No payments" in body


def test_csv_export_has_a_header_and_exact_decimal_amounts(client, clerk_de, entity_de):
    InvoiceFactory(entity=entity_de, number="CSV-1", amount=Decimal("1000.10"), open_amount=Decimal("0.10"))
    client.force_login(clerk_de)

    response = client.get(reverse("invoicing:invoice-list"), {"export": "csv"})
    lines = b"".join(response.streaming_content).decode().splitlines()

    assert response["Content-Type"].startswith("text/csv")
    assert lines[0].startswith("entity,direction,number,counterparty,currency,amount,open_amount")
    assert "CSV-1" in lines[1]
    assert "1000.1000" in lines[1]
