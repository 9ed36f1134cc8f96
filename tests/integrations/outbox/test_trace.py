"""The trace page: one correlation id's inbound messages, state changes and outbound events across
systems, in time order, showing only what the user's entities allow."""

import datetime as dt
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from finops.audit.context import correlation
from finops.audit.services import audit_record
from finops.ledger.services import JournalLineInput, journal_entry_create, journal_entry_queue
from finops.outbox.models import WebhookSubscription
from finops.outbox.services import event_publish
from integrations.outbox.relay import outbox_relay
from integrations.outbox.trace import (
    TraceItem,
    trace_collect,
    trace_source_register,
    trace_source_unregister,
    trace_sources,
)
from tests.factories import ExceptionItemFactory

CID = "trace-de-00000001"


@pytest.fixture
def traced_de(entity_de, receiver):
    """A journal entry created and queued, and an exception announced to a subscriber, all under CID."""
    WebhookSubscription.objects.create(
        entity=entity_de, name="ops", url=f"{receiver.url}/ops", secret="s" * 20, topics=["event.exception-created"]
    )
    with correlation(CID):
        entry = journal_entry_create(
            entity=entity_de,
            posting_on=dt.date(2026, 5, 4),
            currency="EUR",
            description="Receipt 4711",
            lines=(
                JournalLineInput(account_code="1200", debit=Decimal("10.00")),
                JournalLineInput(account_code="1400", credit=Decimal("10.00")),
            ),
            external_id="JE-TRACE",
            actor=None,
        )
        journal_entry_queue(entry_id=entry.pk, actor=None)
        item = ExceptionItemFactory(entity=entity_de, correlation_id=CID, title="Unapplied 4711")
        event_publish("exception-created", item, actor=None)
    outbox_relay()
    return entry


def _rows(response):
    html = response.content.decode()
    return html.split('data-testid="trace"', 1)[1]


def test_the_trace_shows_state_changes_and_outbound_events_in_time_order(client, controller_de, traced_de):
    client.force_login(controller_de)

    response = client.get(reverse("outbox:trace", args=[CID]))

    rows = _rows(response)
    assert response.status_code == 200
    created = rows.index("journal entry created")
    queued = rows.index("draft → queued")
    sent = rows.index("Queued erp.journal_entry for ERP")
    waiting = rows.index("erp.journal_entry failed, retry scheduled after 1 attempt")
    delivered = rows.index("Delivered event event.exception-created")
    assert created < queued < sent < waiting < delivered
    assert "No enabled ERP connector" in rows
    assert "Webhook ops" in rows


def test_items_of_entities_the_user_cannot_see_are_left_out(client, controller_de, entity_gb, traced_de):
    gb_item = ExceptionItemFactory(entity=entity_gb, correlation_id=CID, title="GB secret matter")
    audit_record(gb_item, action="exception.noted", actor=None)
    client.force_login(controller_de)

    rows = _rows(client.get(reverse("outbox:trace", args=[CID])))

    assert "draft → queued" in rows
    assert "exception noted" not in rows
    assert "GB secret matter" not in rows


def test_a_correlation_with_nothing_visible_is_a_404(client, outsider, no_role_user, traced_de):
    client.force_login(outsider)
    outsider_status = client.get(reverse("outbox:trace", args=[CID])).status_code
    client.force_login(no_role_user)
    nobody_status = client.get(reverse("outbox:trace", args=[CID])).status_code

    assert (outsider_status, nobody_status) == (404, 404)


def test_the_search_finds_a_trace_by_correlation_id_or_by_record(client, controller_de, outsider, traced_de):
    client.force_login(controller_de)

    by_id = client.get(reverse("outbox:trace-search"), {"q": CID})
    by_record = client.get(
        reverse("outbox:trace-search"), {"record_type": "ledger.JournalEntry", "record_id": str(traced_de.pk)}
    )
    client.force_login(outsider)
    foreign = client.get(
        reverse("outbox:trace-search"), {"record_type": "ledger.JournalEntry", "record_id": str(traced_de.pk)}
    )

    assert by_id.status_code == 302
    assert by_id["Location"] == reverse("outbox:trace", args=[CID])
    assert by_record["Location"] == reverse("outbox:trace", args=[traced_de.correlation_id])
    assert traced_de.correlation_id == CID
    assert foreign.status_code == 422
    assert "No such record in your entities." in foreign.content.decode()


def test_the_search_page_needs_a_sign_in(client):
    response = client.get(reverse("outbox:trace-search"))

    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_a_registered_source_adds_its_items_in_time_order(controller_de, traced_de):
    later = timezone.now() + timedelta(hours=1)

    def billing_source(correlation_id, user):
        if correlation_id == CID:
            yield TraceItem(at=later, system="Billing", kind="inbound", title="invoice.paid received")

    trace_source_register("test.billing", billing_source)
    try:
        items = trace_collect(CID, controller_de)
    finally:
        trace_source_unregister("test.billing")

    assert items[-1].title == "invoice.paid received"
    assert [i.at for i in items] == sorted(i.at for i in items)
    assert {i.system for i in items} >= {"Control tower", "Billing", "Webhook ops"}
    assert "test.billing" not in trace_sources()
