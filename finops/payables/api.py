from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finops.core.api import HasModelPerm, ScopedDetailAPI, ScopedListAPI
from finops.core.workflow import WorkflowError
from finops.payables.filters import BatchFilter, PaymentFilter
from finops.payables.models import Payment, PaymentBatch
from finops.payables.selectors import batch_get, batch_list, payment_list
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
