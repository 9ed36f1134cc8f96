"""REST API of the bank files page: upload a file, list what came in, one file's import summary,
and its bytes as received.

Same selectors, services and permissions as integrations/bankfiles/views.py: uploading, the list
and the bytes are for treasury analysts and admins (403 otherwise); a file's summary needs a role
that sees bank statements; another entity's file is 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finops.accounts.models import User
from finops.core.api import HasModelPerm, ScopedListAPI, signed_in
from finops.masterdata.models import LegalEntity
from finops.treasury.models import BankStatement
from integrations.api import form_cleaned
from integrations.bankfiles.forms import UploadForm
from integrations.bankfiles.models import InboundFile
from integrations.bankfiles.selectors import (
    inbound_file_content,
    inbound_file_get,
    inbound_file_list,
    inbound_file_statements,
    require_importer,
)
from integrations.bankfiles.services import BankFileRefused, bank_file_check_size, bank_file_import


class Importer(BasePermission):
    """Treasury analysts and an entity's admins, as on the upload page."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        require_importer(user=signed_in(request))
        return True


class ImportSummaryOutput(serializers.Serializer):  # type: ignore[type-arg]
    """The JSON summary `manage.py import_bank_file` prints. Which counts appear depends on the
    format: statements (camt, MT940, BAI2), pain.002 transactions, NACHA returns."""

    format = serializers.CharField()
    status = serializers.ChoiceField(choices=["imported", "duplicate"])
    inbound_file = serializers.IntegerField()
    members = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()), required=False, help_text="ZIP archives."
    )
    statements = serializers.IntegerField(required=False)
    entries = serializers.IntegerField(required=False)
    credits = serializers.DictField(
        child=serializers.DecimalField(max_digits=22, decimal_places=4), required=False, help_text="By currency."
    )
    debits = serializers.DictField(
        child=serializers.DecimalField(max_digits=22, decimal_places=4), required=False, help_text="By currency."
    )
    transactions = serializers.IntegerField(required=False)
    accepted = serializers.IntegerField(required=False)
    rejected = serializers.IntegerField(required=False)
    unknown = serializers.IntegerField(required=False)
    returns = serializers.IntegerField(required=False)
    notifications_of_change = serializers.IntegerField(required=False)
    duplicates = serializers.IntegerField()
    documents = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField())


class RefusalOutput(serializers.Serializer):  # type: ignore[type-arg]
    detail = serializers.CharField(help_text="Names the file and the line, field or XML element; nothing was imported.")
    inbound_file = serializers.IntegerField(
        allow_null=True, help_text="The refused file, kept for inspection (null when refused before reading it)."
    )


class UploadInput(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField(help_text="camt.052/.053/.054, MT940, BAI2, pain.002, NACHA returns, or a ZIP.")


class BankFileOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    received_by = serializers.CharField(source="received_by.username", default=None, allow_null=True)
    entities: serializers.SlugRelatedField[LegalEntity] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = InboundFile
        fields = [
            "id",
            "filename",
            "size",
            "sha256",
            "format",
            "source",
            "status",
            "error",
            "received_at",
            "received_by",
            "entities",
            "correlation_id",
        ]


class BankFileStatementOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    entity = serializers.CharField(source="entity.code")
    bank_account = serializers.CharField(source="bank_account.display_identifier")

    class Meta:
        model = BankStatement
        fields = ["id", "entity", "bank_account", "external_id", "format", "statement_on", "currency"]


class BankFileDetailOutput(BankFileOutput):
    """A file and what its import did (context["statements"]: the statements it created that you
    may see); the bytes are on …/content/."""

    summary = serializers.JSONField(help_text="The import summary (see the upload's answer).")
    statements = serializers.SerializerMethodField()

    class Meta(BankFileOutput.Meta):
        fields = [*BankFileOutput.Meta.fields, "summary", "statements"]

    @extend_schema_field(BankFileStatementOutput(many=True))
    def get_statements(self, inbound: InboundFile) -> Any:
        return BankFileStatementOutput(self.context["statements"], many=True).data


class BankFileListApi(ScopedListAPI):
    """The bank files that touched your entities, and your own uploads, newest first."""

    queryset = InboundFile.objects.none()
    permission_classes = [IsAuthenticated, Importer]
    parser_classes = [MultiPartParser]
    serializer_class = BankFileOutput

    def select(self, user: User) -> QuerySet[InboundFile]:
        return inbound_file_list(user=user).prefetch_related("entities")

    @extend_schema(
        request={"multipart/form-data": UploadInput},
        responses={
            201: OpenApiResponse(ImportSummaryOutput, description="Imported."),
            200: OpenApiResponse(ImportSummaryOutput, description="Nothing new: every document was a duplicate."),
            400: OpenApiResponse(description="No file, or an empty one: the error is under `file`."),
            422: OpenApiResponse(RefusalOutput, description="Refused whole; nothing was imported."),
        },
    )
    def post(self, request: Request) -> Response:
        """Import a bank file (multipart, field `file`) as the upload page does: in one
        transaction, answering the summary `manage.py import_bank_file` prints. A refused file
        changes nothing and is kept for inspection; the message names the file and the line."""
        user = signed_in(request)
        form = UploadForm(request.POST, request.FILES)
        upload = form_cleaned(form, refuse_unknown=False)["file"]
        name = upload.name or "upload"
        try:
            bank_file_check_size(size=upload.size or 0, filename=name)
            result = bank_file_import(
                data=upload.read(),
                filename=name,
                source="upload",
                user=user,
                correlation_id=getattr(request, "correlation_id", None),
            )
        except BankFileRefused as refusal:
            body = {"detail": refusal.message, "inbound_file": refusal.inbound_file_id}
            return Response(body, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        imported = result.status == "imported"
        return Response(result.summary, status=status.HTTP_201_CREATED if imported else status.HTTP_200_OK)


class BankFileDetailApi(APIView):
    """One file and what its import did: the summary, and the statements it created."""

    permission_classes = [IsAuthenticated, HasModelPerm]
    required_perm = "treasury.view_bankstatement"

    @extend_schema(responses=BankFileDetailOutput)
    def get(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        inbound = inbound_file_get(user=user, pk=pk)
        statements = inbound_file_statements(user=user, inbound_file=inbound)
        return Response(BankFileDetailOutput(inbound, context={"statements": statements}).data)


class BankFileContentApi(APIView):
    """The bytes exactly as received (importers only), e.g. to inspect a refused file."""

    permission_classes = [IsAuthenticated, HasModelPerm, Importer]
    required_perm = "treasury.view_bankstatement"

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        filename, content = inbound_file_content(user=signed_in(request), pk=pk)
        response = HttpResponse(content, content_type="application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
        response["X-Content-Type-Options"] = "nosniff"
        return response
