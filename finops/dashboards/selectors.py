"""What each role's home page shows: queues with real counts, entities, recent activity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from finops.accounts.models import User
from finops.accounts.roles import Role
from finops.accounts.selectors import entities_for
from finops.audit.models import AuditEvent
from finops.core.selectors import process_health
from finops.invoicing.selectors import invoice_list
from finops.invoicing.states import InvoiceDirection, InvoiceState
from finops.masterdata.models import BankAccountChange
from finops.masterdata.states import BankAccountChangeState
from finops.payables.models import Approval
from finops.payables.selectors import batch_list, payment_list
from finops.payables.states import BatchState, PaymentState
from finops.treasury.models import StatementLine, StatementLineState
from reconciliation.exceptions.selectors import open_counts_by_kind
from reconciliation.exceptions.states import ExceptionKind


@dataclass(frozen=True)
class Card:
    label: str
    count: int
    url: str
    hint: str = ""
    amounts: tuple[tuple[str, Decimal], ...] = ()
    is_alert: bool = False
    status: str = ""  # shown instead of the count for health cards ("Running", "Down")


def _url(name: str, **query: object) -> str:
    return reverse(name) + (f"?{urlencode(query)}" if query else "")


def _exception_cards(user: User, kinds: list[ExceptionKind]) -> list[Card]:
    counts = open_counts_by_kind(user=user)
    return [
        Card(
            kind.label,
            counts.get(kind, 0),
            _url("reconciliation:exception-list", kind=kind.value, state="open"),
            "open items",
            is_alert=counts.get(kind, 0) > 0,
        )
        for kind in kinds
    ]


def _sums_by_currency(rows: QuerySet, field: str) -> tuple[tuple[str, Decimal], ...]:  # type: ignore[type-arg]
    return tuple(
        (r["currency"], r["total"]) for r in rows.values("currency").annotate(total=Sum(field)).order_by("currency")
    )


def ap_clerk_cards(user: User) -> list[Card]:
    ap = invoice_list(user=user).filter(direction=InvoiceDirection.AP)
    due_soon = ap.filter(
        state__in=[InvoiceState.MATCHED, InvoiceState.APPROVED],
        due_on__lte=timezone.now().date() + dt.timedelta(days=7),
    )
    return [
        *_exception_cards(
            user, [ExceptionKind.THREE_WAY_MISMATCH, ExceptionKind.DUPLICATE_INVOICE, ExceptionKind.REJECTED_PAYMENT]
        ),
        Card(
            "Invoices awaiting match",
            ap.filter(state=InvoiceState.RECEIVED).count(),
            _url("invoicing:invoice-list", direction="AP", state="received"),
        ),
        Card(
            "Approved invoices due within 7 days",
            due_soon.count(),
            _url("invoicing:invoice-list", direction="AP"),
            amounts=_sums_by_currency(due_soon, "open_amount"),
        ),
        Card(
            "Draft payment batches",
            batch_list(user=user).filter(state=BatchState.DRAFT).count(),
            _url("payables:batch-list", state="draft"),
        ),
    ]


def treasury_cards(user: User) -> list[Card]:
    unmatched = StatementLine.objects.filter(
        statement__entity__in=entities_for(user), state=StatementLineState.UNMATCHED
    )
    return [
        *_exception_cards(
            user,
            [
                ExceptionKind.UNAPPLIED_CASH,
                ExceptionKind.UNMATCHED_REMITTANCE,
                ExceptionKind.BANK_RECONCILIATION,
                ExceptionKind.BALANCE_MISMATCH,
            ],
        ),
        Card(
            "Unmatched statement lines",
            unmatched.count(),
            _url("treasury:statement-list"),
            amounts=_sums_by_currency(unmatched, "amount"),
        ),
        Card(
            "Payments awaiting bank acknowledgement",
            payment_list(user=user).filter(state=PaymentState.RELEASED).count(),
            _url("payables:payment-list", state="released"),
        ),
    ]


def controller_cards(user: User) -> list[Card]:
    decided_this_round = Approval.objects.filter(
        batch=OuterRef("pk"), approver=user, round=OuterRef("submission_round")
    )
    pending = (
        batch_list(user=user)
        .filter(state=BatchState.PENDING_APPROVAL)
        .exclude(Q(created_by=user) | Q(submitted_by=user))
        .exclude(Exists(decided_this_round))
    )
    changes = BankAccountChange.objects.filter(entity__in=entities_for(user), state=BankAccountChangeState.REQUESTED)
    return [
        Card(
            "Payment batches awaiting your approval",
            pending.count(),
            _url("payables:batch-list", state="pending_approval"),
            amounts=_sums_by_currency(pending, "control_sum"),
            is_alert=pending.exists(),
        ),
        Card(
            "Bank-account changes to verify",
            changes.count(),
            _url("masterdata:bankchange-list", state="requested"),
            hint="requested, waiting for a controller who did not request them",
            is_alert=changes.exists(),
        ),
        *_exception_cards(user, [ExceptionKind.REJECTED_PAYMENT, ExceptionKind.BALANCE_MISMATCH]),
    ]


def admin_cards(user: User) -> list[Card]:
    cards = _exception_cards(user, [ExceptionKind.SYNC_FAILURE, ExceptionKind.MASTER_DATA_CONFLICT])
    for health in process_health():
        seen = health["seen_at"]
        cards.append(
            Card(
                f"{str(health['name']).capitalize()} process",
                1 if health["is_alive"] else 0,
                "",
                hint=f"last seen {seen:%H:%M:%S} UTC" if seen else "never seen",
                is_alert=not health["is_alive"],
                status="Running" if health["is_alive"] else "Down",
            )
        )
    return cards


def auditor_cards(user: User) -> list[Card]:
    today = timezone.now() - dt.timedelta(days=1)
    return [
        Card(
            "Audit events in the last 24 hours",
            AuditEvent.objects.filter(entity__in=entities_for(user), occurred_at__gte=today).count(),
            _url("audit:event-list"),
        ),
        Card(
            "Open exceptions",
            sum(open_counts_by_kind(user=user).values()),
            _url("reconciliation:exception-list", state="open"),
        ),
        Card(
            "Batches approved or released",
            batch_list(user=user)
            .filter(state__in=[BatchState.APPROVED, BatchState.RELEASED, BatchState.TRANSMITTED])
            .count(),
            _url("payables:batch-list"),
        ),
    ]


CARDS_OF_ROLE = {
    Role.AP_CLERK: ap_clerk_cards,
    Role.TREASURY_ANALYST: treasury_cards,
    Role.CONTROLLER: controller_cards,
    Role.ADMIN: admin_cards,
    Role.AUDITOR: auditor_cards,
}


def entity_summaries(user: User) -> list[dict[str, object]]:
    return list(
        entities_for(user)
        .annotate(
            open_invoices=Count("invoices", filter=Q(invoices__open_amount__gt=0), distinct=True),
            bank_account_count=Count("bank_accounts", distinct=True),
        )
        .values("pk", "code", "name", "country", "base_currency", "open_invoices", "bank_account_count")
    )


def recent_activity(user: User, *, limit: int = 10) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(entity__in=entities_for(user))
        .select_related("entity")
        .order_by("-occurred_at", "-id")[:limit]
    )
