"""Holds on supplier invoices, set-based: what a match run places, updates and lifts in one go.

Each change is audited on the invoice it is about (so the invoice's page shows it). A person's
release of one hold goes through finops.invoicing.services.decisions, which checks who may.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from finops.accounts.models import User
from finops.audit.context import current_correlation_id
from finops.audit.services import AuditEntry, audit_entries
from finops.core.bulk import rows_copy
from finops.core.workflow import WorkflowError
from finops.invoicing.models import Invoice, InvoiceHold

_INVOICE = Invoice._meta.label


@dataclass(frozen=True)
class HoldDraft:
    """A hold a match run wants active on an invoice."""

    invoice_id: int
    reason: str
    detail: str
    amount: Decimal | None = None
    currency: str = ""
    original_id: int | None = None


@dataclass(frozen=True)
class ActiveHold:
    pk: int
    invoice_id: int
    reason: str
    detail: str
    amount: Decimal | None
    currency: str
    original_id: int | None

    def differs_from(self, draft: HoldDraft) -> bool:
        return (self.detail, self.amount, self.currency, self.original_id) != (
            draft.detail,
            draft.amount,
            draft.currency,
            draft.original_id,
        )


def holds_active_of(*, entity_id: int, reasons: Collection[str]) -> dict[tuple[int, str], ActiveHold]:
    """The entity's active holds of `reasons`, by (invoice, reason)."""
    rows = InvoiceHold.objects.filter(entity_id=entity_id, reason__in=reasons, released_at__isnull=True)
    values = rows.values_list("pk", "invoice_id", "reason", "detail", "amount", "currency", "original_id")
    return {(row[1], row[2]): ActiveHold(*row) for row in values}


def _entry(
    invoice_id: int,
    labels: Mapping[int, str],
    entity_id: int,
    *,
    before: Mapping[str, object] | None = None,
    after: Mapping[str, object] | None = None,
) -> AuditEntry:
    label = labels.get(invoice_id, f"invoice {invoice_id}")
    return AuditEntry(_INVOICE, str(invoice_id), label, entity_id, "", before=before, after=after)


_HOLD_FIELDS = (
    "invoice_id",
    "entity_id",
    "reason",
    "detail",
    "amount",
    "currency",
    "original_id",
    "placed_at",
    "placed_by_id",
    "release_reason",
    "correlation_id",
)


def holds_place_many(
    *, entity_id: int, drafts: Sequence[HoldDraft], labels: Mapping[int, str], actor: User | None = None
) -> int:
    """Place the holds, set-based and audited (hold.placed on each invoice). Callers pass holds not
    active yet (holds_active_of); one already active breaks the one-active-hold-per-reason
    constraint and the caller's transaction rolls back."""
    if not drafts:
        return 0
    now, correlation_id = timezone.now(), current_correlation_id()
    placed_by = actor.pk if actor is not None else None
    rows_copy(
        InvoiceHold,
        _HOLD_FIELDS,
        (
            (
                d.invoice_id,
                entity_id,
                d.reason,
                d.detail,
                d.amount,
                d.currency,
                d.original_id,
                now,
                placed_by,
                "",
                correlation_id,
            )
            for d in drafts
        ),
    )
    audit_entries(
        (
            _entry(
                d.invoice_id,
                labels,
                entity_id,
                after={"hold": d.reason, "detail": d.detail, "amount": d.amount, "original": d.original_id},
            )
            for d in drafts
        ),
        action="hold.placed",
        actor=actor,
    )
    return len(drafts)


def holds_update_many(
    *, entity_id: int, changes: Sequence[tuple[ActiveHold, HoldDraft]], labels: Mapping[int, str]
) -> int:
    """Bring active holds up to date with what a later run found (the findings, the variance at
    stake, the original), set-based and audited (hold.updated)."""
    if not changes:
        return 0
    InvoiceHold.objects.bulk_update(
        [
            InvoiceHold(
                pk=old.pk, detail=new.detail, amount=new.amount, currency=new.currency, original_id=new.original_id
            )
            for old, new in changes
        ],
        ["detail", "amount", "currency", "original_id"],
        batch_size=2000,
    )
    audit_entries(
        (
            _entry(
                old.invoice_id,
                labels,
                entity_id,
                before={"hold": old.reason, "detail": old.detail, "amount": old.amount},
                after={"hold": new.reason, "detail": new.detail, "amount": new.amount},
            )
            for old, new in changes
        ),
        action="hold.updated",
        actor=None,
    )
    return len(changes)


def holds_release_many(
    *,
    entity_id: int,
    holds: Sequence[ActiveHold],
    reason: str,
    labels: Mapping[int, str],
    actor: User | None = None,
) -> int:
    """Lift active holds, with the reason, set-based and audited (hold.released). A compare-and-swap
    on released_at: a hold somebody released meanwhile raises WorkflowError (nothing is lifted, the
    caller's transaction rolls back)."""
    if not holds:
        return 0
    released = InvoiceHold.objects.filter(pk__any=[h.pk for h in holds], released_at__isnull=True).update(
        released_at=timezone.now(), released_by=actor, release_reason=reason
    )
    if released != len(holds):
        raise WorkflowError("A hold was released by someone else meanwhile; run the match again.")
    audit_entries(
        (_entry(h.invoice_id, labels, entity_id, before={"hold": h.reason, "detail": h.detail}) for h in holds),
        action="hold.released",
        actor=actor,
        reason=reason,
    )
    return released


def not_duplicate_rulings(*, entity_id: int) -> dict[int, frozenset[int]]:
    """The duplicate suspicions a person ruled out (a duplicate hold they released), by invoice: the
    originals each invoice is not a duplicate of. Holds lifted by a run (the cause went away) are
    no ruling."""
    rulings: dict[int, set[int]] = {}
    for invoice_id, original_id in InvoiceHold.objects.filter(
        Q(entity_id=entity_id, reason="duplicate", released_at__isnull=False, released_by__isnull=False)
    ).values_list("invoice_id", "original_id"):
        rulings.setdefault(invoice_id, set()).add(original_id)
    return {invoice_id: frozenset(originals) for invoice_id, originals in rulings.items()}
