"""What the outbox's handlers call: journal entries and cash receipts POSTed to the ERP with an
Idempotency-Key, accounts translated through the connector's mapping."""

import json
from decimal import Decimal

import pytest

from integrations.connectors.erp_rest.client import ErpClient, PostingRejected
from tests.integrations.connectors.support import sandbox_get, sandbox_records

ENTRY = {
    "entity": "DE01",
    "posting_date": "2026-11-20",
    "currency": "EUR",
    "description": "Bank fees November",
    "lines": [
        {"account": "bank_fees", "debit": Decimal("12.50"), "credit": Decimal("0")},
        {"account": "cash", "debit": Decimal("0"), "credit": Decimal("12.50")},
    ],
}


def test_a_journal_entry_is_posted_once_per_idempotency_key_with_mapped_accounts(erp, sandbox):
    erp.mapping = {"accounts": {"cash": "1200", "bank_fees": "6855"}}
    erp.save(update_fields=["mapping"])
    client = ErpClient.for_connector(erp)

    posted = client.post_journal_entry(ENTRY, "je-1")
    again = client.post_journal_entry(ENTRY, "je-1")

    assert posted == again
    assert posted.document_number
    [request] = [r for r in sandbox_get(sandbox, "/_sandbox/requests?path_prefix=/erp/v1/journal_entries")][:1]
    body = json.loads(request["body"])
    assert [line["account"] for line in body["lines"]] == ["6855", "1200"]
    assert body["lines"][0]["debit"] == "12.50"
    assert request["headers"].get("Idempotency-Key") == "je-1"


def test_a_reused_key_with_another_body_and_an_unbalanced_entry_are_refused(erp):
    client = ErpClient.for_connector(erp)
    client.post_journal_entry(ENTRY, "je-2")
    unbalanced = {**ENTRY, "lines": [{**ENTRY["lines"][0], "debit": Decimal("13.00")}, ENTRY["lines"][1]]}

    with pytest.raises(PostingRejected) as reused:
        client.post_journal_entry({**ENTRY, "description": "other"}, "je-2")
    with pytest.raises(PostingRejected) as refused:
        client.post_journal_entry(unbalanced, "je-3")

    assert reused.value.status == 409
    assert refused.value.status == 422


def test_a_cash_receipt_is_posted_and_a_wrong_invoice_is_refused_naming_the_field(erp, sandbox):
    invoice = next(
        i for i in sandbox_records(sandbox, "erp", "invoices") if i["direction"] == "AR" and i["entity"] == "DE01"
    )
    receipt = {
        "entity": "DE01",
        "customer_id": invoice["counterparty_id"],
        "invoice_number": invoice["number"],
        "amount": Decimal("119.00"),
        "currency": "EUR",
        "received_on": "2026-11-20",
    }
    client = ErpClient.for_connector(erp)

    posted = client.post_cash_receipt(receipt, "cr-1")
    with pytest.raises(PostingRejected) as refused:
        client.post_cash_receipt({**receipt, "invoice_number": "NOPE-1"}, "cr-2")

    assert posted.id
    assert posted.document_number
    assert (refused.value.status, refused.value.field) == (422, "invoice_number")
