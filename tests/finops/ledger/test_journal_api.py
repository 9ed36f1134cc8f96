"""The journal-entry API does what the screens do: list, read, book, post."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from finops.ledger.models import JournalEntry, JournalState
from finops.outbox.models import OutboxMessage

BODY = {
    "entity": "DE01",
    "external_id": "TR-2026-11-0042",
    "posting_on": "2026-11-20",
    "currency": "EUR",
    "description": "Account maintenance fee",
    "lines": [
        {"account_code": "6855", "debit": "25.00", "description": "fee"},
        {"account_code": "1200", "credit": "25.00"},
    ],
}


@pytest.fixture
def api():
    return APIClient()


def test_a_treasury_analyst_books_and_posts_through_the_api(api, treasury_de, entity_de):
    api.force_authenticate(treasury_de)

    created = api.post(reverse("api:journal-list"), BODY, format="json")
    again = api.post(reverse("api:journal-list"), BODY, format="json")
    posted = api.post(reverse("api:journal-post", args=[created.json()["id"]]))

    assert created.status_code == 201
    assert created.json()["total"] == "25.0000"
    assert [line["account_code"] for line in created.json()["lines"]] == ["6855", "1200"]
    assert again.json()["id"] == created.json()["id"]
    assert JournalEntry.objects.count() == 1
    assert posted.status_code == 202
    assert posted.json()["state"] == JournalState.QUEUED
    assert OutboxMessage.objects.filter(topic="erp.journal_entry").count() == 1


def test_an_unbalanced_body_names_the_problem(api, treasury_de, entity_de):
    api.force_authenticate(treasury_de)
    body = {**BODY, "lines": [{"account_code": "6855", "debit": "25.00"}, {"account_code": "1200", "credit": "24"}]}

    response = api.post(reverse("api:journal-list"), body, format="json")

    assert response.status_code == 400
    assert response.json() == {"lines": ["Debits (25.00) and credits (24.00) must be equal."]}
    assert not JournalEntry.objects.exists()


def test_an_entity_without_treasury_rights_is_a_field_error(api, treasury_de, entity_gb):
    api.force_authenticate(treasury_de)

    response = api.post(reverse("api:journal-list"), {**BODY, "entity": "GB01"}, format="json")

    assert response.status_code == 400
    assert "entity" in response.json()


def test_an_auditor_reads_but_cannot_book(api, auditor_de, entity_de):
    api.force_authenticate(auditor_de)

    assert api.get(reverse("api:journal-list")).status_code == 200
    assert api.post(reverse("api:journal-list"), BODY, format="json").status_code == 403
    assert not JournalEntry.objects.exists()


def test_another_entitys_entry_is_not_found(api, treasury_de, outsider, entity_de):
    api.force_authenticate(treasury_de)
    entry_id = api.post(reverse("api:journal-list"), BODY, format="json").json()["id"]
    api.force_authenticate(outsider)

    assert api.get(reverse("api:journal-detail", args=[entry_id])).status_code == 404
    assert api.get(reverse("api:journal-list")).json()["results"] == []
