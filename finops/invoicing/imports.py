"""invoices: external_id,direction,counterparty_external_id,legal_entity,currency,amount,open_amount,
issue_date,due_date[,po_number] — the `import_records invoices` kind. The external id is the number.

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
from finops.invoicing.models import Invoice
from finops.invoicing.states import InvoiceDirection
from finops.invoicing.upserts import InvoiceData, invoice_refusal, invoices_upsert
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
        purchase_order = None
        if row["po_number"]:
            purchase_order = orders.get((entity.pk, row["po_number"])) if entity else None
            if direction == InvoiceDirection.AR:
                checker.fail(row, "po_number", "Only supplier (AP) invoices refer to our purchase orders.")
            elif entity is not None and purchase_order is None:
                checker.fail(row, "po_number", f"{row['po_number']!r} is not a purchase order of {entity.code}.")
            elif (
                purchase_order is not None
                and counterparty is not None
                and purchase_order.supplier_id != counterparty.pk
            ):
                checker.fail(row, "po_number", f"PO {purchase_order.number} was ordered from another supplier.")
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
