from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Func, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce

from finops.accounts.models import User
from finops.accounts.roles import RELEASE_PERMISSIONS
from finops.accounts.selectors import holds_any
from finops.core.scoping import scoped, scoped_get
from finops.outbox.models import OutboxMessage
from finops.payables.channels import BANK_SUBMISSION_TOPIC
from finops.payables.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    Payment,
    PaymentBatch,
    PurchaseOrder,
    PurchaseOrderLine,
)
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


_QUANTITY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=18, decimal_places=4)
# an order's value, to the 4 places amounts are stored with
_MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=22, decimal_places=4)
_COUNT: IntegerField[int, int] = IntegerField()


def _per_row(
    rows: QuerySet[Any], group: str, aggregate: Func, field: DecimalField[Decimal, Decimal] | IntegerField[int, int]
) -> Coalesce:
    """A correlated subquery: `aggregate` over `rows` (filtered by OuterRef) per `group`, 0 when
    there are none. One figure per row of a page, without joins that multiply each other."""
    total = rows.order_by().values(group).annotate(total=aggregate).values("total")
    zero = Value(Decimal(0)) if isinstance(field, DecimalField) else Value(0)
    return Coalesce(Subquery(total, output_field=field), zero, output_field=field)


def purchase_order_list(*, user: User) -> QuerySet[PurchaseOrder]:
    """The user's purchase orders with their ordered value (`amount`), their number of receipts
    and of invoices, newest first."""
    lines = PurchaseOrderLine.objects.filter(purchase_order=OuterRef("pk"))
    return scoped(
        PurchaseOrder.objects.select_related("entity", "supplier").annotate(
            amount=_per_row(lines, "purchase_order", Cast(Sum(F("quantity") * F("unit_price")), _MONEY), _MONEY),
            receipt_count=_per_row(
                GoodsReceipt.objects.filter(purchase_order=OuterRef("pk")), "purchase_order", Count("pk"), _COUNT
            ),
            invoice_count=_per_row(PurchaseOrder.objects.filter(pk=OuterRef("pk")), "pk", Count("invoices"), _COUNT),
        ),
        user,
    )


def purchase_order_get(*, user: User, pk: int) -> PurchaseOrder:
    return scoped_get(purchase_order_list(user=user), user, pk=pk)


def purchase_order_lines(*, purchase_order: PurchaseOrder) -> QuerySet[PurchaseOrderLine]:
    """The order's lines with what was received (`received`) and invoiced (`invoiced`) of each."""
    received = GoodsReceiptLine.objects.filter(po_line=OuterRef("pk"))
    invoiced = PurchaseOrderLine.objects.filter(pk=OuterRef("pk"))
    return purchase_order.lines.annotate(
        received=_per_row(received, "po_line", Sum("quantity"), _QUANTITY),
        invoiced=_per_row(invoiced, "pk", Sum("invoice_lines__quantity"), _QUANTITY),
    ).order_by("line_no")


def purchase_order_receipts(*, user: User, purchase_order: PurchaseOrder) -> QuerySet[GoodsReceipt]:
    return goods_receipt_list(user=user).filter(purchase_order=purchase_order)


def purchase_order_invoices(*, user: User, purchase_order: PurchaseOrder) -> QuerySet[Any]:
    """The invoices billed against the order, as far as the user may see them (the relation is
    invoicing's, which sits above payables: read through it, never imported)."""
    return scoped(purchase_order.invoices.select_related("counterparty"), user).order_by("issue_on", "pk")  # type: ignore[attr-defined,no-any-return]


def goods_receipt_list(*, user: User) -> QuerySet[GoodsReceipt]:
    """The user's goods receipts with their order and supplier and their number of lines."""
    return scoped(
        GoodsReceipt.objects.select_related("entity", "purchase_order", "purchase_order__supplier").annotate(
            line_count=_per_row(GoodsReceiptLine.objects.filter(receipt=OuterRef("pk")), "receipt", Count("pk"), _COUNT)
        ),
        user,
    )


def goods_receipt_get(*, user: User, pk: int) -> GoodsReceipt:
    return scoped_get(goods_receipt_list(user=user), user, pk=pk)


def goods_receipt_lines(*, receipt: GoodsReceipt) -> QuerySet[GoodsReceiptLine]:
    return receipt.lines.select_related("po_line").order_by("po_line__line_no")


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
