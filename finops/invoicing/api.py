from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finops.accounts.models import User
from finops.accounts.roles import APPROVE_PAYMENTS
from finops.core.api import HasModelPerm, ScopedDetailAPI, ScopedListAPI, signed_in
from finops.core.workflow import WorkflowError
from finops.invoicing.filters import InvoiceFilter
from finops.invoicing.models import Invoice, InvoiceHold, InvoiceMatch, VarianceAcceptance
from finops.invoicing.selectors import (
    hold_list,
    invoice_control_get,
    invoice_get,
    invoice_list,
    invoice_payability,
    variance_requests_waiting,
)
from finops.invoicing.services.decisions import (
    invoice_approve,
    invoice_cancel,
    invoice_hold_release,
    require_decider,
    variance_accept,
    variance_decide,
)

VIEW_PERM = "invoicing.view_invoice"


class InvoiceOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    entity = serializers.CharField(source="entity.code")
    is_held = serializers.BooleanField(read_only=True, default=False)
    counterparty = serializers.CharField(source="counterparty.name")
    counterparty_id = serializers.IntegerField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "entity",
            "direction",
            "number",
            "counterparty",
            "counterparty_id",
            "currency",
            "amount",
            "tax_amount",
            "open_amount",
            "issue_on",
            "due_on",
            "state",
            "po_number",
            "is_held",
            "source",
            "external_id",
            "correlation_id",
            "created_at",
            "updated_at",
        ]


class InvoiceListApi(ScopedListAPI):
    required_perm = "invoicing.view_invoice"
    serializer_class = InvoiceOutput
    filterset_class = InvoiceFilter

    def select(self, user: Any) -> QuerySet[Invoice]:
        return invoice_list(user=user)


class InvoiceDetailApi(ScopedDetailAPI):
    required_perm = "invoicing.view_invoice"
    serializer_class = InvoiceOutput

    def select(self, user: Any) -> QuerySet[Invoice]:
        return invoice_list(user=user)


# --- AP control: the match, holds, variances and decisions on a supplier invoice -------------------


class MatchOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    purchase_order = serializers.CharField(source="purchase_order.number", default=None)
    duplicate_of = serializers.IntegerField(source="duplicate_of_id", allow_null=True)
    lines = serializers.ListField(source="line_rows", child=serializers.DictField())
    findings = serializers.ListField(source="finding_rows", child=serializers.DictField())

    class Meta:
        model = InvoiceMatch
        fields = [
            "status",
            "reasons",
            "explanation",
            "findings",
            "lines",
            "purchase_order",
            "ordered_value",
            "received_value",
            "billed_before",
            "billed_now",
            "variance",
            "duplicate_of",
            "duplicate_score",
            "rule_version",
            "match_run_id",
            "judged_at",
        ]


class HoldOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    original = serializers.IntegerField(source="original_id", allow_null=True)
    original_number = serializers.CharField(source="original.number", default=None)
    placed_by = serializers.CharField(source="placed_by.username", default=None)
    released_by = serializers.CharField(source="released_by.username", default=None)

    class Meta:
        model = InvoiceHold
        fields = [
            "id",
            "reason",
            "detail",
            "amount",
            "currency",
            "original",
            "original_number",
            "placed_at",
            "placed_by",
            "released_at",
            "released_by",
            "release_reason",
        ]


class VarianceOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    requested_by = serializers.CharField(source="requested_by.username", default=None)
    decided_by = serializers.CharField(source="decided_by.username", default=None)

    class Meta:
        model = VarianceAcceptance
        fields = [
            "id",
            "state",
            "amount",
            "currency",
            "reasons",
            "requested_by",
            "requested_at",
            "request_note",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class ControlOutput(serializers.Serializer):  # type: ignore[type-arg]
    invoice = InvoiceOutput()
    match = MatchOutput(allow_null=True)
    holds = HoldOutput(many=True)
    variance_acceptances = VarianceOutput(many=True)
    payable = serializers.BooleanField()
    not_payable_because = serializers.ListField(child=serializers.CharField())


def control_data(invoice: Invoice) -> dict[str, Any]:
    payability = invoice_payability(invoice)
    return ControlOutput(
        {
            "invoice": invoice,
            "match": getattr(invoice, "match", None),
            "holds": list(invoice.holds.all()),
            "variance_acceptances": list(invoice.variance_acceptances.all()),
            "payable": payability.payable,
            "not_payable_because": list(payability.reasons),
        }
    ).data


class InvoiceControlApi(APIView):
    """GET: the invoice's 3-way match (verdict and the side-by-side figures of each line), its holds,
    its variance acceptances, and whether it may be paid (and why not)."""

    permission_classes = [IsAuthenticated, HasModelPerm]
    required_perm = VIEW_PERM

    @extend_schema(responses=ControlOutput)
    def get(self, request: Request, pk: int) -> Response:
        return Response(control_data(invoice_control_get(user=signed_in(request), pk=pk)))


class NoteInput(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class InvoiceReasonInput(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=2000)


class DecisionInput(serializers.Serializer):  # type: ignore[type-arg]
    decision = serializers.ChoiceField(choices=["accept", "decline"])
    note = serializers.CharField(max_length=2000)


class _Decision(APIView):
    """A decision on a supplier invoice: 404 outside the user's entities, 403 for a role that does
    not decide there, 400 with the reason when the invoice's state does not allow it; the invoice's
    control data (as GET .../control/) when done."""

    permission_classes = [IsAuthenticated, HasModelPerm]
    required_perm = VIEW_PERM
    InputSerializer: type[serializers.Serializer] = NoteInput  # type: ignore[type-arg]

    def decide(self, user: User, invoice: Invoice, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def post(self, request: Request, pk: int, **kwargs: Any) -> Response:
        user = signed_in(request)
        invoice = invoice_get(user=user, pk=pk)  # 404 first, outside the user's entities
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            self.decide(user, invoice, {**data.validated_data, **kwargs})
        except WorkflowError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return Response(control_data(invoice_control_get(user=user, pk=pk)))


class HoldReleaseApi(_Decision):
    """POST {"reason"}: release a suspected duplicate's hold (it is not one)."""

    InputSerializer = InvoiceReasonInput

    @extend_schema(request=InvoiceReasonInput, responses=ControlOutput)
    def post(self, request: Request, pk: int, **kwargs: Any) -> Response:
        return super().post(request, pk, **kwargs)

    def decide(self, user: User, invoice: Invoice, data: dict[str, Any]) -> None:
        hold = hold_list(user=user).filter(invoice_id=invoice.pk, pk=data["hold_id"]).first()
        if hold is None:
            raise Http404("No such record.")
        invoice_hold_release(hold_id=hold.pk, actor=user, reason=data["reason"])


class InvoiceCancelApi(_Decision):
    """POST {"reason"}: cancel a supplier invoice not yet approved (a copy, a withdrawn invoice)."""

    InputSerializer = InvoiceReasonInput

    @extend_schema(request=InvoiceReasonInput, responses=ControlOutput)
    def post(self, request: Request, pk: int, **kwargs: Any) -> Response:
        return super().post(request, pk, **kwargs)

    def decide(self, user: User, invoice: Invoice, data: dict[str, Any]) -> None:
        invoice_cancel(invoice_id=invoice.pk, actor=user, reason=data["reason"])


class VarianceAcceptApi(_Decision):
    """POST {"note"}: accept the invoice's 3-way match variance: within the user's authority the
    invoice is approved; above it the request waits for a controller."""

    InputSerializer = InvoiceReasonInput

    @extend_schema(request=InvoiceReasonInput, responses=ControlOutput)
    def post(self, request: Request, pk: int, **kwargs: Any) -> Response:
        return super().post(request, pk, **kwargs)

    def decide(self, user: User, invoice: Invoice, data: dict[str, Any]) -> None:
        variance_accept(invoice_id=invoice.pk, actor=user, note=data["reason"])


class VarianceDecisionApi(_Decision):
    """POST {"decision": "accept"|"decline", "note"}: a controller decides the variance an AP clerk
    asked to accept (never the one who asked)."""

    InputSerializer = DecisionInput

    @extend_schema(request=DecisionInput, responses=ControlOutput)
    def post(self, request: Request, pk: int, **kwargs: Any) -> Response:
        return super().post(request, pk, **kwargs)

    def decide(self, user: User, invoice: Invoice, data: dict[str, Any]) -> None:
        require_decider(user, invoice, perms=(APPROVE_PAYMENTS,))
        waiting = variance_requests_waiting(user=user).filter(invoice_id=invoice.pk).first()
        if waiting is None:
            raise WorkflowError("No variance of this invoice waits for a decision.")
        variance_decide(acceptance_id=waiting.pk, actor=user, accept=data["decision"] == "accept", note=data["note"])


class InvoiceApproveApi(_Decision):
    """POST {"note"?}: approve a matched invoice, or one without a purchase order within the user's
    approval limit."""

    @extend_schema(request=NoteInput, responses=ControlOutput)
    def post(self, request: Request, pk: int, **kwargs: Any) -> Response:
        return super().post(request, pk, **kwargs)

    def decide(self, user: User, invoice: Invoice, data: dict[str, Any]) -> None:
        invoice_approve(invoice_id=invoice.pk, actor=user, note=data["note"])
