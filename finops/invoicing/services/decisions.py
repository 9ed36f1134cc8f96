"""What people decide on supplier invoices: release a suspected duplicate, cancel an invoice,
accept a 3-way match variance (within their authority, or asked of a controller above it), approve.

Every decision locks the invoice, checks who may (404 outside the user's entities, 403 for a role
that may not), moves the invoice through the transition table, keeps its holds, variance
acceptances and exceptions in step, is audited, and announces ApInvoiceDecided so that the entity's
invoices are matched again (what one invoice bills bears on the others of its order).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from finops.accounts.models import User
from finops.accounts.roles import APPROVE_PAYMENTS, VIEW_ENTITY, WORK_PAYABLES
from finops.accounts.selectors import entities_for, holds_any, require_entity_perm
from finops.accounts.sod import require_not_maker
from finops.audit.services import audit_record
from finops.core.money import quantize
from finops.core.workflow import WorkflowError, transition
from finops.invoicing.events import ApInvoiceDecided
from finops.invoicing.models import Invoice, InvoiceHold, VarianceAcceptance
from finops.invoicing.selectors import Authority, ap_authority_of
from finops.invoicing.states import (
    AP_JUDGED_STATES,
    HoldReason,
    InvoiceDirection,
    InvoiceState,
    MatchStatus,
    VarianceState,
)
from finops.outbox.events import event_notify
from reconciliation.exceptions.services import exceptions_resolve_about
from reconciliation.exceptions.states import ExceptionKind

# Who decides on supplier invoices in an entity: its AP clerks and controllers.
DECIDE_PERMISSIONS = (WORK_PAYABLES, APPROVE_PAYMENTS)
AP_KINDS = (ExceptionKind.THREE_WAY_MISMATCH, ExceptionKind.DUPLICATE_INVOICE)


_NOT_RELEASED_BY_HAND: dict[str, str] = {
    HoldReason.MATCH_EXCEPTION: "A 3-way match exception is settled by accepting its variance.",
    HoldReason.SUPPLIER_BLOCKED: "This hold ends when the supplier is unblocked.",
    HoldReason.BANK_ACCOUNT: "This hold ends when the supplier's bank account is active.",
}


def _money(amount: object, currency: str) -> str:
    return f"{quantize(amount, currency):,} {currency}"  # type: ignore[arg-type]


def _lock_invoice(invoice_id: int, actor: User, perms: tuple[str, ...] = DECIDE_PERMISSIONS) -> Invoice:
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("entity").get(pk=invoice_id)
    if not entities_for(actor).filter(pk=invoice.entity_id).exists():
        raise Http404("No such record.")
    if not holds_any(actor, perms, invoice.entity):
        raise PermissionDenied("Your role in this entity does not decide on supplier invoices.")
    if invoice.direction != InvoiceDirection.AP:
        raise WorkflowError(f"Invoice {invoice.number} is a customer invoice.")
    return invoice


def _required(text: str, what: str) -> str:
    text = text.strip()
    if not text:
        raise WorkflowError(f"Say why {what}.")
    return text


def _touched(invoice: Invoice) -> None:
    Invoice.objects.filter(pk=invoice.pk).update(updated_at=timezone.now())


def _decided(invoice: Invoice, decision: str) -> None:
    # A match run that read the invoice before this decision leaves it alone (it compares the
    # invoice's last change) and the run asked for here judges it afresh.
    _touched(invoice)
    event_notify(ApInvoiceDecided(entity_id=invoice.entity_id, invoice_id=invoice.pk, decision=decision))


def _release(hold: InvoiceHold, *, actor: User | None, reason: str) -> None:
    released = InvoiceHold.objects.filter(pk=hold.pk, released_at__isnull=True).update(
        released_at=timezone.now(), released_by=actor, release_reason=reason
    )
    if released != 1:
        raise WorkflowError("This hold was released by someone else meanwhile. Reload the invoice.")
    audit_record(
        hold.invoice,
        action="hold.released",
        actor=actor,
        reason=reason,
        before={"hold": hold.reason, "detail": hold.detail},
    )


# --- suspected duplicates --------------------------------------------------------------------------


@transaction.atomic
def invoice_hold_release(*, hold_id: int, actor: User, reason: str) -> InvoiceHold:
    """An AP clerk (or controller) rules that a suspected duplicate is not one: the duplicate hold is
    released with the reason, which the duplicate rules respect from then on (that pair is never
    suspected again), and the duplicate exception is resolved. The next match run judges the
    invoice in full. Only duplicate holds are released this way: a match exception is accepted
    (variance_accept), a supplier's hold ends with its cause."""
    hold = InvoiceHold.objects.select_related("invoice", "original").get(pk=hold_id)
    invoice = _lock_invoice(hold.invoice_id, actor)
    hold.invoice = invoice
    if hold.released_at is not None:
        raise WorkflowError("This hold is already released.")
    if hold.reason != HoldReason.DUPLICATE:
        raise WorkflowError(_NOT_RELEASED_BY_HAND.get(hold.reason, "This hold cannot be released by hand."))
    reason = _required(reason, "it is not a duplicate")
    original = hold.original.number if hold.original else "its original"
    _release(hold, actor=actor, reason=f"Not a duplicate of {original}: {reason}")
    exceptions_resolve_about(
        obj=invoice,
        kinds=(ExceptionKind.DUPLICATE_INVOICE,),
        resolution=f"{actor.get_username()}: not a duplicate of {original} — {reason}",
        actor=actor,
    )
    _decided(invoice, "duplicate_released")
    return hold


@transaction.atomic
def invoice_cancel(*, invoice_id: int, actor: User, reason: str) -> Invoice:
    """Cancel a supplier invoice that will not be paid (a copy of another, one the supplier
    withdrew): received, matched or exception → cancelled, its holds released, a variance request
    declined, its AP exceptions resolved. It takes no part in matching from then on."""
    invoice = _lock_invoice(invoice_id, actor)
    reason = _required(reason, "the invoice is cancelled")
    if invoice.state not in AP_JUDGED_STATES:
        raise WorkflowError(
            f"Invoice {invoice.number} is {invoice.get_state_display().lower()}: only an invoice not yet "
            "approved can be cancelled."
        )
    transition(invoice, to=InvoiceState.CANCELLED, actor=actor, reason=reason)
    for hold in invoice.holds.select_for_update().filter(released_at__isnull=True):
        hold.invoice = invoice
        _release(hold, actor=actor, reason=f"Invoice cancelled: {reason}")
    for request in invoice.variance_acceptances.select_for_update().filter(state=VarianceState.REQUESTED):
        _variance_close(request, VarianceState.DECLINED, actor=actor, note=f"Invoice cancelled: {reason}")
    exceptions_resolve_about(
        obj=invoice, kinds=AP_KINDS, resolution=f"Invoice cancelled by {actor.get_username()}: {reason}", actor=actor
    )
    _decided(invoice, "cancelled")
    return invoice


# --- variances ---------------------------------------------------------------------------------------


def _match_exception_hold(invoice: Invoice) -> InvoiceHold:
    holds = {h.reason: h for h in invoice.holds.select_for_update().filter(released_at__isnull=True)}
    if HoldReason.DUPLICATE in holds:
        raise WorkflowError(
            f"Invoice {invoice.number} is held as a suspected duplicate: release that hold or cancel the invoice first."
        )
    hold = holds.get(HoldReason.MATCH_EXCEPTION)
    if invoice.state != InvoiceState.EXCEPTION or hold is None:
        raise WorkflowError(f"Invoice {invoice.number} has no 3-way match variance to accept.")
    hold.invoice = invoice
    return hold


def _accept(invoice: Invoice, hold: InvoiceHold, acceptance: VarianceAcceptance, *, actor: User, note: str) -> None:
    """The variance is accepted: the hold released, the invoice approved, the exception resolved."""
    amount = _money(acceptance.amount, acceptance.currency)
    _release(hold, actor=actor, reason=f"Variance of {amount} accepted: {note}")
    transition(invoice, to=InvoiceState.APPROVED, actor=actor, reason=f"variance of {amount} accepted: {note}")
    exceptions_resolve_about(
        obj=invoice,
        kinds=(ExceptionKind.THREE_WAY_MISMATCH,),
        resolution=f"Variance of {amount} accepted by {actor.get_username()}: {note}",
        actor=actor,
    )
    _decided(invoice, "variance_accepted")


@transaction.atomic
def variance_accept(*, invoice_id: int, actor: User, note: str) -> VarianceAcceptance:
    """Accept the variance of an invoice held for its 3-way match: within the person's authority
    (ApAuthority of their roles in the entity) it is accepted at once and the invoice approved;
    above it the request waits for a controller (variance_decide), who is never the one who asked.
    A suspected duplicate is settled first. Returns the acceptance (accepted, or requested)."""
    invoice = _lock_invoice(invoice_id, actor)
    note = _required(note, "the variance is accepted")
    hold = _match_exception_hold(invoice)
    if invoice.variance_acceptances.filter(state=VarianceState.REQUESTED).exists():
        raise WorkflowError(f"The variance of invoice {invoice.number} already waits for a controller.")
    amount, currency = hold.amount or 0, hold.currency or invoice.currency
    authority = ap_authority_of(actor, invoice.entity)
    now = timezone.now()
    common = {"invoice": invoice, "entity_id": invoice.entity_id, "hold": hold, "amount": amount, "currency": currency}
    reasons = list(getattr(getattr(invoice, "match", None), "reasons", []) or [])
    if authority.covers_variance(amount, currency):  # type: ignore[arg-type]
        acceptance = VarianceAcceptance.objects.create(
            **common,
            reasons=reasons,
            state=VarianceState.ACCEPTED,
            decided_by=actor,
            decided_at=now,
            decision_note=note,
        )
        audit_record(
            invoice,
            action="variance.accepted",
            actor=actor,
            reason=note,
            after={"amount": amount, "currency": currency},
        )
        _accept(invoice, hold, acceptance, actor=actor, note=note)
        return acceptance
    acceptance = VarianceAcceptance.objects.create(
        **common,
        reasons=reasons,
        state=VarianceState.REQUESTED,
        requested_by=actor,
        requested_at=now,
        request_note=note,
    )
    _touched(invoice)
    audit_record(
        invoice,
        action="variance.requested",
        actor=actor,
        reason=note,
        after={"amount": amount, "currency": currency, "authority": authority.describe(authority.variance_limit)},
    )
    return acceptance


def _variance_close(request: VarianceAcceptance, to: str, *, actor: User, note: str) -> None:
    VarianceAcceptance.objects.filter(pk=request.pk).update(
        decided_by=actor, decided_at=timezone.now(), decision_note=note
    )
    request.decided_by, request.decision_note = actor, note
    transition(request, to=to, actor=actor, reason=note)


@transaction.atomic
def variance_decide(*, acceptance_id: int, actor: User, accept: bool, note: str) -> VarianceAcceptance:
    """A controller decides a variance an AP clerk could not accept alone: accepted (the invoice is
    approved) or declined (with a reason; the invoice stays an exception). Never by the person who
    asked (segregation of duties; a database check backs it), and within the controller's own
    authority."""
    request = VarianceAcceptance.objects.select_related("hold").get(pk=acceptance_id)
    invoice = _lock_invoice(request.invoice_id, actor, perms=(APPROVE_PAYMENTS,))
    request = VarianceAcceptance.objects.select_for_update().select_related("hold").get(pk=acceptance_id)
    if request.state != VarianceState.REQUESTED:
        raise WorkflowError(f"This variance is already {request.get_state_display().lower()}.")
    require_not_maker(actor, request.requested_by_id, message="Whoever asked to accept a variance cannot decide it.")
    note = _required(note, "the variance is accepted" if accept else "the variance is declined")
    if not accept:
        _variance_close(request, VarianceState.DECLINED, actor=actor, note=note)
        return request
    authority = ap_authority_of(actor, invoice.entity)
    if not authority.covers_variance(request.amount, request.currency):
        raise PermissionDenied(
            f"The variance of {_money(request.amount, request.currency)} is above your authority "
            f"({authority.describe(authority.variance_limit)})."
        )
    hold = _match_exception_hold(invoice)
    if hold.pk != request.hold_id:
        raise WorkflowError("The invoice was matched again since the request; its variance changed. Ask again.")
    _variance_close(request, VarianceState.ACCEPTED, actor=actor, note=note)
    _accept(invoice, hold, request, actor=actor, note=note)
    return request


# --- approval ----------------------------------------------------------------------------------------


@transaction.atomic
def invoice_approve(*, invoice_id: int, actor: User, note: str = "") -> Invoice:
    """Approve a supplier invoice for payment: one that matched its order and receipts (where the
    entity does not approve those automatically), or one without a purchase order within the
    person's approval limit (above it a controller approves). An exception is approved by
    accepting its variance; an invoice not yet matched waits for the match run."""
    invoice = _lock_invoice(invoice_id, actor)
    match = getattr(invoice, "match", None)
    if invoice.state == InvoiceState.MATCHED:
        transition(invoice, to=InvoiceState.APPROVED, actor=actor, reason=note or "matched; approved")
    elif invoice.state == InvoiceState.RECEIVED and match is not None and match.status == MatchStatus.NEEDS_APPROVAL:
        authority: Authority = ap_authority_of(actor, invoice.entity)
        if not authority.covers_approval(invoice.amount, invoice.currency):
            raise PermissionDenied(
                f"Invoice {invoice.number} ({_money(invoice.amount, invoice.currency)}) is above your approval "
                f"limit for invoices without a purchase order ({authority.describe(authority.approval_limit)}): "
                "a controller approves it."
            )
        transition(invoice, to=InvoiceState.APPROVED, actor=actor, reason=note or "no purchase order; approved")
    elif invoice.state == InvoiceState.EXCEPTION:
        raise WorkflowError(f"Invoice {invoice.number} is a 3-way match exception: accept its variance to approve it.")
    elif invoice.state == InvoiceState.RECEIVED:
        raise WorkflowError(f"Invoice {invoice.number} has not been matched yet; run the 3-way match first.")
    else:
        raise WorkflowError(f"Invoice {invoice.number} is {invoice.get_state_display().lower()}.")
    _decided(invoice, "approved")
    return invoice


def require_decider(actor: User, invoice: Invoice, perms: tuple[str, ...] = DECIDE_PERMISSIONS) -> None:
    """404 outside the user's entities, 403 for a role that does not decide on supplier invoices
    there (`perms`: AP clerks and controllers; controllers alone for a variance an AP clerk asked)."""
    require_entity_perm(actor, VIEW_ENTITY, invoice.entity)
    if not holds_any(actor, perms, invoice.entity):
        raise PermissionDenied("Your role in this entity does not decide on supplier invoices.")
