from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finops.core.api import HasModelPerm, ScopedDetailAPI, ScopedListAPI
from finops.core.workflow import WorkflowError
from finops.payables.filters import BatchFilter, GoodsReceiptFilter, PaymentFilter, PurchaseOrderFilter
from finops.payables.models import GoodsReceipt, Payment, PaymentBatch, PurchaseOrder
from finops.payables.selectors import (
    batch_get,
    batch_list,
    goods_receipt_lines,
    goods_receipt_list,
    payment_list,
    purchase_order_lines,
    purchase_order_list,
)
from finops.payables.services import batch_approve, batch_decline, batch_release


class PaymentOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    entity = serializers.CharField(source="entity.code")
    counterparty = serializers.CharField(source="counterparty.name")
    beneficiary_account = serializers.CharField(source="beneficiary_account.display_identifier")
    batch = serializers.CharField(source="batch.external_id", default=None)

    class Meta:
        model = Payment
        fields = [
            "id",
            "entity",
            "end_to_end_id",
            "counterparty",
            "beneficiary_account",
            "currency",
            "amount",
            "remittance_info",
            "state",
            "status_reason",
            "batch",
            "source",
            "external_id",
            "correlation_id",
            "created_at",
            "released_at",
            "settled_at",
        ]


class BatchOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    entity = serializers.CharField(source="entity.code")
    debtor_account = serializers.CharField(source="debtor_account.display_identifier")
    created_by = serializers.CharField(source="created_by.username")

    class Meta:
        model = PaymentBatch
        fields = [
            "id",
            "entity",
            "external_id",
            "debtor_account",
            "currency",
            "execution_on",
            "state",
            "control_sum",
            "payment_count",
            "created_by",
            "created_at",
            "submitted_at",
            "approved_at",
            "released_at",
            "transmitted_at",
            "bank_submission_id",
        ]


class PaymentListApi(ScopedListAPI):
    required_perm = "payables.view_payment"
    serializer_class = PaymentOutput
    filterset_class = PaymentFilter

    def select(self, user: Any) -> QuerySet[Payment]:
        return payment_list(user=user)


class PaymentDetailApi(ScopedDetailAPI):
    required_perm = "payables.view_payment"
    serializer_class = PaymentOutput

    def select(self, user: Any) -> QuerySet[Payment]:
        return payment_list(user=user)


class BatchListApi(ScopedListAPI):
    required_perm = "payables.view_paymentbatch"
    serializer_class = BatchOutput
    filterset_class = BatchFilter

    def select(self, user: Any) -> QuerySet[PaymentBatch]:
        return batch_list(user=user)


class BatchDetailApi(ScopedDetailAPI):
    required_perm = "payables.view_paymentbatch"
    serializer_class = BatchOutput

    def select(self, user: Any) -> QuerySet[PaymentBatch]:
        return batch_list(user=user)


class BatchDecisionInput(serializers.Serializer):  # type: ignore[type-arg]
    decision = serializers.ChoiceField(choices=["approve", "decline"])
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class BatchDecisionApi(APIView):
    """POST {"decision": "approve"|"decline", "comment": "..."}: one approver's decision."""

    permission_classes = [IsAuthenticated, HasModelPerm]
    required_perm = "payables.add_approval"
    InputSerializer = BatchDecisionInput

    @extend_schema(request=BatchDecisionInput, responses=BatchOutput)
    def post(self, request: Request, pk: int) -> Response:
        batch_get(user=request.user, pk=pk)  # type: ignore[arg-type]
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            if data.validated_data["decision"] == "approve":
                batch = batch_approve(batch_id=pk, approver=request.user, comment=data.validated_data["comment"])  # type: ignore[arg-type]
            else:
                batch = batch_decline(batch_id=pk, approver=request.user, reason=data.validated_data["comment"])  # type: ignore[arg-type]
        except WorkflowError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return Response(BatchOutput(batch_get(user=request.user, pk=batch.pk)).data, status=status.HTTP_200_OK)  # type: ignore[arg-type]


class BatchReleaseApi(APIView):
    """POST: release an approved batch to the bank (treasury or a controller of the entity). With
    a bank API connector the batch's pain.001 is queued for the bank in the same transaction;
    otherwise the file is downloaded from the batch page. 400 with the reason when the batch
    cannot be released (not approved, held payments, no valid payment file)."""

    permission_classes = [IsAuthenticated, HasModelPerm]
    required_perm = "payables.view_paymentbatch"

    @extend_schema(request=None, responses={200: BatchOutput})
    def post(self, request: Request, pk: int) -> Response:
        batch_get(user=request.user, pk=pk)  # type: ignore[arg-type]
        try:
            batch = batch_release(batch_id=pk, actor=request.user)  # type: ignore[arg-type]
        except WorkflowError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return Response(BatchOutput(batch_get(user=request.user, pk=batch.pk)).data, status=status.HTTP_200_OK)  # type: ignore[arg-type]


class PurchaseOrderLineOutput(serializers.Serializer):  # type: ignore[type-arg]
    line_no = serializers.IntegerField()
    item = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=4)
    received = serializers.DecimalField(max_digits=18, decimal_places=4)
    invoiced = serializers.DecimalField(max_digits=18, decimal_places=4)


class PurchaseOrderOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    entity = serializers.CharField(source="entity.code")
    supplier = serializers.CharField(source="supplier.name")
    supplier_id = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=4)
    receipt_count = serializers.IntegerField()
    invoice_count = serializers.IntegerField()

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "entity",
            "number",
            "supplier",
            "supplier_id",
            "currency",
            "ordered_on",
            "amount",
            "is_closed",
            "receipt_count",
            "invoice_count",
            "source",
            "external_id",
            "correlation_id",
        ]


class PurchaseOrderDetailOutput(PurchaseOrderOutput):
    lines = serializers.SerializerMethodField()

    class Meta(PurchaseOrderOutput.Meta):
        fields = [*PurchaseOrderOutput.Meta.fields, "lines"]

    @extend_schema_field(PurchaseOrderLineOutput(many=True))
    def get_lines(self, order: PurchaseOrder) -> list[dict[str, Any]]:
        return PurchaseOrderLineOutput(purchase_order_lines(purchase_order=order), many=True).data  # type: ignore[return-value]


class GoodsReceiptLineOutput(serializers.Serializer):  # type: ignore[type-arg]
    po_line_no = serializers.IntegerField(source="po_line.line_no")
    item = serializers.CharField(source="po_line.item")
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)


class GoodsReceiptOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    entity = serializers.CharField(source="entity.code")
    purchase_order = serializers.CharField(source="purchase_order.number")
    purchase_order_id = serializers.IntegerField()
    supplier = serializers.CharField(source="purchase_order.supplier.name")
    line_count = serializers.IntegerField()

    class Meta:
        model = GoodsReceipt
        fields = [
            "id",
            "entity",
            "external_id",
            "purchase_order",
            "purchase_order_id",
            "supplier",
            "received_on",
            "line_count",
            "source",
            "correlation_id",
        ]


class GoodsReceiptDetailOutput(GoodsReceiptOutput):
    lines = serializers.SerializerMethodField()

    class Meta(GoodsReceiptOutput.Meta):
        fields = [*GoodsReceiptOutput.Meta.fields, "lines"]

    @extend_schema_field(GoodsReceiptLineOutput(many=True))
    def get_lines(self, receipt: GoodsReceipt) -> list[dict[str, Any]]:
        return GoodsReceiptLineOutput(goods_receipt_lines(receipt=receipt), many=True).data  # type: ignore[return-value]


class PurchaseOrderListApi(ScopedListAPI):
    required_perm = "payables.view_purchaseorder"
    serializer_class = PurchaseOrderOutput
    filterset_class = PurchaseOrderFilter

    def select(self, user: Any) -> QuerySet[PurchaseOrder]:
        return purchase_order_list(user=user)


class PurchaseOrderDetailApi(ScopedDetailAPI):
    """One purchase order with its lines: ordered, received and invoiced quantities."""

    required_perm = "payables.view_purchaseorder"
    serializer_class = PurchaseOrderDetailOutput

    def select(self, user: Any) -> QuerySet[PurchaseOrder]:
        return purchase_order_list(user=user)


class GoodsReceiptListApi(ScopedListAPI):
    required_perm = "payables.view_goodsreceipt"
    serializer_class = GoodsReceiptOutput
    filterset_class = GoodsReceiptFilter

    def select(self, user: Any) -> QuerySet[GoodsReceipt]:
        return goods_receipt_list(user=user)


class GoodsReceiptDetailApi(ScopedDetailAPI):
    required_perm = "payables.view_goodsreceipt"
    serializer_class = GoodsReceiptDetailOutput

    def select(self, user: Any) -> QuerySet[GoodsReceipt]:
        return goods_receipt_list(user=user)
