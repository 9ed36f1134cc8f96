"""Everything the AP engines need about one entity, read set-based (a fixed number of queries,
whatever the number of invoices) and turned into the engines' plain records (ap_model).

What is read:
- the open supplier invoices (received, matched, exception): each gets a verdict;
- the committed ones (approved, proposed, paid, reconciled) issued at most LOOKBACK_DAYS before the
  oldest open one, and every committed one on an order an open invoice quotes: they count as billed and may be the
  originals of duplicates (cancelled invoices take no part, so they are not read);
- the lines of all of them, the orders they quote with their lines, what was received of each
  order line (summed per line in the database), the suppliers' bank accounts (for the shared-account
  duplicate rule) and whether each supplier is blocked or cannot be paid for its bank details;
- a person's rulings that an invoice is not a duplicate of another (duplicate holds they released).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Min, Q, QuerySet, Sum
from django.utils import timezone

from finops.invoicing.models import ApPolicy, Invoice, InvoiceLine
from finops.invoicing.selectors import ap_policy_of, supplier_bank_problems
from finops.invoicing.services.holds import not_duplicate_rulings
from finops.invoicing.states import AP_COMMITTED_STATES, AP_JUDGED_STATES, InvoiceDirection, InvoiceState
from finops.masterdata.models import BankAccount, Counterparty, LegalEntity
from finops.payables.models import GoodsReceiptLine, PurchaseOrder, PurchaseOrderLine
from reconciliation.engines.ap_model import ApInvoice, ApInvoiceLine, Order, OrderLine, ReceiptLine, Standing
from reconciliation.engines.ap_model import ApPolicy as EnginePolicy

LOOKBACK_DAYS = 550
"""How far back committed invoices are read as possible originals of a duplicate (by issue day,
before the oldest open invoice's): eighteen months, so that last year's invoice with this year's
number is still seen."""


@dataclass(frozen=True, slots=True)
class Stored:
    """What the write compares with: an invoice as stored when it was read."""

    number: str
    state: str
    supplier_id: int
    correlation_id: str
    updated_at: dt.datetime

    @property
    def label(self) -> str:
        return f"AP {self.number}"


@dataclass
class Loaded:
    entity: LegalEntity
    policy: EnginePolicy
    invoices: list[ApInvoice] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    receipts: list[ReceiptLine] = field(default_factory=list)
    supplier_accounts: dict[int, list[str]] = field(default_factory=dict)
    stored: dict[int, Stored] = field(default_factory=dict)
    """Every invoice read, and the approved ones of any age (a supplier's hold applies to them)."""
    open_ids: list[int] = field(default_factory=list)
    supplier_names: dict[int, str] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    bank_problems: dict[int, str] = field(default_factory=dict)
    order_numbers: dict[int, str] = field(default_factory=dict)

    def label(self, invoice_id: int) -> str:
        stored = self.stored.get(invoice_id)
        return stored.label if stored else f"invoice {invoice_id}"


def engine_policy(policy: ApPolicy) -> EnginePolicy:
    """The entity's policy row as the engines take it."""
    return EnginePolicy(
        price_tolerance_pct=policy.price_tolerance_pct,
        price_tolerance_amount=policy.price_tolerance_amount,
        quantity_tolerance_pct=policy.quantity_tolerance_pct,
        duplicate_window_days=policy.duplicate_window_days,
        auto_approve_matched=policy.auto_approve_matched,
    )


def _read(entity: LegalEntity, today: dt.date) -> QuerySet[Invoice]:
    """The entity's supplier invoices the engines read (see the module's docstring)."""
    ap = Invoice.objects.filter(entity=entity, direction=InvoiceDirection.AP)
    judged = ap.filter(state__in=AP_JUDGED_STATES)
    oldest = judged.aggregate(oldest=Min("issue_on"))["oldest"] or today
    open_orders = judged.filter(purchase_order__isnull=False).values("purchase_order_id")
    committed = Q(state__in=AP_COMMITTED_STATES) & (
        Q(issue_on__gte=oldest - dt.timedelta(days=LOOKBACK_DAYS)) | Q(purchase_order_id__in=open_orders)
    )
    return ap.filter(Q(state__in=AP_JUDGED_STATES) | committed)


def _standing(state: str) -> Standing:
    return Standing.OPEN if state in AP_JUDGED_STATES else Standing.COMMITTED


def ap_load(entity: LegalEntity, *, today: dt.date | None = None) -> Loaded:
    """Read what the engines need about the entity's supplier invoices (module docstring)."""
    today = today or timezone.now().date()
    loaded = Loaded(entity=entity, policy=engine_policy(ap_policy_of(entity)))
    invoices = _read(entity, today)
    lines: dict[int, list[ApInvoiceLine]] = defaultdict(list)
    for invoice_id, line_no, quantity, unit_price, po_line_no, description in (
        InvoiceLine.objects.filter(invoice__in=invoices)
        .order_by()
        .values_list("invoice_id", "line_no", "quantity", "unit_price", "po_line_no", "description")
    ):
        lines[invoice_id].append(
            ApInvoiceLine(line_no, quantity, unit_price, int(po_line_no) if po_line_no else None, description)
        )
    rulings = not_duplicate_rulings(entity_id=entity.pk)
    suppliers: set[int] = set()
    for (
        pk,
        supplier_id,
        number,
        currency,
        amount,
        tax_amount,
        issue_on,
        created_at,
        po_number,
        po_id,
        state,
        correlation_id,
        supplier_name,
        updated_at,
    ) in invoices.order_by().values_list(
        "pk",
        "counterparty_id",
        "number",
        "currency",
        "amount",
        "tax_amount",
        "issue_on",
        "created_at",
        "po_number",
        "purchase_order_id",
        "state",
        "correlation_id",
        "counterparty__name",
        "updated_at",
    ):
        standing = _standing(state)
        loaded.invoices.append(
            ApInvoice(
                invoice_id=pk,
                supplier_id=supplier_id,
                number=number,
                currency=currency,
                amount=amount,
                issue_on=issue_on,
                received_on=created_at.date(),  # stored in UTC
                tax_amount=tax_amount,
                po_number=po_number,
                po_id=po_id,
                lines=tuple(lines.get(pk, ())),
                standing=standing,
                supplier_name=supplier_name,
                not_duplicate_of=rulings.get(pk, frozenset()),
            )
        )
        loaded.stored[pk] = Stored(number, state, supplier_id, correlation_id, updated_at)
        if standing is Standing.OPEN:
            loaded.open_ids.append(pk)
        suppliers.add(supplier_id)
    _approved_of_any_age(loaded, suppliers)
    _orders(loaded, invoices)
    _suppliers(loaded, suppliers)
    return loaded


def _approved_of_any_age(loaded: Loaded, suppliers: set[int]) -> None:
    """Approved invoices older than the look-back are not read by the engines, but a hold for their
    supplier (blocked, bank account not active) applies to them as much."""
    for pk, supplier_id, number, correlation_id, updated_at in (
        Invoice.objects.filter(entity=loaded.entity, direction=InvoiceDirection.AP, state=InvoiceState.APPROVED)
        .order_by()
        .values_list("pk", "counterparty_id", "number", "correlation_id", "updated_at")
    ):
        if pk not in loaded.stored:
            loaded.stored[pk] = Stored(number, InvoiceState.APPROVED, supplier_id, correlation_id, updated_at)
            suppliers.add(supplier_id)


def _orders(loaded: Loaded, invoices: QuerySet[Invoice]) -> None:
    orders = PurchaseOrder.objects.filter(
        entity=loaded.entity, pk__in=invoices.filter(purchase_order__isnull=False).values("purchase_order_id")
    )
    order_lines: dict[int, list[OrderLine]] = defaultdict(list)
    for po_id, line_no, quantity, unit_price, item in (
        PurchaseOrderLine.objects.filter(purchase_order__in=orders)
        .order_by()
        .values_list("purchase_order_id", "line_no", "quantity", "unit_price", "item")
    ):
        order_lines[po_id].append(OrderLine(line_no, quantity, unit_price, item))
    for po_id, number, supplier_id, currency, supplier_name in orders.order_by().values_list(
        "pk", "number", "supplier_id", "currency", "supplier__name"
    ):
        loaded.orders.append(
            Order(po_id, number, supplier_id, currency, tuple(order_lines.get(po_id, ())), supplier_name)
        )
        loaded.order_numbers[po_id] = number
    received = (
        GoodsReceiptLine.objects.filter(receipt__purchase_order__in=orders)
        .order_by()
        .values("receipt__purchase_order_id", "po_line__line_no")
        .annotate(quantity=Sum("quantity"))
        .values_list("receipt__purchase_order_id", "po_line__line_no", "quantity")
    )
    loaded.receipts = [ReceiptLine(po_id, line_no, quantity) for po_id, line_no, quantity in received]


def _suppliers(loaded: Loaded, suppliers: set[int]) -> None:
    accounts: dict[int, list[str]] = defaultdict(list)
    for supplier_id, iban, country, bank_code, number in BankAccount.objects.filter(
        counterparty_id__any=list(suppliers), is_active=True
    ).values_list("counterparty_id", "iban", "country", "bank_code", "account_number"):
        accounts[supplier_id].append(iban or f"{country}/{bank_code}/{number}")
    loaded.supplier_accounts = dict(accounts)
    for pk, name, is_blocked in Counterparty.objects.filter(pk__any=list(suppliers)).values_list(
        "pk", "name", "is_blocked"
    ):
        loaded.supplier_names[pk] = name
        if is_blocked:
            loaded.blocked.add(pk)
    loaded.bank_problems = supplier_bank_problems(suppliers)
