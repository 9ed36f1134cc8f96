"""Writes on payment batches. Money moves only through an approved batch; the maker of a
batch can never approve it; amounts at or above the entity's threshold need two approvers."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from finops.accounts.models import User
from finops.accounts.roles import APPROVE_PAYMENTS, WORK_PAYABLES
from finops.accounts.selectors import require_entity_perm
from finops.audit.services import audit_record
from finops.core.workflow import WorkflowError, transition
from finops.payables.models import Approval, PaymentBatch
from finops.payables.selectors import approvals_required
from finops.payables.states import ApprovalDecision, BatchState


class SegregationOfDutiesError(WorkflowError):
    pass


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
    if approver.pk in (batch.created_by_id, batch.submitted_by_id):
        raise SegregationOfDutiesError("The maker of a batch cannot approve it.")
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
    if approver.pk in (batch.created_by_id, batch.submitted_by_id):
        raise SegregationOfDutiesError("The maker of a batch cannot decide on it.")
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
