from decimal import Decimal
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
from finops.ledger.filters import JournalEntryFilter
from finops.ledger.models import JournalEntry, JournalLine
from finops.ledger.selectors import journal_entities, journal_entry_get, journal_entry_list
from finops.ledger.services import JournalLineInput, journal_entry_create, journal_entry_queue
from finops.masterdata.models import LegalEntity


class JournalLineOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = JournalLine
        fields = ["line_no", "account_code", "description", "debit", "credit"]


class JournalEntryOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    entity = serializers.CharField(source="entity.code")
    total = serializers.DecimalField(max_digits=22, decimal_places=4)
    lines = JournalLineOutput(many=True)

    class Meta:
        model = JournalEntry
        fields = [
            "id",
            "entity",
            "source",
            "external_id",
            "posting_on",
            "currency",
            "description",
            "total",
            "state",
            "erp_document_id",
            "posted_at",
            "correlation_id",
            "created_at",
            "lines",
        ]


class JournalLineInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    account_code = serializers.CharField(max_length=32)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    debit = serializers.DecimalField(max_digits=18, decimal_places=3, min_value=0, required=False, default=Decimal(0))
    credit = serializers.DecimalField(max_digits=18, decimal_places=3, min_value=0, required=False, default=Decimal(0))


class JournalEntryInput(serializers.Serializer):  # type: ignore[type-arg]
    entity = serializers.SlugRelatedField(slug_field="code", queryset=LegalEntity.objects.none())
    external_id = serializers.CharField(
        max_length=64, help_text="Your idempotency key: the same id again returns the first entry."
    )
    posting_on = serializers.DateField()
    currency = serializers.RegexField(r"^[A-Z]{3}$", max_length=3)
    description = serializers.CharField(max_length=200)
    lines = serializers.ListField(child=JournalLineInputSerializer(), min_length=2, max_length=50)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:  # None: the schema generator describing the body
            self.fields["entity"].queryset = journal_entities(user=user)  # type: ignore[attr-defined]


class JournalListApi(ScopedListAPI):
    required_perm = "ledger.view_journalentry"
    serializer_class = JournalEntryOutput
    filterset_class = JournalEntryFilter

    def select(self, user: Any) -> QuerySet[JournalEntry]:
        return journal_entry_list(user=user).prefetch_related("lines")

    @extend_schema(request=JournalEntryInput, responses={201: JournalEntryOutput})
    def post(self, request: Request) -> Response:
        """Create a balanced draft entry (treasury role in the entity). Idempotent by external_id."""
        if not request.user.has_perm("ledger.add_journalentry"):
            self.permission_denied(request, message="Your role does not book journal entries.")
        data = JournalEntryInput(data=request.data, user=request.user)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            entry = journal_entry_create(
                entity=values["entity"],
                posting_on=values["posting_on"],
                currency=values["currency"],
                description=values["description"],
                lines=[JournalLineInput(**line) for line in values["lines"]],
                external_id=values["external_id"],
                source="api",
                actor=request.user,  # type: ignore[arg-type]
            )
        except WorkflowError as exc:
            raise ValidationError({"lines": [str(exc)]}) from exc
        entry = journal_entry_get(user=request.user, pk=entry.pk)  # type: ignore[arg-type]
        return Response(JournalEntryOutput(entry).data, status=status.HTTP_201_CREATED)


class JournalDetailApi(ScopedDetailAPI):
    required_perm = "ledger.view_journalentry"
    serializer_class = JournalEntryOutput

    def select(self, user: Any) -> QuerySet[JournalEntry]:
        return journal_entry_list(user=user).prefetch_related("lines")


class JournalPostApi(APIView):
    """POST: queue the entry for posting to the ERP (draft or failed → queued). Idempotent."""

    permission_classes = [IsAuthenticated, HasModelPerm]
    required_perm = "ledger.add_journalentry"

    @extend_schema(request=None, responses={202: JournalEntryOutput})
    def post(self, request: Request, pk: int) -> Response:
        journal_entry_get(user=request.user, pk=pk)  # type: ignore[arg-type]
        try:
            journal_entry_queue(entry_id=pk, actor=request.user)  # type: ignore[arg-type]
        except WorkflowError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        entry = journal_entry_get(user=request.user, pk=pk)  # type: ignore[arg-type]
        return Response(JournalEntryOutput(entry).data, status=status.HTTP_202_ACCEPTED)
