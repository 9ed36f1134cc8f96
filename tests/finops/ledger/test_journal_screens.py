"""Journal entries in the browser: a treasury analyst books a balanced draft and posts it to the
ERP through the outbox; everyone else reads within their role and entities."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from finops.audit.models import AuditEvent
from finops.ledger.models import JournalEntry, JournalState
from finops.ledger.services import JournalLineInput, journal_entry_create
from finops.outbox.models import OutboxMessage


def _form(entity, token=None, lines=(("1200", "", "119.00", ""), ("8400", "Bank charges", "", "119.00")), **extra):
    data = {
        "entity": entity.pk,
        "posting_on": "2026-11-20",
        "currency": "EUR",
        "description": "Bank charges November",
        "token": str(token or uuid.uuid4()),
        "lines-TOTAL_FORMS": "6",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
    }
    for number, (account, description, debit, credit) in enumerate(lines):
        data[f"lines-{number}-account_code"] = account
        data[f"lines-{number}-description"] = description
        data[f"lines-{number}-debit"] = debit
        data[f"lines-{number}-credit"] = credit
    data.update(extra)
    return data


@pytest.fixture
def entry_de(entity_de):
    return journal_entry_create(
        entity=entity_de,
        posting_on=dt.date(2026, 11, 20),
        currency="EUR",
        description="Interest October",
        lines=(
            JournalLineInput(account_code="1200", debit=Decimal("12.34")),
            JournalLineInput(account_code="7100", credit=Decimal("12.34")),
        ),
        external_id="JE-INT-10",
        actor=None,
    )


def test_a_treasury_analyst_books_a_balanced_draft(client, treasury_de, entity_de):
    client.force_login(treasury_de)

    response = client.post(reverse("ledger:journal-create"), _form(entity_de))

    entry = JournalEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:journal-detail", args=[entry.pk])
    assert entry.state == JournalState.DRAFT
    assert [(line.account_code, line.debit, line.credit) for line in entry.lines.all()] == [
        ("1200", Decimal("119.0000"), Decimal("0.0000")),
        ("8400", Decimal("0.0000"), Decimal("119.0000")),
    ]
    assert AuditEvent.objects.filter(action="journal_entry.created", actor=treasury_de).count() == 1


def test_submitting_the_same_form_twice_books_once(client, treasury_de, entity_de):
    client.force_login(treasury_de)
    data = _form(entity_de)

    client.post(reverse("ledger:journal-create"), data)
    client.post(reverse("ledger:journal-create"), data)

    assert JournalEntry.objects.count() == 1


def test_an_unbalanced_entry_is_refused_in_place(client, treasury_de, entity_de):
    client.force_login(treasury_de)

    unbalanced = (("1200", "", "119.00", ""), ("8400", "", "", "118.99"))

    response = client.post(reverse("ledger:journal-create"), _form(entity_de, lines=unbalanced))

    assert response.status_code == 422
    assert "Debits (119.00) and credits (118.99) must be equal." in response.content.decode()
    assert not JournalEntry.objects.exists()


def test_a_line_with_debit_and_credit_names_the_row(client, treasury_de, entity_de):
    client.force_login(treasury_de)

    response = client.post(
        reverse("ledger:journal-create"), _form(entity_de, lines=(("1200", "", "5", "5"), ("8400", "", "", "5")))
    )

    assert response.status_code == 422
    assert "Give either a debit or a credit." in response.content.decode()
    assert not JournalEntry.objects.exists()


def test_more_decimals_than_the_currency_has_are_refused(client, treasury_de, entity_de):
    client.force_login(treasury_de)

    response = client.post(
        reverse("ledger:journal-create"),
        _form(entity_de, lines=(("1200", "", "1.005", ""), ("8400", "", "", "1.005"))),
    )

    assert response.status_code == 422
    assert "Line 1: 1.005 has more decimals than EUR allows (2)." in response.content.decode()


def test_an_entity_outside_the_users_treasury_rights_is_not_a_choice(client, treasury_de, entity_gb):
    client.force_login(treasury_de)

    response = client.post(reverse("ledger:journal-create"), _form(entity_gb))

    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize("persona", ["auditor_de", "controller_de", "clerk_de"])
def test_other_roles_cannot_book(client, request, persona, entity_de):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("ledger:journal-create")).status_code == 403
    assert client.post(reverse("ledger:journal-create"), _form(entity_de)).status_code == 403


def test_the_list_shows_the_entitys_entries_to_an_auditor(client, auditor_de, entry_de):
    client.force_login(auditor_de)

    page = client.get(reverse("ledger:journal-list"))

    assert page.status_code == 200
    assert "JE-INT-10" in page.content.decode()
    assert reverse("ledger:journal-create") not in page.content.decode()


def test_a_clerk_has_no_journal_list(client, clerk_de, entry_de):
    client.force_login(clerk_de)

    assert client.get(reverse("ledger:journal-list")).status_code == 403


def test_another_entitys_entry_does_not_exist(client, outsider, entry_de):
    client.force_login(outsider)

    assert "JE-INT-10" not in client.get(reverse("ledger:journal-list")).content.decode()
    assert client.get(reverse("ledger:journal-detail", args=[entry_de.pk])).status_code == 404


def test_the_list_exports_csv(client, controller_de, entry_de):
    client.force_login(controller_de)

    response = client.get(reverse("ledger:journal-list"), {"export": "csv"})

    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("entity,entry,posting_on")
    assert "DE01,JE-INT-10,2026-11-20,Interest October,EUR,12.3400,2,draft" in body


def test_posting_queues_the_entry_and_its_outbox_message_with_htmx(client, treasury_de, entry_de):
    client.force_login(treasury_de)

    response = client.post(reverse("ledger:journal-post", args=[entry_de.pk]), HTTP_HX_REQUEST="true")

    entry_de.refresh_from_db()
    assert response.status_code == 200
    assert "Queued for posting" in response.content.decode()
    assert entry_de.state == JournalState.QUEUED
    message = OutboxMessage.objects.get()
    assert (message.topic, message.object_id) == ("erp.journal_entry", str(entry_de.pk))
    assert message.payload["lines"] == [
        {"account": "1200", "debit": "12.34", "credit": "0.00"},
        {"account": "7100", "debit": "0.00", "credit": "12.34"},
    ]


def test_a_posted_entry_cannot_be_posted_again(client, treasury_de, entry_de):
    JournalEntry.objects.filter(pk=entry_de.pk).update(state=JournalState.POSTED, erp_document_id="JE-2026-77")
    client.force_login(treasury_de)

    response = client.post(reverse("ledger:journal-post", args=[entry_de.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert "already posted as ERP document JE-2026-77" in response.content.decode()
    assert not OutboxMessage.objects.exists()


def test_an_auditor_cannot_post(client, auditor_de, entry_de):
    client.force_login(auditor_de)

    assert client.post(reverse("ledger:journal-post", args=[entry_de.pk])).status_code == 403
    assert not OutboxMessage.objects.exists()
