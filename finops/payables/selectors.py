from django.db.models import Count, QuerySet

from finops.accounts.models import User
from finops.accounts.roles import RELEASE_PERMISSIONS
from finops.accounts.selectors import holds_any
from finops.core.scoping import scoped, scoped_get
from finops.outbox.models import OutboxMessage
from finops.payables.channels import BANK_SUBMISSION_TOPIC
from finops.payables.models import Payment, PaymentBatch, PurchaseOrder
from finops.payables.states import PaymentState


def payment_list(*, user: User) -> QuerySet[Payment]:
    return scoped(Payment.objects.select_related("entity", "counterparty", "beneficiary_account", "batch"), user)


def payments_held_to(user: User, bank_account_id: int) -> QuerySet[Payment]:
    """The user's payments held for a bank account whose details wait for verification (shown on
    the bank-detail change, registered with finops.masterdata.selectors.held_for_account)."""
    return payment_list(user=user).filter(beneficiary_account_id=bank_account_id, state=PaymentState.HELD)


def payment_get(*, user: User, pk: int) -> Payment:
    return scoped_get(payment_list(user=user).prefetch_related("allocations__invoice"), user, pk=pk)


def batch_list(*, user: User) -> QuerySet[PaymentBatch]:
    return scoped(
        PaymentBatch.objects.select_related("entity", "debtor_account", "created_by")
        .annotate(approval_count=Count("approvals"))
        .order_by("-created_at", "-id"),
        user,
    )


def batch_get(*, user: User, pk: int) -> PaymentBatch:
    return scoped_get(batch_list(user=user).prefetch_related("approvals__approver"), user, pk=pk)


def purchase_order_list(*, user: User) -> QuerySet[PurchaseOrder]:
    return scoped(PurchaseOrder.objects.select_related("entity", "supplier"), user)


def approvals_required(batch: PaymentBatch) -> int:
    """Approval policy: one approver, two at or above the entity's threshold."""
    return 2 if batch.control_sum >= batch.entity.dual_approval_threshold else 1


def batch_decided_by(*, batch: PaymentBatch, user: User) -> bool:
    """Whether the user already decided on the batch in its current submission round."""
    return batch.approvals.filter(round=batch.submission_round, approver=user).exists()


def may_release(user: User, batch: PaymentBatch) -> bool:
    """Whether the user's role in the batch's entity lets them release it and send it to the bank."""
    return holds_any(user, RELEASE_PERMISSIONS, batch.entity)


def batch_submission_messages(*, batch: PaymentBatch) -> QuerySet[OutboxMessage]:
    """The outbox message that carries the batch to the bank's API (one per batch: its key is
    stable); none when the batch goes to the bank as a file."""
    return OutboxMessage.objects.filter(
        topic=BANK_SUBMISSION_TOPIC, object_type=PaymentBatch._meta.label, object_id=str(batch.pk)
    ).order_by("pk")
