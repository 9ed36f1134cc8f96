"""Collection notes on a customer invoice: AP clerks and treasury analysts add them on the invoice
page (htmx, 422 with the error in place) or through the API; each is audited and queued for the
customer's CRM account; the page and the API show where each note stands with the CRM."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from finops.audit.models import AuditEvent
from finops.core.workflow import WorkflowError
from finops.invoicing.states import InvoiceState
from finops.outbox.models import OutboxMessage, OutboxState
from finops.receivables.models import CollectionNote
from finops.receivables.services import collection_note_add, collection_note_record_delivery
from finops.receivables.states import CrmDeliveryState
from tests.factories import CounterpartyFactory, InvoiceFactory


@pytest.fixture
def ar_invoice_de(entity_de):
    customer = CounterpartyFactory(name="Hafenlogistik Bremen GmbH", is_customer=True, is_supplier=False)
    return InvoiceFactory(
        entity=entity_de,
        counterparty=customer,
        direction="AR",
        state=InvoiceState.ISSUED,
        number="RE-2026-40017",
        amount=Decimal("1200.00"),
    )


def _page(invoice):
    return reverse("invoicing:invoice-detail", args=[invoice.pk])


def _add(invoice):
    return reverse("receivables:collection-note-add", args=[invoice.pk])


def _api(invoice):
    return reverse("api:invoice-collection-note-list", args=[invoice.pk])


# --- the service -----------------------------------------------------------------------------


def test_a_note_is_stored_audited_and_queued_for_the_crm(ar_invoice_de, clerk_de):
    note = collection_note_add(invoice_id=ar_invoice_de.pk, author=clerk_de, text="  Called AP; paying Friday.  ")

    message = OutboxMessage.objects.get(topic="crm.activity")
    audit = AuditEvent.objects.get(object_type="receivables.CollectionNote", object_id=str(note.pk))
    assert (note.text, note.state, note.author, note.entity) == (
        "Called AP; paying Friday.",
        CrmDeliveryState.PENDING,
        clerk_de,
        ar_invoice_de.entity,
    )
    assert note.outbox_message == message
    assert message.payload == {
        "counterparty_id": ar_invoice_de.counterparty_id,
        "type": "collection_note",
        "text": "Invoice RE-2026-40017: Called AP; paying Friday.",
    }
    assert message.idempotency_key == f"crm.activity:collection_note:{note.pk}"
    assert (audit.action, audit.actor, audit.after["invoice"]) == ("collection_note.added", clerk_de, "RE-2026-40017")


def test_a_treasury_analyst_may_add_a_note(ar_invoice_de, treasury_de):
    note = collection_note_add(invoice_id=ar_invoice_de.pk, author=treasury_de, text="Remittance advice requested.")

    assert note.author == treasury_de


@pytest.mark.parametrize("text", ["", "   \n ", "x" * (CollectionNote.MAX_TEXT + 1)])
def test_an_empty_or_overlong_note_is_refused(ar_invoice_de, clerk_de, text):
    with pytest.raises(ValidationError):
        collection_note_add(invoice_id=ar_invoice_de.pk, author=clerk_de, text=text)

    assert not CollectionNote.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_supplier_invoice_takes_no_collection_note(entity_de, clerk_de):
    supplier_invoice = InvoiceFactory(entity=entity_de, direction="AP")

    with pytest.raises(WorkflowError, match="customer invoices"):
        collection_note_add(invoice_id=supplier_invoice.pk, author=clerk_de, text="?")


def test_only_clerks_and_treasury_of_the_entity_add_notes(ar_invoice_de, auditor_de, controller_de, outsider):
    for reader in (auditor_de, controller_de):
        with pytest.raises(PermissionDenied):
            collection_note_add(invoice_id=ar_invoice_de.pk, author=reader, text="Not mine to add.")
    with pytest.raises(Http404):
        collection_note_add(invoice_id=ar_invoice_de.pk, author=outsider, text="Not my entity.")

    assert not CollectionNote.objects.exists()


def test_recording_the_crm_activity_twice_changes_nothing_the_second_time(ar_invoice_de, clerk_de):
    note = collection_note_add(invoice_id=ar_invoice_de.pk, author=clerk_de, text="Statement sent.")

    collection_note_record_delivery(note_id=note.pk, activity_id="ACT-1")
    again = collection_note_record_delivery(note_id=note.pk, activity_id="ACT-1")

    assert (again.state, again.crm_activity_id) == (CrmDeliveryState.SENT, "ACT-1")
    assert AuditEvent.objects.filter(object_id=str(note.pk), action="pending->sent").count() == 1


# --- the invoice page ----------------------------------------------------------------------


def test_a_clerk_adds_a_note_on_the_invoice_page_with_htmx(client, ar_invoice_de, clerk_de):
    client.force_login(clerk_de)

    page = client.get(_page(ar_invoice_de))
    response = client.post(_add(ar_invoice_de), {"text": "Called AP; paying Friday."}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert 'hx-post="' + _add(ar_invoice_de) in page.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "Called AP; paying Friday." in body
    assert "Sending to the CRM" in body
    assert CollectionNote.objects.get().author == clerk_de


def test_without_htmx_the_form_redirects_back_to_the_invoice(client, ar_invoice_de, clerk_de):
    client.force_login(clerk_de)

    response = client.post(_add(ar_invoice_de), {"text": "Dunning letter 2 sent."})

    assert response.status_code == 302
    assert response["Location"] == _page(ar_invoice_de)


def test_an_empty_note_is_a_422_with_the_error_beside_the_field(client, ar_invoice_de, clerk_de):
    client.force_login(clerk_de)

    response = client.post(_add(ar_invoice_de), {"text": "   "}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 422
    assert "Write what was done or agreed." in body
    assert "<html" not in body
    assert not CollectionNote.objects.exists()


def test_an_overlong_note_is_a_422(client, ar_invoice_de, clerk_de):
    client.force_login(clerk_de)

    response = client.post(_add(ar_invoice_de), {"text": "x" * 2001}, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert "at most 2000 characters" in response.content.decode()


def test_the_page_shows_each_notes_crm_state(client, ar_invoice_de, clerk_de, auditor_de):
    sent = collection_note_add(invoice_id=ar_invoice_de.pk, author=clerk_de, text="Promised for Friday.")
    collection_note_record_delivery(note_id=sent.pk, activity_id="ACT-R5K2QXA-00001")
    retrying = collection_note_add(invoice_id=ar_invoice_de.pk, author=clerk_de, text="Second reminder.")
    assert retrying.outbox_message is not None
    OutboxMessage.objects.filter(pk=retrying.outbox_message.pk).update(
        state=OutboxState.FAILED, attempts=1, last_error="No enabled CRM connector is configured for this entity."
    )
    client.force_login(auditor_de)

    body = client.get(_page(ar_invoice_de)).content.decode()

    assert "In the CRM" in body
    assert "ACT-R5K2QXA-00001" in body
    assert "retrying: No enabled CRM connector is configured for this entity." in body
    assert "Add note" not in body  # auditors read, they do not add


def test_the_form_is_403_for_an_auditor_and_404_for_another_entity(client, ar_invoice_de, auditor_de, outsider):
    client.force_login(auditor_de)
    assert client.post(_add(ar_invoice_de), {"text": "Read only."}).status_code == 403
    client.force_login(outsider)
    assert client.post(_add(ar_invoice_de), {"text": "Not my entity."}).status_code == 404
    assert client.get(_page(ar_invoice_de)).status_code == 404
    assert not CollectionNote.objects.exists()


def test_the_form_takes_posts_only(client, ar_invoice_de, clerk_de):
    client.force_login(clerk_de)

    assert client.get(_add(ar_invoice_de)).status_code == 405


# --- the API ---------------------------------------------------------------------------------


def test_the_api_adds_and_lists_notes(client, ar_invoice_de, clerk_de):
    client.force_login(clerk_de)

    created = client.post(_api(ar_invoice_de), {"text": "Promised for Friday."}, content_type="application/json")
    listed = client.get(_api(ar_invoice_de))

    assert created.status_code == 201
    assert created.json() | {"id": 0, "created_at": "", "correlation_id": ""} == {
        "id": 0,
        "invoice": ar_invoice_de.pk,
        "invoice_number": "RE-2026-40017",
        "entity": "DE01",
        "author": "clerk_de",
        "text": "Promised for Friday.",
        "state": "pending",
        "crm_activity_id": "",
        "crm_error": "",
        "correlation_id": "",
        "created_at": "",
        "sent_at": None,
    }
    assert listed.status_code == 200
    assert [n["id"] for n in listed.json()["results"]] == [created.json()["id"]]


def test_the_api_refuses_an_empty_note_with_400(client, ar_invoice_de, clerk_de):
    client.force_login(clerk_de)

    response = client.post(_api(ar_invoice_de), {"text": " "}, content_type="application/json")

    assert response.status_code == 400
    assert "text" in response.json()
    assert not CollectionNote.objects.exists()


def test_the_api_is_403_for_an_auditor_and_404_for_another_entity(
    client, ar_invoice_de, clerk_de, auditor_de, outsider
):
    collection_note_add(invoice_id=ar_invoice_de.pk, author=clerk_de, text="Visible to the auditor.")

    client.force_login(auditor_de)
    auditor_reads = client.get(_api(ar_invoice_de))
    auditor_writes = client.post(_api(ar_invoice_de), {"text": "No."}, content_type="application/json")
    client.force_login(outsider)
    outsider_reads = client.get(_api(ar_invoice_de))
    outsider_writes = client.post(_api(ar_invoice_de), {"text": "No."}, content_type="application/json")

    assert auditor_reads.status_code == 200
    assert len(auditor_reads.json()["results"]) == 1
    assert auditor_writes.status_code == 403
    assert (outsider_reads.status_code, outsider_writes.status_code) == (404, 404)
    assert CollectionNote.objects.count() == 1


def test_the_api_needs_a_sign_in(client, ar_invoice_de):
    assert client.get(_api(ar_invoice_de)).status_code in (401, 403)
