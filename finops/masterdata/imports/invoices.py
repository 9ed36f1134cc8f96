"""invoices: external_id,direction,counterparty_external_id,legal_entity,currency,amount,open_amount,
issue_date,due_date[,po_number] — upsert by (source, external_id); the external id is the number.

An AP invoice is changed by an import only while it is received, in exception or matched (the
states in which finops/invoicing/upserts.py lets a connector change it too): a file that would
change an approved or paid one is refused, so amounts under approval cannot move underneath the
approver. An AR invoice follows its open amount: issued → partially paid → paid, by transition.
A new AR invoice is announced (invoice-issued); a lowered open amount as cash applied."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from finops.accounts.models import User
from finops.audit.context import current_correlation_id
from finops.audit.services import audit_record
from finops.core.workflow import allowed_targets, transition
from finops.invoicing.events import invoice_issued_publish
from finops.invoicing.models import Invoice
from finops.invoicing.states import InvoiceDirection, InvoiceState
from finops.invoicing.upserts import invoice_payment_reported
from finops.masterdata.imports.base import Checker, Columns, Row, Tally
from finops.masterdata.imports.links import entity_links_add
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
# Compared with the stored invoice; the ones an import may set while the invoice is still new.
_FIELDS = ("amount", "open_amount", "issue_on", "due_on", "purchase_order_id")
EDITABLE_STATES = {
    InvoiceDirection.AP: (InvoiceState.RECEIVED, InvoiceState.EXCEPTION, InvoiceState.MATCHED),
    InvoiceDirection.AR: (InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID),
}
_FIXED = {
    "direction": "direction",
    "entity_id": "legal_entity",
    "counterparty_id": "counterparty_external_id",
    "currency": "currency",
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

    def values(self) -> dict[str, Any]:
        return {
            "direction": self.direction,
            "entity_id": self.entity.pk if self.entity else None,
            "counterparty_id": self.counterparty.pk if self.counterparty else None,
            "currency": self.currency,
            "amount": self.amount,
            "open_amount": self.open_amount,
            "issue_on": self.issue_on,
            "due_on": self.due_on,
            "purchase_order_id": self.purchase_order.pk if self.purchase_order else None,
        }


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
        if current is not None:
            _check_existing(checker, item, current)
        planned.append(item)
    return planned


def _check_existing(checker: Checker, item: Planned, current: Invoice) -> None:
    values = item.values()
    for attribute, column in _FIXED.items():
        if values[attribute] is not None and values[attribute] != getattr(current, attribute):
            checker.fail(
                item.row, column, f"Invoice {current.number} exists with a different {column}; it cannot change."
            )
    changing = [f for f in _FIELDS if values[f] is not None and values[f] != getattr(current, f)]
    if changing and current.state not in EDITABLE_STATES[InvoiceDirection(current.direction)]:
        checker.fail(
            item.row,
            {"issue_on": "issue_date", "due_on": "due_date", "purchase_order_id": "po_number"}.get(
                changing[0], changing[0]
            ),
            f"Invoice {current.number} is {current.get_state_display().lower()}; an import cannot change it any more.",
        )


def _ar_state(amount: Decimal, open_amount: Decimal) -> str:
    if open_amount == 0 and amount > 0:
        return InvoiceState.PAID
    return InvoiceState.PARTIALLY_PAID if open_amount < amount else InvoiceState.ISSUED


def _initial_state(item: Planned) -> str:
    if item.direction == InvoiceDirection.AP or item.amount is None or item.open_amount is None:
        return InvoiceState.RECEIVED
    return _ar_state(item.amount, item.open_amount)


def write(planned: list[Planned], *, tally: Tally, source: str, actor: User | None) -> None:
    """Idempotent: invoices are keyed by (source, external_id) and an equal invoice is untouched."""
    existing = {
        i.external_id: i
        for i in Invoice.objects.select_for_update().filter(
            source=source, external_id__in=[p.external_id for p in planned]
        )
    }
    links: set[tuple[int, int]] = set()
    for item in planned:
        # plan() refused the file otherwise
        assert item.entity is not None
        assert item.counterparty is not None
        links.add((item.counterparty.pk, item.entity.pk))
        values = item.values()
        current = existing.get(item.external_id)
        if current is None:
            invoice = Invoice.objects.create(
                source=source,
                external_id=item.external_id,
                number=item.external_id,
                state=_initial_state(item),
                **values,
            )
            audit_record(invoice, action="invoice.imported", actor=actor, reason=f"from {source}", after=values)
            if invoice.direction == InvoiceDirection.AR:
                invoice_issued_publish(invoice, actor=actor)
            tally.count("created")
            continue
        changed = {f: values[f] for f in _FIELDS if values[f] is not None and values[f] != getattr(current, f)}
        if not changed:
            tally.count("unchanged")
            continue
        before = {f: getattr(current, f) for f in changed}
        Invoice.objects.filter(pk=current.pk).update(**changed, updated_at=timezone.now())
        for field, value in changed.items():
            setattr(current, field, value)
        audit_record(
            current, action="invoice.updated", actor=actor, reason=f"from {source}", before=before, after=changed
        )
        if current.direction == InvoiceDirection.AR:
            assert item.amount is not None
            assert item.open_amount is not None
            target = _ar_state(item.amount, item.open_amount)
            if target != current.state and target in allowed_targets(current):
                transition(current, to=target, actor=actor, reason=f"open amount from {source}")
            if "open_amount" in changed:
                invoice_payment_reported(
                    current,
                    open_before=before["open_amount"],
                    reported_by=source,
                    occurrence=f"{source}:import:{current_correlation_id()}",
                    actor=actor,
                )
        tally.count("updated")
    entity_links_add(links)
