"""The AP benchmark's generated data (tests/perf/ap_invoices.py) stored in the database, fast (COPY),
for the 3-way match service to load: one legal entity per dataset, its suppliers with their bank
accounts, orders and their lines, receipts, and supplier invoices with their lines, in the states
the generator's standing says (open: received; committed: paid; cancelled: cancelled), received on
the day the generator says (created_at), stored in the generator's order (so ids rise as its do).

Credit notes are left out with their truth: the product has no credit-note flag on an invoice yet,
so one would be stored as a second invoice of the same amount."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models import Max

from finops.invoicing.models import Invoice, InvoiceLine
from finops.masterdata.models import BankAccount, Counterparty, LegalEntity
from finops.payables.models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder, PurchaseOrderLine
from reconciliation.engines.ap_model import Standing
from tests.perf.ap_invoices import Dataset

_STATE = {Standing.OPEN: "received", Standing.COMMITTED: "paid", Standing.CANCELLED: "cancelled"}


@dataclass
class Stored:
    entity: LegalEntity
    invoice_ids: dict[int, int]  # the generator's invoice id -> ours
    dataset: Dataset


class _Ids:
    def __init__(self, model: type[models.Model]) -> None:
        self.next = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1

    def take(self) -> int:
        value, self.next = self.next, self.next + 1
        return value


def _copy(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """COPY rows into the model's table, every concrete field given (defaults filled in)."""
    if not rows:
        return
    fields = model._meta.concrete_fields
    columns = [f.column for f in fields]
    defaults = {f.attname: f.get_default() for f in fields}
    table = model._meta.db_table
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                values = []
                for f in fields:
                    value = row.get(f.attname, defaults[f.attname])
                    if isinstance(f, models.JSONField):
                        value = json.dumps(value)
                    values.append(value)
                copy.write_row(values)
        # the table name is our model's, not input
        cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {table}))", [table])  # noqa: S608


def _sourced(external_id: str, on: dt.datetime) -> dict[str, Any]:
    return {
        "source": "bench",
        "external_id": external_id,
        "correlation_id": uuid.uuid4().hex,
        "created_at": on,
        "updated_at": on,
    }


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)


def dataset_store(dataset: Dataset, code: str) -> Stored:
    """Store `dataset` as legal entity `code`; returns the id mapping. Not timed by the benchmark."""
    dataset.invoices = [inv for inv in dataset.invoices if not inv.is_credit_note]
    kept = {inv.invoice_id for inv in dataset.invoices}
    dataset.truth = {pk: truth for pk, truth in dataset.truth.items() if pk in kept}
    entity = LegalEntity.objects.create(
        code=code, name=f"Benchmark {code}", country="DE", base_currency="EUR", source="bench", external_id=code
    )
    now = _moment(dt.date(2025, 1, 1))
    suppliers = {inv.supplier_id for inv in dataset.invoices} | {o.supplier_id for o in dataset.orders}
    party_ids, account_ids = _Ids(Counterparty), _Ids(BankAccount)
    party_of = {s: party_ids.take() for s in sorted(suppliers)}
    names = {inv.supplier_id: inv.supplier_name for inv in dataset.invoices}
    _copy(
        Counterparty,
        [
            {
                "id": pk,
                **_sourced(f"{code}-S{s}", now),
                "name": names.get(s) or f"Supplier {s}",
                "is_supplier": True,
                "country": "DE",
            }
            for s, pk in party_of.items()
        ],
    )
    accounts = []
    for supplier, ibans in dataset.supplier_accounts.items():
        if supplier in party_of:
            for n, iban in enumerate(ibans):
                accounts.append(
                    {
                        "id": account_ids.take(),
                        **_sourced(f"{code}-A{supplier}-{n}", now),
                        "counterparty_id": party_of[supplier],
                        "name": "Account",
                        "iban": iban,
                        "country": iban[:2],
                        "currency": "EUR",
                        "is_active": True,
                    }
                )
    _copy(BankAccount, accounts)
    order_ids, line_ids = _Ids(PurchaseOrder), _Ids(PurchaseOrderLine)
    po_of, po_line_of = {}, {}
    orders, order_lines = [], []
    for order in dataset.orders:
        po_of[order.po_id] = order_ids.take()
        orders.append(
            {
                "id": po_of[order.po_id],
                **_sourced(f"{code}-{order.number}", now),
                "entity_id": entity.pk,
                "supplier_id": party_of[order.supplier_id],
                "number": order.number,
                "currency": order.currency,
                "ordered_on": dt.date(2025, 1, 1),
            }
        )
        for line in order.lines:
            po_line_of[(order.po_id, line.line_no)] = line_ids.take()
            order_lines.append(
                {
                    "id": po_line_of[(order.po_id, line.line_no)],
                    "purchase_order_id": po_of[order.po_id],
                    "line_no": line.line_no,
                    "item": line.item,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                }
            )
    _copy(PurchaseOrder, orders)
    _copy(PurchaseOrderLine, order_lines)
    _receipts_store(dataset, code, entity, po_of, po_line_of, now)
    invoice_of = _invoices_store(dataset, code, entity, party_of, po_of, po_line_of)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Stored(entity, invoice_of, dataset)


def _receipts_store(
    dataset: Dataset,
    code: str,
    entity: LegalEntity,
    po_of: dict[int, int],
    po_line_of: dict[tuple[int, int], int],
    now: dt.datetime,
) -> None:
    """One receipt per delivery of an order: its first receipt line of each order line goes in the
    first, the second in the second."""
    deliveries: dict[tuple[int, int], list[tuple[int, Decimal]]] = defaultdict(list)
    seen: dict[tuple[int, int], int] = defaultdict(int)
    for r in dataset.receipts:
        n = seen[(r.po_id, r.po_line_no)]
        seen[(r.po_id, r.po_line_no)] += 1
        deliveries[(r.po_id, n)].append((r.po_line_no, r.quantity))
    receipt_ids, line_ids = _Ids(GoodsReceipt), _Ids(GoodsReceiptLine)
    receipts, lines = [], []
    for (po_id, n), received in deliveries.items():
        pk = receipt_ids.take()
        receipts.append(
            {
                "id": pk,
                **_sourced(f"{code}-GR{po_id}-{n}", now),
                "entity_id": entity.pk,
                "purchase_order_id": po_of[po_id],
                "received_on": dt.date(2025, 1, 2),
            }
        )
        lines += [
            {"id": line_ids.take(), "receipt_id": pk, "po_line_id": po_line_of[(po_id, no)], "quantity": q}
            for no, q in received
        ]
    _copy(GoodsReceipt, receipts)
    _copy(GoodsReceiptLine, lines)


def _invoices_store(
    dataset: Dataset,
    code: str,
    entity: LegalEntity,
    party_of: dict[int, int],
    po_of: dict[int, int],
    po_line_of: dict[tuple[int, int], int],
) -> dict[int, int]:
    invoice_ids, line_ids = _Ids(Invoice), _Ids(InvoiceLine)
    invoice_of: dict[int, int] = {}
    invoices: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for inv in sorted(dataset.invoices, key=lambda i: i.invoice_id):
        pk = invoice_of[inv.invoice_id] = invoice_ids.take()
        paid = inv.standing is Standing.COMMITTED
        invoices.append(
            {
                "id": pk,
                **_sourced(f"{code}-I{inv.invoice_id}", _moment(inv.received_on)),
                "entity_id": entity.pk,
                "counterparty_id": party_of[inv.supplier_id],
                "direction": "AP",
                "number": inv.number,
                "currency": inv.currency,
                "amount": inv.amount,
                "tax_amount": inv.tax_amount,
                "open_amount": Decimal(0) if paid else inv.amount,
                "issue_on": inv.issue_on,
                "due_on": inv.issue_on + dt.timedelta(days=30),
                "po_number": inv.po_number,
                "purchase_order_id": po_of.get(inv.po_id) if inv.po_id is not None else None,
                "state": _STATE[inv.standing],
            }
        )
        for line in inv.lines:
            lines.append(
                {
                    "id": line_ids.take(),
                    "invoice_id": pk,
                    "line_no": line.line_no,
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "amount": (line.quantity * line.unit_price).quantize(Decimal("0.0001")),
                    "po_line_no": "" if line.po_line_no is None else str(line.po_line_no),
                    "po_line_id": po_line_of.get((inv.po_id, line.po_line_no)) if inv.po_id is not None else None,
                }
            )
    _copy(Invoice, invoices)
    _copy(InvoiceLine, lines)
    return invoice_of


def held_by_generator_id(
    stored: Stored, rows: Iterable[tuple[int, str, list[str]]]
) -> tuple[dict[int, tuple[str, ...]], set[int]]:
    """The verdicts read back (our invoice id, status, reasons), as the generator's ids: held
    invoices with their reasons, and the matched ones."""
    generator_id = {ours: theirs for theirs, ours in stored.invoice_ids.items()}
    held: dict[int, tuple[str, ...]] = {}
    matched: set[int] = set()
    for pk, status, reasons in rows:
        if status == "exception":
            held[generator_id[pk]] = tuple(reasons)
        elif status == "matched":
            matched.add(generator_id[pk])
    return held, matched
