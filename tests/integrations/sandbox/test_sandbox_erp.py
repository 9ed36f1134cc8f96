"""ERP, procurement and CRM over real HTTP: paging, incremental reads, idempotent postings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from integrations.sandbox.testing import HttpAnswer, http_call

JOURNAL_ENTRY = {
    "entity": "DE01",
    "posting_date": "2026-03-31",
    "currency": "EUR",
    "description": "FX revaluation March",
    "lines": [
        {"account": "1800", "debit": "125.40", "credit": "0.00"},
        {"account": "7100", "debit": "0.00", "credit": "125.40"},
    ],
}


def get(base: str, path: str) -> HttpAnswer:
    return http_call("GET", base + path)


def post(base: str, path: str, body: Any, key: str | None = None) -> HttpAnswer:
    headers = {"Idempotency-Key": key} if key else {}
    return http_call("POST", base + path, json_body=body, headers=headers)


def read_all(base: str, path: str, limit: int) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(1000):
        separator = "&" if "?" in path else "?"
        answer = get(base, f"{path}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        assert answer.status == 200, answer.body
        page = answer.json()
        assert len(page["data"]) <= limit
        records.extend(page["data"])
        if page["next_cursor"] is None:
            return records
        cursor = page["next_cursor"]
    raise AssertionError("paging never ended")


def test_paging_through_customers_with_a_small_limit_returns_each_id_once(sandbox: str) -> None:
    records = read_all(sandbox, "/erp/v1/customers", limit=7)

    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == 60
    assert [(r["updated_at"], r["id"]) for r in records] == sorted((r["updated_at"], r["id"]) for r in records)


def test_every_record_has_id_version_and_updated_at_in_the_documented_format(sandbox: str) -> None:
    for resource in ("customers", "suppliers", "invoices", "purchase_orders", "receipts"):
        records = read_all(sandbox, f"/erp/v1/{resource}", limit=500)

        for record in records:
            assert isinstance(record["id"], str)
            assert isinstance(record["version"], int)
            assert record["updated_at"].endswith("Z")
            assert dt.datetime.fromisoformat(record["updated_at"].replace("Z", "+00:00")).tzinfo is not None


def test_updated_since_returns_only_records_changed_after_an_update(sandbox: str) -> None:
    before = get(sandbox, "/erp/v1/customers?limit=500").json()["data"]
    latest_record = max(before, key=lambda r: (r["updated_at"], r["id"]))
    latest = latest_record["updated_at"]
    original = next(r for r in before if r["id"] == "CUST-00017")

    changed = post(sandbox, "/_sandbox/erp/customers", {"id": "CUST-00017", "status": "blocked"})
    since_latest = get(sandbox, f"/erp/v1/customers?updated_since={latest}").json()["data"]
    since_change = get(sandbox, f"/erp/v1/customers?updated_since={changed.json()['updated_at']}").json()["data"]

    assert changed.status == 200
    assert [r["id"] for r in since_latest] == [latest_record["id"], "CUST-00017"]  # updated_since is inclusive
    assert [r["id"] for r in since_change] == ["CUST-00017"]
    assert since_change[0]["version"] == original["version"] + 1
    assert since_change[0]["status"] == "blocked"
    assert since_change[0]["updated_at"] > latest


def test_updated_since_accepts_an_offset_even_when_its_plus_arrived_as_a_space(sandbox: str) -> None:
    answer = get(sandbox, "/erp/v1/invoices?updated_since=2000-01-01T00:00:00+00:00&limit=3")

    assert answer.status == 200
    assert len(answer.json()["data"]) == 3


def test_a_record_changed_while_paging_is_served_again_after_the_cursor_not_lost(sandbox: str) -> None:
    first = get(sandbox, "/erp/v1/suppliers?limit=5").json()
    early_id = first["data"][0]["id"]

    post(sandbox, "/_sandbox/erp/suppliers", {"id": early_id, "name": "Renamed Supplier GmbH"})
    rest = read_all(sandbox, f"/erp/v1/suppliers?cursor={first['next_cursor']}", limit=50)

    assert rest[-1]["id"] == early_id
    assert rest[-1]["name"] == "Renamed Supplier GmbH"


def test_bad_cursor_limit_and_updated_since_are_422_naming_the_field(sandbox: str) -> None:
    for query, field in (
        ("cursor=not-a-cursor", "cursor"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("updated_since=yesterday", "updated_since"),
    ):
        answer = get(sandbox, f"/erp/v1/customers?{query}")

        assert answer.status == 422, query
        assert answer.json()["field"] == field


def test_procurement_serves_the_same_purchase_orders_and_receipts_as_the_erp(sandbox: str) -> None:
    erp_orders = read_all(sandbox, "/erp/v1/purchase_orders", limit=500)
    procurement_orders = read_all(sandbox, "/procurement/v1/purchase_orders", limit=500)
    receipts = read_all(sandbox, "/procurement/v1/receipts", limit=500)

    assert erp_orders == procurement_orders
    assert len(erp_orders) == 40
    order_ids = {o["id"] for o in erp_orders}
    assert {r["po_id"] for r in receipts} <= order_ids
    assert all(line["quantity"] and Decimal(line["unit_price"]) > 0 for o in erp_orders for line in o["lines"])


def test_crm_accounts_mirror_the_erp_customers_under_their_own_ids(sandbox: str) -> None:
    accounts = read_all(sandbox, "/crm/v1/accounts", limit=500)
    customers = {c["id"]: c for c in read_all(sandbox, "/erp/v1/customers", limit=500)}

    assert len(accounts) == 60
    for account in accounts:
        customer = customers[account["id"].replace("ACC-", "CUST-")]
        assert (account["name"], account["tax_id"]) == (customer["name"], customer["tax_id"])


def test_journal_entry_is_created_then_replayed_with_200_for_the_same_key_and_body(sandbox: str) -> None:
    first = post(sandbox, "/erp/v1/journal_entries", JOURNAL_ENTRY, key="je-1")
    reordered = {k: JOURNAL_ENTRY[k] for k in reversed(list(JOURNAL_ENTRY))}
    replay = post(sandbox, "/erp/v1/journal_entries", reordered, key="je-1")
    stored = http_call("GET", f"{sandbox}/_sandbox/erp/journal_entries", token=None).json()

    assert first.status == 201
    assert set(first.json()) == {"id", "document_number"}
    assert replay.status == 200
    assert replay.json() == first.json()
    assert [e["id"] for e in stored] == [first.json()["id"]]


def test_journal_entry_with_a_used_key_and_a_different_body_is_409(sandbox: str) -> None:
    post(sandbox, "/erp/v1/journal_entries", JOURNAL_ENTRY, key="je-2")

    other = post(sandbox, "/erp/v1/journal_entries", {**JOURNAL_ENTRY, "description": "changed"}, key="je-2")

    assert other.status == 409
    assert other.json() == {"error": "idempotency key reused with a different body"}


def test_unbalanced_journal_entry_is_422_naming_lines_and_the_key_stays_free(sandbox: str) -> None:
    lines = [
        {"account": "1800", "debit": "100.00", "credit": "0.00"},
        {"account": "7100", "debit": "0.00", "credit": "99.99"},
    ]

    refused = post(sandbox, "/erp/v1/journal_entries", {**JOURNAL_ENTRY, "lines": lines}, key="je-3")
    corrected = post(sandbox, "/erp/v1/journal_entries", JOURNAL_ENTRY, key="je-3")

    assert refused.status == 422
    assert refused.json()["field"] == "lines"
    assert corrected.status == 201


def test_malformed_postings_are_422_naming_the_field(sandbox: str) -> None:
    float_amount = [{"account": "1800", "debit": 125.4, "credit": "0.00"}, JOURNAL_ENTRY["lines"][1]]
    for body, field in (
        ({**JOURNAL_ENTRY, "entity": "XX99"}, "entity"),
        ({**JOURNAL_ENTRY, "posting_date": "31.03.2026"}, "posting_date"),
        ({**JOURNAL_ENTRY, "lines": float_amount}, "lines[0].debit"),
        ({k: v for k, v in JOURNAL_ENTRY.items() if k != "description"}, "description"),
    ):
        answer = post(sandbox, "/erp/v1/journal_entries", body, key=f"bad-{field}")

        assert answer.status == 422, field
        assert answer.json()["field"] == field

    assert post(sandbox, "/erp/v1/journal_entries", JOURNAL_ENTRY).json()["field"] == "Idempotency-Key"


def test_cash_receipt_reduces_the_open_amount_and_bumps_the_invoice_version(sandbox: str) -> None:
    invoices = read_all(sandbox, "/erp/v1/invoices", limit=500)
    invoice = next(i for i in invoices if i["direction"] == "AR" and Decimal(i["open_amount"]) > 100)
    body = {
        "entity": invoice["entity"],
        "customer_id": invoice["counterparty_id"],
        "invoice_number": invoice["number"],
        "amount": "100.00",
        "currency": invoice["currency"],
        "received_on": "2026-04-02",
    }

    created = post(sandbox, "/erp/v1/cash_receipts", body, key="cr-1")
    too_much = post(sandbox, "/erp/v1/cash_receipts", {**body, "amount": invoice["amount"]}, key="cr-2")
    after = next(i for i in read_all(sandbox, "/erp/v1/invoices", limit=500) if i["id"] == invoice["id"])

    assert created.status == 201
    assert Decimal(after["open_amount"]) == Decimal(invoice["open_amount"]) - 100
    assert after["version"] == invoice["version"] + 1
    assert too_much.status == 422
    assert too_much.json()["field"] == "amount"


def test_crm_activity_is_created_for_a_known_account_only(sandbox: str) -> None:
    body = {"account_id": "ACC-00003", "type": "payment_status", "text": "Paid in full on 2 April."}

    created = post(sandbox, "/crm/v1/activities", body, key="act-1")
    unknown = post(sandbox, "/crm/v1/activities", {**body, "account_id": "CUST-00003"}, key="act-2")
    wrong_type = post(sandbox, "/crm/v1/activities", {**body, "type": "call"}, key="act-3")

    assert created.status == 201
    assert set(created.json()) == {"id"}
    assert (unknown.status, unknown.json()["field"]) == (422, "account_id")
    assert (wrong_type.status, wrong_type.json()["field"]) == (422, "type")
