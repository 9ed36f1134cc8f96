"""Writes on payment batches. Money moves only through an approved batch; the maker of a
batch can never approve it; amounts at or above the entity's threshold need two approvers; an
approved batch is released to the bank as a whole, and each payment released is announced.

Released, a batch goes to the bank either over a channel an integration provides (the bank's API:
finops.payables.channels; the channel writes its outbox message in the release transaction, sends
it and records the bank's id) or as a file someone downloads and uploads to the bank, then marks
as sent."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Sum
from django.http import Http404
from django.utils import timezone

from finops.accounts.models import User
from finops.accounts.roles import APPROVE_PAYMENTS, WORK_PAYABLES
from finops.accounts.selectors import entities_for, require_entity_perm
from finops.accounts.sod import require_not_maker
from finops.audit.services import audit_record
from finops.core.workflow import WorkflowError, transition
from finops.masterdata.events import BankAccountDecided, BankAccountOnHold
from finops.masterdata.models import BankAccount
from finops.masterdata.selectors import bank_account_hold_reason
from finops.outbox.events import event_notify
from finops.payables.channels import bank_channel_for
from finops.payables.events import BatchReleased, payment_released_publish
from finops.payables.models import Approval, Payment, PaymentBatch
from finops.payables.payment_files import (
    PaymentFile,
    batch_file_payments,
    payment_file_build,
    payment_file_format,
)
from finops.payables.selectors import approvals_required, batch_submission_messages, may_release
from finops.payables.states import ApprovalDecision, BatchState, PaymentState
from reconciliation.exceptions.services import exception_open
from reconciliation.exceptions.states import ExceptionKind

# --- payments held while their bank details are not verified ---------------------------------


def payment_hold(payment: Payment, *, reason: str, actor: User | None = None) -> None:
    """proposed → held with the reason shown on the payment. Callers pass a proposed payment."""
    transition(payment, to=PaymentState.HELD, actor=actor, reason=reason)
    Payment.objects.filter(pk=payment.pk).update(status_reason=reason[:200])
    payment.status_reason = reason[:200]


def payment_hold_if_unverified(payment: Payment, *, actor: User | None = None) -> bool:
    """Call when a payment is proposed: hold it while its beneficiary account is not active or
    has a pending bank-detail change. Returns whether the payment is held.

    Idempotent: a payment already held stays held and is not audited twice; a payment to a
    verified account, or one past proposed, is left as it is."""
    if payment.state == PaymentState.HELD:
        return True
    if payment.state != PaymentState.PROPOSED:
        return False
    reason = bank_account_hold_reason(payment.beneficiary_account)
    if not reason:
        return False
    with transaction.atomic():
        payment_hold(payment, reason=reason, actor=actor)
    return True


def payments_hold_to(account: BankAccount, *, reason: str, actor: User | None) -> int:
    """proposed → held for every payment to `account`, in pk order; how many were held."""
    held = 0
    for payment in (
        Payment.objects.select_for_update()
        .filter(beneficiary_account=account, state=PaymentState.PROPOSED)
        .order_by("pk")
    ):
        payment_hold(payment, reason=reason, actor=actor)
        held += 1
    return held


def payments_release_to(account: BankAccount, *, actor: User | None, reason: str) -> int:
    """held → proposed for payments to `account`, once nothing about the account is pending."""
    account.refresh_from_db()
    if bank_account_hold_reason(account):
        return 0
    released = 0
    for payment in (
        Payment.objects.select_for_update().filter(beneficiary_account=account, state=PaymentState.HELD).order_by("pk")
    ):
        transition(payment, to=PaymentState.PROPOSED, actor=actor, reason=reason)
        Payment.objects.filter(pk=payment.pk).update(status_reason="")
        released += 1
    return released


def bank_account_on_hold(event: BankAccountOnHold) -> None:
    """Subscriber of BankAccountOnHold (registered in finops.payables.registrations)."""
    payments_hold_to(event.account, reason=event.reason, actor=event.actor)


def bank_account_decided(event: BankAccountDecided) -> None:
    """Subscriber of BankAccountDecided (registered in finops.payables.registrations)."""
    payments_release_to(event.account, actor=event.actor, reason=event.reason)


# --- batches -----------------------------------------------------------------------------------


@transaction.atomic
def batch_submit(*, batch_id: int, user: User) -> PaymentBatch:
    """Freeze the batch's totals and send it for approval. Idempotent through the state CAS."""
    batch = PaymentBatch.objects.select_for_update().select_related("entity").get(pk=batch_id)
    require_entity_perm(user, WORK_PAYABLES, batch.entity)
    totals = batch.payments.aggregate(total=Sum("amount"), count=Count("id"))
    if not totals["count"]:
        raise WorkflowError("An empty batch cannot be submitted.")
    PaymentBatch.objects.filter(pk=batch.pk).update(
        control_sum=totals["total"] or Decimal(0),
        payment_count=totals["count"],
        submitted_by=user,
        submitted_at=timezone.now(),
        submission_round=F("submission_round") + 1,
    )
    batch.refresh_from_db()
    transition(
        batch,
        to=BatchState.PENDING_APPROVAL,
        actor=user,
        extra={"control_sum": batch.control_sum, "payment_count": batch.payment_count},
    )
    return batch


@transaction.atomic
def batch_approve(*, batch_id: int, approver: User, comment: str = "") -> PaymentBatch:
    """Record one approval; the batch becomes approved when the policy's count is reached."""
    batch = PaymentBatch.objects.select_for_update().select_related("entity").get(pk=batch_id)
    require_entity_perm(approver, APPROVE_PAYMENTS, batch.entity)
    require_not_maker(
        approver, batch.created_by_id, batch.submitted_by_id, message="The maker of a batch cannot approve it."
    )
    if batch.state != BatchState.PENDING_APPROVAL:
        raise WorkflowError(f"Batch {batch.external_id} is {batch.get_state_display().lower()}, not pending approval.")
    this_round = batch.approvals.filter(round=batch.submission_round)
    if this_round.filter(approver=approver).exists():
        raise WorkflowError("You have already approved this batch; another approver is needed.")
    Approval.objects.create(
        batch=batch,
        approver=approver,
        maker=batch.created_by,
        round=batch.submission_round,
        decision=ApprovalDecision.APPROVED,
        comment=comment,
        decided_at=timezone.now(),
    )
    approved = this_round.filter(decision=ApprovalDecision.APPROVED).count()
    if approved >= approvals_required(batch):
        transition(
            batch,
            to=BatchState.APPROVED,
            actor=approver,
            reason=comment,
            stamp="approved_at",
            extra={"approvals": approved},
        )
    else:
        audit_record(
            batch,
            action="approval.recorded",
            actor=approver,
            reason=comment,
            after={"approvals": approved, "required": approvals_required(batch)},
        )
    return batch


@transaction.atomic
def batch_decline(*, batch_id: int, approver: User, reason: str) -> PaymentBatch:
    """Send the batch back to its maker with a reason (required)."""
    if not reason.strip():
        raise WorkflowError("Say why the batch is declined.")
    batch = PaymentBatch.objects.select_for_update().select_related("entity").get(pk=batch_id)
    require_entity_perm(approver, APPROVE_PAYMENTS, batch.entity)
    require_not_maker(
        approver, batch.created_by_id, batch.submitted_by_id, message="The maker of a batch cannot decide on it."
    )
    if batch.state != BatchState.PENDING_APPROVAL:
        raise WorkflowError(f"Batch {batch.external_id} is {batch.get_state_display().lower()}, not pending approval.")
    if batch.approvals.filter(round=batch.submission_round, approver=approver).exists():
        # one decision per approver and round (the database refuses a second one too)
        raise WorkflowError("You have already approved this batch; ask another approver to decline it.")
    Approval.objects.create(
        batch=batch,
        approver=approver,
        maker=batch.created_by,
        round=batch.submission_round,
        decision=ApprovalDecision.DECLINED,
        comment=reason,
        decided_at=timezone.now(),
    )
    transition(batch, to=BatchState.DRAFT, actor=approver, reason=reason)
    return batch


def _require_release_rights(actor: User, batch: PaymentBatch) -> None:
    if not entities_for(actor).filter(pk=batch.entity_id).exists():
        raise Http404("No such record.")
    if not may_release(actor, batch):
        raise PermissionDenied("Your role in this entity does not allow releasing payments to the bank.")


@transaction.atomic
def batch_release(*, batch_id: int, actor: User | None) -> PaymentBatch:
    """Release an approved batch to the bank: the batch and each proposed payment move to released
    (payments locked in pk order) and each payment is announced (payment-released), in one
    transaction. When a channel serves the debtor account (the bank's API, see
    finops.payables.channels), the batch's pain.001 is handed to it in the same transaction
    (BatchReleased; it writes a bank.payment_submission outbox message); otherwise the file is
    downloaded from the batch page. actor None is the system (a scheduled release).

    Refused while a payment of the batch is held (its bank details are not verified): the file
    must carry exactly what was approved; refused too when the batch cannot become a valid file
    (pain.001 against its XSD, or NACHA), with the reason. Idempotent through the state CAS: a
    batch that is no longer approved is refused, so nothing is released, announced or sent twice."""
    batch = (
        PaymentBatch.objects.select_for_update(of=("self",)).select_related("entity", "debtor_account").get(pk=batch_id)
    )
    if actor is not None:
        _require_release_rights(actor, batch)
    if batch.state != BatchState.APPROVED:
        raise WorkflowError(f"Batch {batch.external_id} is {batch.get_state_display().lower()}, not approved.")
    payments = list(
        Payment.objects.select_for_update(of=("self",))
        .filter(batch=batch)
        .exclude(state=PaymentState.CANCELLED)
        .select_related("counterparty", "beneficiary_account")
        .order_by("pk")
    )
    held = [p.end_to_end_id for p in payments if p.state == PaymentState.HELD]
    if held:
        raise WorkflowError(
            f"Batch {batch.external_id} has payments held for unverified bank details ({', '.join(held[:5])}); "
            "verify the details or take the payments out before releasing."
        )
    channel = bank_channel_for(entity_id=batch.entity_id, account=batch.debtor_account)
    if channel is not None:
        payment_file = payment_file_build(
            batch, payments, pain001_version=channel.pain001_version, created_at=timezone.now()
        )
    else:
        payment_file = payment_file_build(
            batch, payments, file_format=payment_file_format(batch, payments), created_at=timezone.now()
        )
    transition(
        batch,
        to=BatchState.RELEASED,
        actor=actor,
        stamp="released_at",
        extra={"file": payment_file.format, "bank_api": channel.name if channel else None},
    )
    for payment in payments:
        if payment.state == PaymentState.PROPOSED:
            transition(payment, to=PaymentState.RELEASED, actor=actor, stamp="released_at")
            payment.batch = batch
            payment_released_publish(payment, actor=actor)
    if channel is not None:
        event_notify(BatchReleased(batch=batch, channel=channel, payment_file=payment_file))
    return batch


def _released_by_hand(actor: User, batch_id: int) -> tuple[PaymentBatch, list[Payment]]:
    """The batch (locked) and its payments, for the steps of a batch that goes to the bank as a
    file: only a released batch, and only when no bank API message carries it."""
    batch = (
        PaymentBatch.objects.select_for_update(of=("self",)).select_related("entity", "debtor_account").get(pk=batch_id)
    )
    _require_release_rights(actor, batch)
    if batch.state != BatchState.RELEASED:
        raise WorkflowError(f"Batch {batch.external_id} is {batch.get_state_display().lower()}, not released.")
    if batch_submission_messages(batch=batch).exists():
        raise WorkflowError(
            f"Batch {batch.external_id} goes to the bank over its API; the outbox sends it and records the bank's id."
        )
    return batch, batch_file_payments(batch)


@transaction.atomic
def batch_file_download(*, batch_id: int, actor: User) -> PaymentFile:
    """The released batch's payment file (pain.001.001.09, or NACHA for a US ACH batch), built
    again by the pure writers with the release time as creation time, so every download is the
    same bytes. Each download is audited with the file's sha256; nothing else changes, so
    downloading again is safe."""
    batch, payments = _released_by_hand(actor, batch_id)
    created_at = batch.released_at or timezone.now()  # the transition to released stamps it
    payment_file = payment_file_build(
        batch, payments, file_format=payment_file_format(batch, payments), created_at=created_at
    )
    audit_record(
        batch,
        action="payment_file.downloaded",
        actor=actor,
        after={"format": payment_file.format, "filename": payment_file.filename, "sha256": payment_file.sha256},
    )
    return payment_file


@transaction.atomic
def batch_mark_transmitted(*, batch_id: int, actor: User) -> PaymentBatch:
    """Someone uploaded the downloaded file to the bank: released → transmitted, audited.
    Idempotent through the state CAS: a batch already transmitted is refused, not moved twice."""
    batch, _ = _released_by_hand(actor, batch_id)
    transition(batch, to=BatchState.TRANSMITTED, actor=actor, stamp="transmitted_at", reason="file sent to the bank")
    return batch


@transaction.atomic
def batch_record_transmission(*, batch_id: int, submission_id: str) -> PaymentBatch:
    """The bank took the batch's file under submission_id (its payment id): store it and move
    released → transmitted. Idempotent: a batch already transmitted under this id is returned
    unchanged (the relay delivers at least once)."""
    batch = PaymentBatch.objects.select_for_update().get(pk=batch_id)
    if batch.bank_submission_id == submission_id and batch.state != BatchState.RELEASED:
        return batch
    if batch.state != BatchState.RELEASED:
        raise WorkflowError(
            f"Batch {batch.external_id} is {batch.get_state_display().lower()}; the bank's payment "
            f"{submission_id} cannot be recorded on it."
        )
    PaymentBatch.objects.filter(pk=batch.pk).update(bank_submission_id=submission_id)
    batch.bank_submission_id = submission_id
    transition(
        batch,
        to=BatchState.TRANSMITTED,
        actor=None,
        stamp="transmitted_at",
        reason=f"taken by the bank as payment {submission_id}",
        extra={"bank_submission_id": submission_id},
    )
    return batch


@transaction.atomic
def batch_record_transmission_failure(*, batch_id: int, reason: str) -> PaymentBatch:
    """The outbox gave up sending the batch to the bank: the batch stays released (no money left),
    the failure is audited and an exception puts it in the payment queues. Idempotent: the
    exception is opened once per batch (dedupe key)."""
    batch = PaymentBatch.objects.select_for_update(of=("self",)).select_related("entity").get(pk=batch_id)
    audit_record(batch, action="transmission.failed", actor=None, reason=reason[:500])
    exception_open(
        entity=batch.entity,
        kind=ExceptionKind.REJECTED_PAYMENT,
        title=f"Batch {batch.external_id} did not reach the bank: {reason}",
        dedupe_key=f"{ExceptionKind.REJECTED_PAYMENT}:{batch._meta.label}:{batch.pk}:transmission",
        detail={"batch": batch.external_id, "reason": reason[:500]},
        amount=batch.control_sum,
        currency=batch.currency,
        obj=batch,
    )
    return batch
