"""The `import_records` kinds of invoicing:

invoices: external_id,direction,counterparty_external_id,legal_entity,currency,amount,open_amount,
issue_date,due_date[,po_number]. The external id is the number. A supplier invoice quoting an order
we do not hold (or another supplier's) is imported with the number it quotes: the 3-way match holds
it (no_po), it is not refused.

invoice_lines: invoice_external_id,line_no,po_line_no,item,quantity,unit_price — the lines of
invoices imported before from the same source; po_line_no is the order line a supplier invoice's
line bills (blank for none). Lines are keyed by invoice and line number.

plan() checks every row and asks the write path's own rules (finops.invoicing.upserts.invoice_refusal)
of every invoice already stored, so a file that would change an AP invoice already approved here is
refused naming its line, before anything is written. write() hands the whole file to
invoices_upsert, the write path the connectors use, set-based. An AR invoice follows its open
amount: issued → partially paid → paid, by transition. A new AR invoice is announced
(invoice-issued); a lowered open amount as cash applied."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from finops.accounts.models import User
from finops.audit.context import current_correlation_id
from finops.invoicing.models import Invoice, InvoiceLine
from finops.invoicing.states import InvoiceDirection
from finops.invoicing.upserts import (
    InvoiceData,
    InvoiceLineData,
    invoice_line_refusal,
    invoice_lines_upsert,
    invoice_refusal,
    invoices_upsert,
)
from finops.masterdata.imports import Checker, Columns, Row, Tally, write_through
from finops.masterdata.models import Counterparty, LegalEntity
from finops.masterdata.selectors import counterparties_by_reference
from finops.payables.models import PurchaseOrder

COLUMNS = Columns(
    required=(
        "external_id",
        "direction",
        "counterparty_external_id",
        "legal_entity",
        "currency",
        "amount",
        "open_amount",
        "issue_date",
        "due_date",
    ),
    optional=("po_number",),
)
# The invoice's column a refusal names, per field of InvoiceData.values()
_COLUMN_OF = {
    "counterparty_id": "counterparty_external_id",
    "entity": "legal_entity",
    "issue_on": "issue_date",
    "due_on": "due_date",
    "purchase_order_id": "po_number",
}


@dataclass(frozen=True)
class Planned:
    row: Row
    external_id: str
    direction: str
    entity: LegalEntity | None
    counterparty: Counterparty | None
    currency: str
    amount: Decimal | None
    open_amount: Decimal | None
    issue_on: dt.date | None
    due_on: dt.date | None
    purchase_order: PurchaseOrder | None
    po_number: str = ""

    def data(self, source: str, *, report: str = "") -> InvoiceData | None:
        """What the write path takes; None while a cell of the row is wrong (the file is refused)."""
        if (
            self.entity is None
            or self.counterparty is None
            or self.amount is None
            or self.open_amount is None
            or self.issue_on is None
            or self.due_on is None
        ):
            return None
        return InvoiceData(
            source=source,
            external_id=self.external_id,
            version=None,
            entity=self.entity,
            counterparty=self.counterparty,
            direction=self.direction,
            number=self.external_id,
            currency=self.currency,
            amount=self.amount,
            open_amount=self.open_amount,
            issue_on=self.issue_on,
            due_on=self.due_on,
            purchase_order=self.purchase_order,
            po_number=self.po_number,
            report=report,
        )


def _purchase_orders(rows: list[Row], entities: dict[str, LegalEntity]) -> dict[tuple[int, str], PurchaseOrder]:
    numbers: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        entity = entities.get(row["legal_entity"])
        if entity is not None and row["po_number"]:
            numbers[entity.pk].add(row["po_number"])
    found: dict[tuple[int, str], PurchaseOrder] = {}
    for entity_id, wanted in numbers.items():
        for po in PurchaseOrder.objects.filter(entity_id=entity_id, number__in=wanted):
            found[(entity_id, po.number)] = po
    return found


def plan(rows: list[Row], checker: Checker, *, source: str) -> list[Planned]:
    entities = LegalEntity.objects.in_bulk({row["legal_entity"] for row in rows}, field_name="code")
    parties = counterparties_by_reference(source=source, external_ids={row["counterparty_external_id"] for row in rows})
    orders = _purchase_orders(rows, entities)
    existing = {
        i.external_id: i
        for i in Invoice.objects.filter(source=source, external_id__in={row["external_id"] for row in rows})
    }
    seen: dict[tuple[str, ...], int] = {}
    planned = []
    for row in rows:
        external_id = checker.text(row, "external_id", max_length=64)
        if external_id:
            checker.unique(row, (external_id,), "external_id", seen)
        direction = checker.choice(row, "direction", InvoiceDirection.values)
        entity = entities.get(row["legal_entity"])
        if entity is None:
            checker.fail(row, "legal_entity", f"{row['legal_entity']!r} is not a known legal entity code.")
        counterparty = parties.get(row["counterparty_external_id"])
        if counterparty is None:
            checker.fail(
                row,
                "counterparty_external_id",
                f"{row['counterparty_external_id']!r} is not a counterparty known to {source}.",
            )
        elif direction == InvoiceDirection.AP and not counterparty.is_supplier:
            checker.fail(row, "counterparty_external_id", f"{counterparty.name} is not a supplier (AP invoice).")
        elif direction == InvoiceDirection.AR and not counterparty.is_customer:
            checker.fail(row, "counterparty_external_id", f"{counterparty.name} is not a customer (AR invoice).")
        currency = checker.currency(row, "currency")
        amount, open_amount = checker.amount(row, "amount", currency), checker.amount(row, "open_amount", currency)
        if amount is not None and open_amount is not None and open_amount > amount:
            checker.fail(row, "open_amount", f"{open_amount} is more than the amount {amount}.")
        issue_on, due_on = checker.date(row, "issue_date"), checker.date(row, "due_date")
        if issue_on and due_on and due_on < issue_on:
            checker.fail(row, "due_date", f"{due_on} is before the issue date {issue_on}.")
        # An order we do not hold (yet), or another supplier's, is not bad input: the invoice is kept
        # with the number it quotes and the 3-way match holds it (no_po) for AP to work.
        po_number = checker.text(row, "po_number", required=False, max_length=64)
        purchase_order = orders.get((entity.pk, po_number)) if entity and po_number else None
        if po_number and direction == InvoiceDirection.AR:
            checker.fail(row, "po_number", "Only supplier (AP) invoices refer to our purchase orders.")
        item = Planned(
            row,
            external_id,
            direction,
            entity,
            counterparty,
            currency,
            amount,
            open_amount,
            issue_on,
            due_on,
            purchase_order,
            po_number,
        )
        current = existing.get(external_id)
        data = item.data(source)
        if current is not None and data is not None:
            refusal = invoice_refusal(current, data)
            if refusal is not None:
                checker.fail(row, _COLUMN_OF.get(refusal[0], refusal[0]), refusal[1])
        planned.append(item)
    return planned


def write(planned: list[Planned], *, tally: Tally, source: str, actor: User | None) -> None:
    """Idempotent: invoices are keyed by (source, external_id) and an equal invoice is untouched."""
    report = f"{source}:import:{current_correlation_id()}"
    write_through(
        planned,
        lambda item: item.data(source, report=report),
        lambda batch: invoices_upsert(batch, actor=actor),
        tally=tally,
    )


# --- invoice lines ---------------------------------------------------------------------------------

LINE_COLUMNS = Columns(required=("invoice_external_id", "line_no", "po_line_no", "item", "quantity", "unit_price"))
_PO_LINE_NO_MAX = 16


def lines_plan(rows: list[Row], checker: Checker, *, source: str) -> list[InvoiceLineData]:
    invoices = {
        i.external_id: i
        for i in Invoice.objects.filter(source=source, external_id__in={row["invoice_external_id"] for row in rows})
    }
    stored = {
        (line.invoice_id, line.line_no): line for line in InvoiceLine.objects.filter(invoice__in=invoices.values())
    }
    seen: dict[tuple[str, ...], int] = {}
    planned = []
    for row in rows:
        invoice = invoices.get(row["invoice_external_id"])
        if invoice is None:
            checker.fail(
                row,
                "invoice_external_id",
                f"{row['invoice_external_id']!r} is not an invoice imported from {source}; import the invoices first.",
            )
        line_no = checker.integer(row, "line_no")
        if line_no is not None:
            checker.unique(row, (row["invoice_external_id"], str(line_no)), "line_no", seen)
        po_line_no = row["po_line_no"]
        if po_line_no and (not po_line_no.isascii() or not po_line_no.isdigit() or len(po_line_no) > _PO_LINE_NO_MAX):
            checker.fail(row, "po_line_no", f"{po_line_no!r} is not an order line number (digits, blank for none).")
            po_line_no = ""
        item = checker.text(row, "item", max_length=300)
        quantity = checker.decimal(row, "quantity")
        unit_price = checker.decimal(row, "unit_price")
        if invoice is None or line_no is None or quantity is None or unit_price is None:
            continue
        data = InvoiceLineData(invoice, line_no, item, quantity, unit_price, po_line_no)
        refusal = invoice_line_refusal(stored.get((invoice.pk, line_no)), data)
        if refusal is not None:
            checker.fail(row, "po_line_no" if "customer invoice" in refusal else "line_no", refusal)
        planned.append(data)
    return planned


def lines_write(planned: list[InvoiceLineData], *, tally: Tally, source: str, actor: User | None) -> None:
    """Idempotent: lines are keyed by (invoice, line number) and an equal line is untouched."""
    for data, outcome in zip(planned, invoice_lines_upsert(planned, actor=actor), strict=True):
        tally.count(outcome)
        tally.entity_ids.add(data.invoice.entity_id)
