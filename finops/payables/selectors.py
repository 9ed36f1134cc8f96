from django.db.models import Count, QuerySet

from finops.accounts.models import User
from finops.accounts.roles import APPROVE_PAYMENTS, WORK_TREASURY
from finops.core.scoping import scoped, scoped_get
from finops.payables.models import Payment, PaymentBatch, PurchaseOrder
from integrations.connectors.bank_api.submission import TOPIC as SUBMISSION_TOPIC
from integrations.outbox.models import OutboxMessage

# Who may release an approved batch to the bank (and carry it there as a file): treasury, or a
# controller of the entity.
RELEASE_PERMISSIONS = (WORK_TREASURY, APPROVE_PAYMENTS)


def payment_list(*, user: User) -> QuerySet[Payment]:
    return scoped(Payment.objects.select_related("entity", "counterparty", "beneficiary_account", "batch"), user)


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
    return any(user.has_perm(f"masterdata.{perm}", batch.entity) for perm in RELEASE_PERMISSIONS)


def batch_submission_messages(*, batch: PaymentBatch) -> QuerySet[OutboxMessage]:
    """The outbox message that carries the batch to the bank's API (one per batch: its key is
    stable); none when the batch goes to the bank as a file."""
    return OutboxMessage.objects.filter(
        topic=SUBMISSION_TOPIC, object_type=PaymentBatch._meta.label, object_id=str(batch.pk)
    ).order_by("pk")
