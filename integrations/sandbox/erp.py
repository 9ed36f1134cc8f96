"""The ERP, the procurement suite and the CRM: paged reads of their records, and the postings
the control tower sends back (journal entries, cash receipts, CRM activities)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from integrations.sandbox.clock import iso_z, parse_instant
from integrations.sandbox.exchange import FieldError, Request, Response, json_body, json_response
from integrations.sandbox.money import money
from integrations.sandbox.names import ENTITIES
from integrations.sandbox.paging import bend_page, page_request, paginate
from integrations.sandbox.routing import Handler, Route, route
from integrations.sandbox.state import RESOURCES, Record, SandboxState, sort_key
from integrations.sandbox.validation import choice, currency, date, items, text
from integrations.sandbox.validation import money as money_field

ACTIVITY_TYPES = ("payment_status", "collection_note")


def _pager(collection: str) -> Handler:
    def list_records(state: SandboxState, request: Request) -> Response:
        page = page_request(request)
        since = request.query.get("updated_since", "")
        lower_bound = ""
        if since:
            moment = parse_instant(since)
            if moment is None:
                raise FieldError("updated_since", "updated_since must be an ISO 8601 time such as 2026-03-01T00:00:00Z")
            lower_bound = iso_z(moment)
        with state.lock:
            records = state.collections[collection]
            data, next_cursor = paginate(records.all(), sort_key, page, lower_bound=lower_bound)
            data = bend_page(request.fault, data, records.older_version)
        return json_response(200, {"data": data, "next_cursor": next_cursor})

    return list_records


def post_journal_entry(state: SandboxState, request: Request) -> Response:
    body = json_body(request)
    entity = choice(body, "entity", ENTITIES)
    posting_on = date(body, "posting_date")
    code = currency(body)
    description = text(body, "description", max_length=200)
    lines = []
    debits = credits = Decimal(0)
    for n, line in enumerate(items(body, "lines", min_items=2)):
        where = f"lines[{n}]"
        if not isinstance(line, dict):
            raise FieldError(where, f"{where} must be an object with account, debit and credit")
        account = text(line, "account", name=f"{where}.account", max_length=30)
        debit = money_field({"debit": "0.00", **line}, "debit", name=f"{where}.debit")
        credit = money_field({"credit": "0.00", **line}, "credit", name=f"{where}.credit")
        if (debit > 0) == (credit > 0):
            raise FieldError(where, f"{where} must have either a debit or a credit amount")
        debits, credits = debits + debit, credits + credit
        lines.append({"account": account, "debit": money(debit), "credit": money(credit)})
    if debits != credits:
        raise FieldError("lines", f"debits ({money(debits)}) do not equal credits ({money(credits)})")
    entry_id = state.mint("JE")
    record = {
        "id": entry_id,
        "document_number": f"{entity}-{posting_on.year}-{entry_id}",
        "entity": entity,
        "posting_date": posting_on.isoformat(),
        "currency": code,
        "description": description,
        "lines": lines,
    }
    _store(state, "journal_entries", record)
    return json_response(201, {"id": record["id"], "document_number": record["document_number"]})


def post_cash_receipt(state: SandboxState, request: Request) -> Response:
    body = json_body(request)
    entity = choice(body, "entity", ENTITIES)
    customer_id = text(body, "customer_id", max_length=40)
    number = text(body, "invoice_number", max_length=40)
    amount = money_field(body, "amount")
    code = currency(body)
    received_on = date(body, "received_on")
    if amount <= 0:
        raise FieldError("amount", "amount must be positive")
    if state.collections["customers"].get(customer_id) is None:
        raise FieldError("customer_id", f"no customer {customer_id}")
    invoice = _ar_invoice(state, customer_id, number)
    if invoice["entity"] != entity:
        raise FieldError("entity", f"invoice {number} belongs to {invoice['entity']}, not {entity}")
    if invoice["currency"] != code:
        raise FieldError("currency", f"invoice {number} is in {invoice['currency']}, not {code}")
    open_amount = Decimal(invoice["open_amount"])
    if amount > open_amount:
        raise FieldError(
            "amount", f"amount {money(amount)} exceeds the open amount {invoice['open_amount']} of {number}"
        )
    state.collections["invoices"].change(invoice, {"open_amount": money(open_amount - amount)}, state.stamp())
    receipt_id = state.mint("CR")
    record = {
        "id": receipt_id,
        "document_number": f"{entity}-{received_on.year}-{receipt_id}",
        "entity": entity,
        "customer_id": customer_id,
        "invoice_id": invoice["id"],
        "invoice_number": number,
        "amount": money(amount),
        "currency": code,
        "received_on": received_on.isoformat(),
    }
    _store(state, "cash_receipts", record)
    return json_response(201, {"id": record["id"], "document_number": record["document_number"]})


def post_activity(state: SandboxState, request: Request) -> Response:
    body = json_body(request)
    account_id = text(body, "account_id", max_length=40)
    kind = choice(body, "type", ACTIVITY_TYPES)
    note = text(body, "text", max_length=4000)
    if state.collections["crm_accounts"].get(account_id) is None:
        raise FieldError("account_id", f"no CRM account {account_id} (CRM ids are ACC-nnnnn)")
    record = {"id": state.mint("ACT"), "account_id": account_id, "type": kind, "text": note}
    _store(state, "activities", record)
    return json_response(201, {"id": record["id"]})


def _ar_invoice(state: SandboxState, customer_id: str, number: str) -> Record:
    for invoice in state.collections["invoices"].all():
        if invoice["direction"] == "AR" and invoice["number"] == number and invoice["counterparty_id"] == customer_id:
            return invoice
    raise FieldError("invoice_number", f"no AR invoice {number} for customer {customer_id}")


def _store(state: SandboxState, collection: str, record: dict[str, Any]) -> None:
    state.collections[collection].add({**record, "version": 1, "updated_at": state.stamp()})


ROUTES: tuple[Route, ...] = (
    *(
        route("GET", f"/{system}/v1/{resource}", _pager(collection), is_paged=True)
        for (system, resource), collection in RESOURCES.items()
    ),
    route("POST", "/erp/v1/journal_entries", post_journal_entry, is_idempotent=True),
    route("POST", "/erp/v1/cash_receipts", post_cash_receipt, is_idempotent=True),
    route("POST", "/crm/v1/activities", post_activity, is_idempotent=True),
)
