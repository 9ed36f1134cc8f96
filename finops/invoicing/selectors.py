"""Permission-scoped reads of invoices, and what AP control asks about them: the entity's AP policy,
a person's authority, and whether an invoice may be paid (and if not, why)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from finops.accounts.models import User
from finops.accounts.roles import Role
from finops.accounts.selectors import roles_in
from finops.core.money import quantize
from finops.core.scoping import scoped, scoped_get
from finops.invoicing.models import ApAuthority, ApPolicy, Invoice, InvoiceHold, VarianceAcceptance
from finops.invoicing.states import HoldReason, InvoiceDirection, InvoiceState, MatchStatus, VarianceState
from finops.masterdata.models import BankAccount, BankAccountChange, LegalEntity
from finops.masterdata.selectors import PENDING_CHANGE_STATES


def _held() -> Exists:
    return Exists(InvoiceHold.objects.filter(invoice=OuterRef("pk"), released_at__isnull=True))


def invoice_list(*, user: User) -> QuerySet[Invoice]:
    """The user's invoices, each with `is_held` (an active hold keeps it from payment)."""
    return scoped(Invoice.objects.select_related("entity", "counterparty").annotate(is_held=_held()), user)


def invoice_get(*, user: User, pk: int) -> Invoice:
    return scoped_get(
        Invoice.objects.select_related("entity", "counterparty", "purchase_order").prefetch_related("lines"),
        user,
        pk=pk,
    )


def invoice_control_get(*, user: User, pk: int) -> Invoice:
    """An invoice with what AP control shows about it: its verdict, its holds (with their originals)
    and its variance acceptances."""
    return scoped_get(
        Invoice.objects.select_related(
            "entity", "counterparty", "purchase_order", "match", "match__duplicate_of", "match__purchase_order"
        )
        .annotate(is_held=_held())
        .prefetch_related(
            "lines",
            Prefetch("holds", InvoiceHold.objects.select_related("original", "placed_by", "released_by")),
            Prefetch("variance_acceptances", VarianceAcceptance.objects.select_related("requested_by", "decided_by")),
        ),
        user,
        pk=pk,
    )


def hold_list(*, user: User) -> QuerySet[InvoiceHold]:
    return scoped(InvoiceHold.objects.select_related("invoice", "original"), user)


# --- policy and authority ----------------------------------------------------------------------


def ap_policy_of(entity: LegalEntity) -> ApPolicy:
    """The entity's AP policy; the product's defaults (an unsaved row) when it has none."""
    return ApPolicy.objects.filter(entity=entity).first() or ApPolicy(entity=entity)


# Without a row: an AP clerk decides nothing alone, a controller has no limit.
DEFAULT_LIMITS: dict[str, Decimal | None] = {Role.AP_CLERK: Decimal(0), Role.CONTROLLER: None}


@dataclass(frozen=True)
class Authority:
    """What a person may decide on supplier invoices in an entity: accept a variance up to
    `variance_limit`, approve an invoice without an order up to `approval_limit` (None: no limit),
    in `currency` (the entity's base currency). `roles` are the roles it comes from; none means
    the person decides nothing on supplier invoices there."""

    roles: tuple[str, ...]
    variance_limit: Decimal | None
    approval_limit: Decimal | None
    currency: str

    def covers(self, amount: Decimal, currency: str, *, limit: Decimal | None) -> bool:
        if not self.roles:
            return False
        if limit is None:
            return True
        return currency == self.currency and amount <= limit

    def covers_variance(self, amount: Decimal, currency: str) -> bool:
        return self.covers(amount, currency, limit=self.variance_limit)

    def covers_approval(self, amount: Decimal, currency: str) -> bool:
        return self.covers(amount, currency, limit=self.approval_limit)

    def describe(self, limit: Decimal | None) -> str:
        return "no limit" if limit is None else f"{quantize(limit, self.currency):,} {self.currency}"


def _widest(limits: list[Decimal | None]) -> Decimal | None:
    if not limits or any(limit is None for limit in limits):
        return None if limits else Decimal(0)
    return max(limit for limit in limits if limit is not None)


def ap_authority_of(user: User, entity: LegalEntity) -> Authority:
    """The user's authority in `entity`: the widest of the AP roles they hold there (AP clerk,
    controller), from the entity's ApAuthority rows or the defaults."""
    roles = [role for role in roles_in(user, entity) if role in DEFAULT_LIMITS]
    rows = {a.role: a for a in ApAuthority.objects.filter(entity=entity, role__in=roles)}
    variance: list[Decimal | None] = []
    approval: list[Decimal | None] = []
    for role in roles:
        row = rows.get(role)
        variance.append(row.variance_limit if row else DEFAULT_LIMITS[role])
        approval.append(row.approval_limit if row else DEFAULT_LIMITS[role])
    return Authority(tuple(roles), _widest(variance), _widest(approval), entity.base_currency)


def ap_authorities_of(entity: LegalEntity) -> list[ApAuthority]:
    """One row per AP role of the entity, stored or (unsaved) with the defaults, for the policy page."""
    stored = {a.role: a for a in ApAuthority.objects.filter(entity=entity)}
    return [
        stored.get(role) or ApAuthority(entity=entity, role=role, variance_limit=limit, approval_limit=limit)
        for role, limit in DEFAULT_LIMITS.items()
    ]


def variance_requests_waiting(*, user: User) -> QuerySet[VarianceAcceptance]:
    """Variances AP clerks asked a controller to accept, in the user's entities."""
    return scoped(
        VarianceAcceptance.objects.filter(state=VarianceState.REQUESTED).select_related("invoice", "requested_by"),
        user,
    )


# --- payable, or why not --------------------------------------------------------------------------


@dataclass(frozen=True)
class Payability:
    """Whether an invoice may be proposed for payment now, and every reason it may not."""

    invoice_id: int
    reasons: tuple[str, ...]

    @property
    def payable(self) -> bool:
        return not self.reasons


_NOT_APPROVED: dict[str, str] = {
    InvoiceState.RECEIVED: "it is not approved yet: the 3-way match has not judged it",
    InvoiceState.MATCHED: "it matched its order and receipts but is not approved yet",
    InvoiceState.EXCEPTION: "its 3-way match exception is not resolved",
    InvoiceState.PROPOSED: "it is already proposed for payment",
    InvoiceState.PAID: "it is paid",
    InvoiceState.RECONCILED: "it is paid and reconciled",
    InvoiceState.CANCELLED: "it is cancelled",
}


def invoices_payability(invoice_ids: Collection[int]) -> dict[int, Payability]:
    """For each invoice: may it be proposed for payment, and if not, why (set-based: a handful of
    queries however many invoices). The payment services ask this before they allocate an invoice
    to a payment (finops.invoicing.services.invoices_propose); the database refuses a held invoice
    anyway (migration invoicing 0004). An invoice is payable when it is an AP invoice, approved,
    with something open, without an active hold, from a supplier that is not blocked and has an
    active bank account without a pending change."""
    invoices = list(
        Invoice.objects.filter(pk__in=invoice_ids).values(
            "pk",
            "direction",
            "state",
            "open_amount",
            "counterparty_id",
            "counterparty__is_blocked",
            "match__status",
        )
    )
    holds: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for invoice_id, reason, detail in (
        InvoiceHold.objects.filter(invoice_id__in=invoice_ids, released_at__isnull=True)
        .order_by("placed_at", "pk")
        .values_list("invoice_id", "reason", "detail")
    ):
        holds[invoice_id].append((reason, detail))
    suppliers = {row["counterparty_id"] for row in invoices}
    account_problem = supplier_bank_problems(suppliers)
    result: dict[int, Payability] = {}
    for row in invoices:
        reasons: list[str] = []
        if row["direction"] != InvoiceDirection.AP:
            reasons.append("it is a customer invoice")
        elif row["state"] != InvoiceState.APPROVED:
            if row["state"] == InvoiceState.RECEIVED and row["match__status"] == MatchStatus.NEEDS_APPROVAL:
                reasons.append("it quotes no purchase order and waits for an approver")
            else:
                reasons.append(_NOT_APPROVED.get(row["state"], f"it is {row['state']}"))
        if row["open_amount"] <= 0:
            reasons.append("nothing is open on it")
        held = holds.get(row["pk"], [])
        reasons.extend(f"on hold ({HoldReason(reason).label.lower()}): {detail}" for reason, detail in held)
        codes = {reason for reason, _ in held}
        if row["counterparty__is_blocked"] and HoldReason.SUPPLIER_BLOCKED not in codes:
            reasons.append("the supplier is blocked")
        problem = account_problem.get(row["counterparty_id"])
        if problem and HoldReason.BANK_ACCOUNT not in codes:
            reasons.append(problem)
        result[row["pk"]] = Payability(row["pk"], tuple(reasons))
    return result


def invoice_payability(invoice: Invoice) -> Payability:
    return invoices_payability([invoice.pk])[invoice.pk]


def supplier_bank_problems(supplier_ids: Collection[int]) -> dict[int, str]:
    """Why each supplier cannot be paid now for its bank details, for those that cannot: no active
    bank account, or every active one has a change of its details pending."""
    active: dict[int, list[int]] = defaultdict(list)
    for account_id, supplier_id in BankAccount.objects.filter(
        counterparty_id__any=list(supplier_ids), is_active=True
    ).values_list("pk", "counterparty_id"):
        active[supplier_id].append(account_id)
    pending = set(
        BankAccountChange.objects.filter(
            bank_account_id__any=[a for accounts in active.values() for a in accounts], state__in=PENDING_CHANGE_STATES
        ).values_list("bank_account_id", flat=True)
    )
    problems: dict[int, str] = {}
    for supplier_id in supplier_ids:
        accounts = active.get(supplier_id, [])
        if not accounts:
            problems[supplier_id] = "the supplier has no active bank account"
        elif all(a in pending for a in accounts):
            problems[supplier_id] = "a change of the supplier's bank details is waiting for verification"
    return problems
