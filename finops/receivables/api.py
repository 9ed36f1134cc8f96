"""Collection notes over the API: the same reads and the same service as the invoice page."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from finops.core.api import ScopedListAPI
from finops.core.workflow import WorkflowError
from finops.invoicing.selectors import invoice_get
from finops.receivables.models import CollectionNote
from finops.receivables.selectors import can_add_collection_note, collection_note_list
from finops.receivables.services import collection_note_add


class CollectionNoteOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    invoice = serializers.IntegerField(source="invoice_id")
    invoice_number = serializers.CharField(source="invoice.number")
    entity = serializers.CharField(source="entity.code")
    author = serializers.CharField(source="author.username")

    class Meta:
        model = CollectionNote
        fields = [
            "id",
            "invoice",
            "invoice_number",
            "entity",
            "author",
            "text",
            "state",
            "crm_activity_id",
            "crm_error",
            "correlation_id",
            "created_at",
            "sent_at",
        ]


class CollectionNoteInput(serializers.Serializer):  # type: ignore[type-arg]
    text = serializers.CharField(max_length=CollectionNote.MAX_TEXT)


class CollectionNoteListApi(ScopedListAPI):
    """GET: the notes on a customer invoice, newest first, each with its CRM delivery state.
    POST {"text": "..."}: add a note (AP clerks and treasury analysts of the invoice's entity); it
    is queued for the customer's CRM account."""

    required_perm = "invoicing.view_invoice"
    serializer_class = CollectionNoteOutput
    InputSerializer = CollectionNoteInput

    def select(self, user: Any) -> QuerySet[CollectionNote]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no invoice to scope by
            return CollectionNote.objects.none()
        invoice = invoice_get(user=user, pk=self.kwargs["pk"])  # 404 outside the user's entities
        return collection_note_list(user=user, invoice_id=invoice.pk)

    @extend_schema(request=CollectionNoteInput, responses={201: CollectionNoteOutput})
    def post(self, request: Request, pk: int) -> Response:
        invoice = invoice_get(user=request.user, pk=pk)  # type: ignore[arg-type]
        if not can_add_collection_note(request.user, invoice.entity):  # type: ignore[arg-type]
            raise PermissionDenied("Your role in this entity does not allow adding collection notes.")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            note = collection_note_add(invoice_id=pk, author=request.user, text=data.validated_data["text"])  # type: ignore[arg-type]
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}) from exc
        except WorkflowError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return Response(CollectionNoteOutput(note).data, status=status.HTTP_201_CREATED)
