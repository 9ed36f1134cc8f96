from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from finops.core.api import ScopedDetailAPI, ScopedListAPI, signed_in
from finops.core.workflow import WorkflowError
from reconciliation.matching.filters import MatchRunFilter
from reconciliation.matching.models import MatchRun
from reconciliation.matching.runs import match_run_ask
from reconciliation.matching.selectors import match_run_list
from reconciliation.matching.states import MatchKind

VIEW_PERM = "matching.view_matchrun"


class MatchRunOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    entity = serializers.CharField(source="entity.code")
    triggered_by = serializers.CharField(source="triggered_by.username", default=None)
    percent = serializers.IntegerField(allow_null=True)

    class Meta:
        model = MatchRun
        fields = [
            "id",
            "kind",
            "entity",
            "currency",
            "state",
            "trigger",
            "trigger_detail",
            "triggered_by",
            "processed",
            "total",
            "percent",
            "counts",
            "rule_version",
            "attempt",
            "rerun_requested",
            "error",
            "correlation_id",
            "created_at",
            "started_at",
            "finished_at",
        ]


class MatchRunInput(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=MatchKind.choices)
    entity = serializers.CharField(max_length=16, help_text="The legal entity's code.")
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, default="")


class MatchRunListApi(ScopedListAPI):
    """GET: the runs of the user's entities. POST {"kind", "entity", "currency"?}: run now — 202
    with the queued run, or 200 with the run of that scope already queued or running (it covers
    the request). 404 for an entity the user does not see, 403 for a role that may not ask."""

    required_perm = VIEW_PERM
    serializer_class = MatchRunOutput
    filterset_class = MatchRunFilter

    def select(self, user: Any) -> QuerySet[MatchRun]:
        return match_run_list(user=user)

    @extend_schema(request=MatchRunInput, responses={202: MatchRunOutput, 200: MatchRunOutput})
    def post(self, request: Request) -> Response:
        data = MatchRunInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            asked = match_run_ask(
                actor=signed_in(request),
                kind=data.validated_data["kind"],
                entity_code=data.validated_data["entity"],
                currency=data.validated_data["currency"],
            )
        except WorkflowError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return Response(
            MatchRunOutput(asked.run).data, status=status.HTTP_202_ACCEPTED if asked.created else status.HTTP_200_OK
        )


class MatchRunDetailApi(ScopedDetailAPI):
    required_perm = VIEW_PERM
    serializer_class = MatchRunOutput

    def select(self, user: Any) -> QuerySet[MatchRun]:
        return match_run_list(user=user)
