"""Auditors and controllers search the audit trail of their entities."""

from django.urls import reverse

from finops.audit.services import audit_record
from tests.factories import InvoiceFactory


def test_auditor_searches_by_action_and_user(client, auditor_de, controller_de, entity_de):
    invoice = InvoiceFactory(entity=entity_de, number="AUD-7")
    audit_record(invoice, action="invoice.flagged", actor=controller_de, reason="supplier called")
    audit_record(invoice, action="invoice.noted", actor=None)
    client.force_login(auditor_de)

    by_action = client.get(reverse("audit:event-list"), {"action": "flagged"}).content.decode()
    by_user = client.get(reverse("audit:event-list"), {"actor": "controller_de"}).content.decode()
    by_text = client.get(reverse("audit:event-list"), {"q": "supplier called"}).content.decode()

    assert "invoice flagged" in by_action
    assert "invoice noted" not in by_action
    assert "1–1 of 1" in by_user
    assert "AUD-7" in by_text


def test_controller_may_read_the_audit_trail_and_the_api_filters_by_correlation(client, controller_de, entity_de):
    invoice = InvoiceFactory(entity=entity_de)
    event = audit_record(invoice, action="invoice.checked", actor=controller_de)
    client.force_login(controller_de)

    page = client.get(reverse("audit:event-list"))
    api = client.get(reverse("api:auditevent-list"), {"correlation_id": event.correlation_id}).json()

    assert page.status_code == 200
    assert [r["action"] for r in api["results"]] == ["invoice.checked"]


def test_the_audit_page_offers_no_way_to_change_an_event(client, auditor_de, entity_de):
    audit_record(entity_de, action="entity.viewed", actor=None)
    client.force_login(auditor_de)

    html = client.get(reverse("audit:event-list")).content.decode()

    assert "cannot be edited or deleted" in html
    assert 'method="post"' not in html.split("<main", 1)[1]
