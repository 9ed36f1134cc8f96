"""Purchase to pay: orders and receipts, the supplier invoices that follow them, monthly service
invoices, 3-way differences (a price above the order's, more billed than received, an invoice
for goods not yet delivered) and duplicates. Old invoices are paid or approved; recent ones are
received and wait for the 3-way match, which the seed runs last (finops.demo.seed.matching): it
must hold exactly the differences and duplicates planted here (`Purchasing.planted`)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from finops.demo.names import SERVICE_ITEMS
from finops.demo.seed.context import CENT, HISTORY_DAYS, PAYMENT_TERMS, catalog_price, chance, month_name
from finops.demo.seed.entities import ENTITIES, EntitySpec
from finops.demo.seed.invoices import DraftLine, InvoiceDraft, invoices_save
from finops.demo.seed.orders import OrderPlan, orders_plan, orders_save
from finops.demo.seed.parties import Parties
from finops.invoicing.states import InvoiceDirection, InvoiceState
from finops.masterdata.models import Counterparty, LegalEntity

SERVICE_INVOICES_PER_ENTITY = 24
PRICE_MISMATCHES_PER_ENTITY = 4
QUANTITY_MISMATCHES_PER_ENTITY = 3
DUPLICATES_PER_ENTITY = 2

S = InvoiceState


@dataclass
class Purchasing:
    invoices: list[InvoiceDraft]
    order_count: int
    receipt_count: int
    planted: dict[str, frozenset[str]]
    """What the first 3-way match must hold: invoice external id -> the reason codes it may give
    (at least one of them)."""


def purchasing_create(
    rng: random.Random, entities: dict[str, LegalEntity], parties: Parties, today: dt.date, window: list[dt.date]
) -> Purchasing:
    plans: list[OrderPlan] = []
    drafts: list[InvoiceDraft] = []
    for spec in ENTITIES:
        entity_plans = orders_plan(rng, spec, entities[spec.code], parties.suppliers[spec.code], today)
        entity_drafts = supplier_invoices_plan(rng, spec, entity_plans, today, window)
        entity_drafts += service_invoices_plan(
            rng,
            spec,
            entities[spec.code],
            parties.suppliers[spec.code],
            today,
            window,
            first_seq=len(entity_drafts) + 1,
        )
        mismatches_apply(rng, entity_drafts, entity_plans, today)
        entity_drafts += billed_before_delivery(rng, spec, entity_plans, first_seq=len(entity_drafts) + 1)
        for draft in entity_drafts:
            _paid_in_window(draft, window)
        supplier_numbers_assign(rng, entity_drafts)
        entity_drafts += duplicates_plan(rng, entity_drafts, today)
        plans += entity_plans
        drafts += entity_drafts
    paid_orders = {id(d.purchase_order) for d in drafts if d.state == S.PAID and d.duplicate_of is None}
    for plan in plans:
        plan.order.is_closed = plan.is_fully_received and id(plan.order) in paid_orders
    receipt_count = orders_save(rng, plans)
    invoices_save(drafts, rng)
    return Purchasing(drafts, len(plans), receipt_count, planted(drafts))


def ap_state(rng: random.Random, issue_on: dt.date, today: dt.date, window: list[dt.date]) -> str:
    """Where a clean supplier invoice stands: old ones paid, recent ones still being matched."""
    due_on = issue_on + PAYMENT_TERMS
    if due_on < window[0]:
        return S.PAID if chance(rng, 85) else S.APPROVED
    if due_on <= window[-1]:
        return S.PAID if chance(rng, 60) else S.APPROVED
    age = (today - issue_on).days
    if age > 14:
        return S.APPROVED if chance(rng, 70) else S.RECEIVED
    if age > 4:
        chance(rng, 60)  # (drawn as before, so the rest of the demo stays the same)
    return S.RECEIVED


def _paid_in_window(draft: InvoiceDraft, window: list[dt.date]) -> None:
    """We pay on the last business day before the due date; only days with a statement matter."""
    due_on = draft.issue_on + PAYMENT_TERMS
    if draft.state == S.PAID and window[0] <= due_on:
        draft.cash_on = max(d for d in window if d <= due_on)
        draft.cash_amount = draft.amount


def supplier_invoices_plan(
    rng: random.Random, spec: EntitySpec, plans: list[OrderPlan], today: dt.date, window: list[dt.date]
) -> list[InvoiceDraft]:
    drafts: list[InvoiceDraft] = []
    for plan in plans:
        if not plan.receipts:
            continue
        last_received_on = max(on for on, _ in plan.receipts)
        issue_on = min(last_received_on + dt.timedelta(days=rng.randint(0, 6)), today)
        lines: list[DraftLine] = [
            (line.item, got, line.unit_price, line)
            for line, got in zip(plan.lines, plan.received, strict=True)
            if got > 0
        ]
        draft = InvoiceDraft(
            spec=spec,
            entity=plan.order.entity,
            counterparty=plan.order.supplier,
            direction=InvoiceDirection.AP,
            issue_on=issue_on,
            lines=lines,
            external_id=f"AP-{spec.code}-{len(drafts) + 1:06d}",
            purchase_order=plan.order,
        )
        draft.received_value = draft.net
        draft.state = ap_state(rng, issue_on, today, window)
        drafts.append(draft)
    return drafts


def service_invoices_plan(
    rng: random.Random,
    spec: EntitySpec,
    entity: LegalEntity,
    suppliers: list[Counterparty],
    today: dt.date,
    window: list[dt.date],
    *,
    first_seq: int,
) -> list[InvoiceDraft]:
    """Monthly services billed without a purchase order (energy, cleaning, IT)."""
    drafts = []
    for n in range(SERVICE_INVOICES_PER_ENTITY):
        issue_on = today - dt.timedelta(days=rng.randint(0, HISTORY_DAYS - 1))
        item = rng.choice(SERVICE_ITEMS)
        service_month = issue_on.replace(day=1) - dt.timedelta(days=1)
        text = item.description.format(month=month_name(service_month))
        draft = InvoiceDraft(
            spec=spec,
            entity=entity,
            counterparty=rng.choice(suppliers),
            direction=InvoiceDirection.AP,
            issue_on=issue_on,
            lines=[(text, Decimal(1), catalog_price(rng, item, spec.currency), None)],
            external_id=f"AP-{spec.code}-{first_seq + n:06d}",
        )
        draft.state = ap_state(rng, issue_on, today, window)  # received: waits for an approver (no order)
        drafts.append(draft)
    return drafts


def mismatches_apply(rng: random.Random, drafts: list[InvoiceDraft], plans: list[OrderPlan], today: dt.date) -> None:
    """Some suppliers charge more than the order price, some bill more than was delivered. Only
    recent invoices: an old mismatch would long since have been settled."""
    recent = [d for d in drafts if d.purchase_order is not None and (today - d.issue_on).days <= 35]
    partial_orders = {id(p.order) for p in plans if p.receipts and not p.is_fully_received}
    price = rng.sample(recent, PRICE_MISMATCHES_PER_ENTITY)
    rest = [d for d in recent if d not in price]
    partial = [d for d in rest if id(d.purchase_order) in partial_orders]
    quantity = rng.sample(partial or rest, min(QUANTITY_MISMATCHES_PER_ENTITY, len(partial or rest)))
    for draft in price:
        i = rng.randrange(len(draft.lines))
        text, qty, unit_price, po_line = draft.lines[i]
        raised = max((unit_price * (100 + rng.randint(3, 9)) / 100).quantize(CENT), unit_price + CENT)
        draft.lines[i] = (text, qty, raised, po_line)
        draft.mismatch, draft.state = "price", S.RECEIVED
    lines_of = {id(p.order): p.lines for p in plans}
    for draft in quantity:
        assert draft.purchase_order is not None
        ordered = lines_of[id(draft.purchase_order)]
        if id(draft.purchase_order) in partial_orders:  # billed the whole order, only part delivered
            draft.lines = [(line.item, line.quantity, line.unit_price, line) for line in ordered]
        else:
            text, qty, unit_price, po_line = draft.lines[0]
            draft.lines[0] = (
                text,
                qty + max(Decimal(1), (qty / 20).to_integral_value(ROUND_DOWN)),
                unit_price,
                po_line,
            )
        draft.mismatch, draft.state = "quantity", S.RECEIVED


def billed_before_delivery(
    rng: random.Random, spec: EntitySpec, plans: list[OrderPlan], *, first_seq: int
) -> list[InvoiceDraft]:
    """A supplier that bills an order before anything of it was delivered."""
    waiting = [p for p in plans if not p.receipts]
    if not waiting:
        return []
    plan = rng.choice(waiting)
    draft = InvoiceDraft(
        spec=spec,
        entity=plan.order.entity,
        counterparty=plan.order.supplier,
        direction=InvoiceDirection.AP,
        issue_on=plan.order.ordered_on + dt.timedelta(days=1),
        lines=[(line.item, line.quantity, line.unit_price, line) for line in plan.lines],
        external_id=f"AP-{spec.code}-{first_seq:06d}",
        purchase_order=plan.order,
        state=S.RECEIVED,
        mismatch="no_receipt",
    )
    return [draft]


SUPPLIER_NUMBER_STYLES = {
    "DE": ("RE-{year}-{n:05d}", "{year}{n:06d}"),
    "GB": ("INV-{n:06d}", "SI{n:05d}"),
    "US": ("{n:06d}", "INV-{n}"),
    "FR": ("FA{year}-{n:05d}",),
    "NL": ("F{year}-{n:04d}",),
}


def supplier_numbers_assign(rng: random.Random, drafts: list[InvoiceDraft]) -> None:
    """Each supplier numbers its invoices its own way, rising with the date."""
    state: dict[int, tuple[str, int]] = {}
    for draft in sorted(drafts, key=lambda d: (d.issue_on, d.external_id)):
        supplier = draft.counterparty
        if supplier.pk not in state:
            state[supplier.pk] = (rng.choice(SUPPLIER_NUMBER_STYLES[supplier.country]), rng.randint(1200, 48000))
        style, n = state[supplier.pk]
        n += rng.randint(1, 40)  # the supplier billed other customers in between
        state[supplier.pk] = (style, n)
        draft.number = style.format(year=draft.issue_on.year, n=n)


def duplicates_plan(rng: random.Random, drafts: list[InvoiceDraft], today: dt.date) -> list[InvoiceDraft]:
    """The same supplier invoice arriving twice (post and e-mail), once already paid or approved."""
    candidates = [
        d
        for d in drafts
        if d.purchase_order is not None
        and not d.mismatch
        and d.state in (S.PAID, S.APPROVED, S.MATCHED)
        and (today - d.issue_on).days <= 45
    ]
    duplicates = []
    for n, original in enumerate(rng.sample(candidates, DUPLICATES_PER_ENTITY), start=1):
        code = original.spec.code
        # the second copy was typed from paper: lower case, without its dashes
        number = original.number if n == 1 else original.number.lower().replace("-", " ")
        duplicates.append(
            InvoiceDraft(
                spec=original.spec,
                entity=original.entity,
                counterparty=original.counterparty,
                direction=InvoiceDirection.AP,
                issue_on=original.issue_on,
                lines=list(original.lines),
                external_id=f"AP-{code}-{len(drafts) + n:06d}",
                state=S.RECEIVED,
                number=number,
                purchase_order=original.purchase_order,
                received_value=original.received_value,
                duplicate_of=original,
            )
        )
    return duplicates


_CODES = {
    "price": ("price_variance",),
    # billed the whole order of which part arrived (a line still on back order: nothing received of
    # it); or a line billed beyond a full delivery, which is beyond the order too
    "quantity": ("quantity_variance", "over_billed", "missing_receipt"),
    "no_receipt": ("missing_receipt",),
}


def planted(drafts: list[InvoiceDraft]) -> dict[str, frozenset[str]]:
    """The invoices the first 3-way match must hold, with the reason codes each may give."""
    found: dict[str, frozenset[str]] = {}
    for d in drafts:
        if d.mismatch:
            found[d.external_id] = frozenset(_CODES[d.mismatch])
        if d.duplicate_of is not None:
            # a copy bills the goods its original billed: once released it is a quantity question
            found[d.external_id] = frozenset({"duplicate"})
    return found
