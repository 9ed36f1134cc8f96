from django.db.models import Count, QuerySet

from finops.accounts.models import User
from finops.core.scoping import scoped, scoped_get
from finops.payables.models import Payment, PaymentBatch, PurchaseOrder


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
