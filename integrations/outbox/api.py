"""REST API of the outbox screens: outbound messages (filter, retry a dead one), webhook
subscriptions (the secret is write-only) and the trace of a correlation id.

Same selectors, services, forms and permissions as integrations/outbox/views.py: lists are for
admins of at least one entity (403 otherwise); a record outside the user's entities is 404, one
of an entity the user does not administer 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from finops.accounts.models import User
from finops.core.api import ScopedListAPI, signed_in
from finops.core.workflow import WorkflowError
from finops.outbox.models import EVENT_TOPIC_CHOICES, OutboxMessage, WebhookSubscription
from finops.outbox.services import outbox_retry, subscription_create, subscription_update
from integrations.api import entity_by_code, form_cleaned, form_initial, json_object, refused
from integrations.outbox.filters import OutboxMessageFilter
from integrations.outbox.forms import SECRET_MIN_LENGTH, SubscriptionForm, TraceSearchForm
from integrations.outbox.selectors import (
    administered_entities,
    message_get,
    message_list,
    require_outbox_admin,
    subscription_get_to_manage,
    subscription_list,
    trace_get,
)
from integrations.outbox.trace import TraceItem, correlation_of, traceable_models

SUBSCRIPTION_FIELDS = ["name", "url", "topics", "is_active"]


class OutboxAdmin(BasePermission):
    """The outbox list pages' rule: 403 unless the user administers an entity (or is a superuser)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        require_outbox_admin(signed_in(request))
        return True


# --- outbound messages -------------------------------------------------------------------------


class OutboundMessageOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    """What the outbound messages page lists; the payload stays with the receiver."""

    entity = serializers.CharField(source="entity.code", default=None, allow_null=True)

    class Meta:
        model = OutboxMessage
        fields = [
            "id",
            "event_id",
            "entity",
            "topic",
            "state",
            "attempts",
            "idempotency_key",
            "object_type",
            "object_id",
            "correlation_id",
            "created_at",
            "updated_at",
            "delivered_at",
            "next_attempt_at",
            "last_error",
        ]


class OutboundMessageListApi(ScopedListAPI):
    """Outbound messages of the entities you administer, with the page's filters."""

    queryset = OutboxMessage.objects.none()
    permission_classes = [IsAuthenticated, OutboxAdmin]
    serializer_class = OutboundMessageOutput
    filterset_class = OutboxMessageFilter

    def select(self, user: User) -> QuerySet[OutboxMessage]:
        return message_list(user=user)


class OutboundMessageRetryApi(APIView):
    """Send a dead message again (attempts start over). Only a dead message can be retried."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=OutboundMessageOutput)
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        message_get(user=user, pk=pk)  # 404 first, outside the user's entities
        try:
            outbox_retry(message_id=pk, actor=user)
        except WorkflowError as exc:
            raise refused(exc) from exc
        return Response(OutboundMessageOutput(message_get(user=user, pk=pk)).data)


# --- webhook subscriptions ---------------------------------------------------------------------


class SubscriptionApiForm(SubscriptionForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entity_by_code(self)


class SubscriptionOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    """Never the secret: it is written, and not shown again (as on the page)."""

    entity = serializers.CharField(source="entity.code")

    class Meta:
        model = WebhookSubscription
        fields = ["id", "entity", *SUBSCRIPTION_FIELDS, "created_at", "updated_at"]


class SubscriptionChangeInput(serializers.Serializer):  # type: ignore[type-arg]
    """As SubscriptionForm takes it (the form validates; these declarations document)."""

    name = serializers.CharField(max_length=100)
    url = serializers.URLField(max_length=500)
    secret = serializers.CharField(
        write_only=True,
        min_length=SECRET_MIN_LENGTH,
        max_length=200,
        required=False,
        help_text="Signs every delivery; never shown again. On a change, omitted or blank keeps the current one.",
    )
    topics = serializers.MultipleChoiceField(choices=EVENT_TOPIC_CHOICES)
    is_active = serializers.BooleanField(default=True)


class SubscriptionCreateInput(SubscriptionChangeInput):
    entity = serializers.CharField(help_text="Code of an entity you administer.")
    secret = serializers.CharField(
        write_only=True,
        min_length=SECRET_MIN_LENGTH,
        max_length=200,
        help_text="Signs every delivery; never shown again.",
    )


def _refused(exc: WorkflowError) -> ValidationError:
    """A subscription service's refusal: on the page, the form's error above the fields."""
    return ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [str(exc)]})


class SubscriptionListApi(ScopedListAPI):
    """The webhook subscriptions of the entities you administer (never their secrets)."""

    queryset = WebhookSubscription.objects.none()
    permission_classes = [IsAuthenticated, OutboxAdmin]
    parser_classes = [JSONParser]
    serializer_class = SubscriptionOutput

    def select(self, user: User) -> QuerySet[WebhookSubscription]:
        return subscription_list(user=user)

    @extend_schema(request=SubscriptionCreateInput, responses={201: SubscriptionOutput})
    def post(self, request: Request) -> Response:
        """Add a subscription. The secret signs every delivery and is not shown again."""
        user = signed_in(request)
        entities = administered_entities(user)
        defaults = form_initial(SubscriptionApiForm(entities=entities))
        data = form_cleaned(SubscriptionApiForm({**defaults, **json_object(request)}, entities=entities))
        try:
            subscription = subscription_create(actor=user, **data)
        except WorkflowError as exc:
            raise _refused(exc) from exc
        return Response(SubscriptionOutput(subscription).data, status=status.HTTP_201_CREATED)


class SubscriptionDetailApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(responses=SubscriptionOutput)
    def get(self, request: Request, pk: int) -> Response:
        """One subscription of an entity you administer."""
        return Response(SubscriptionOutput(subscription_get_to_manage(user=signed_in(request), pk=pk)).data)

    @extend_schema(request=SubscriptionChangeInput, responses=SubscriptionOutput)
    def patch(self, request: Request, pk: int) -> Response:
        """Change a subscription. Omitted fields keep their values, the entity never changes, an
        omitted or blank secret keeps the current one."""
        user = signed_in(request)
        subscription = subscription_get_to_manage(user=user, pk=pk)
        current = {name: getattr(subscription, name) for name in SUBSCRIPTION_FIELDS}
        data = form_cleaned(SubscriptionForm({**current, **json_object(request)}, editing=True))
        try:
            subscription_update(subscription_id=pk, actor=user, **data)
        except WorkflowError as exc:
            raise _refused(exc) from exc
        return Response(SubscriptionOutput(subscription_get_to_manage(user=user, pk=pk)).data)


# --- trace -------------------------------------------------------------------------------------


class TraceItemOutput(serializers.Serializer):  # type: ignore[type-arg]
    at = serializers.DateTimeField()
    system = serializers.CharField(help_text='Where it happened: "Control tower", a connector, a subscriber.')
    kind = serializers.CharField(help_text="inbound, state change, action or outbound.")
    title = serializers.CharField()
    detail = serializers.CharField()
    link = serializers.CharField(help_text="The page of the record, when you may open it; else empty.")


class TraceOutput(serializers.Serializer):  # type: ignore[type-arg]
    correlation_id = serializers.CharField()
    items = TraceItemOutput(many=True, help_text="Oldest first.")


def _trace(correlation_id: str, items: list[TraceItem]) -> dict[str, Any]:
    return TraceOutput({"correlation_id": correlation_id, "items": items}).data


class TraceApi(APIView):
    """Everything you may see under one correlation id, oldest first; 404 when nothing is."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="trace_retrieve", responses=TraceOutput)
    def get(self, request: Request, correlation_id: str) -> Response:
        return Response(_trace(correlation_id, trace_get(user=signed_in(request), correlation_id=correlation_id)))


class TraceLookupApi(APIView):
    """The trace a record of your entities belongs to (record_type and record_id), or of a
    correlation id (q), as the trace page's search finds it. A record that is not yours is
    refused as on the page (400)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="trace_lookup",
        parameters=[
            OpenApiParameter("record_type", OpenApiTypes.STR, description='A model label, e.g. "payables.Payment".'),
            OpenApiParameter("record_id", OpenApiTypes.STR),
            OpenApiParameter("q", OpenApiTypes.STR, description="A correlation id (instead of a record)."),
        ],
        responses=TraceOutput,
    )
    def get(self, request: Request) -> Response:
        user = signed_in(request)
        form = TraceSearchForm(request.query_params, record_types=list(traceable_models()))
        data = form_cleaned(form, refuse_unknown=False)
        correlation_id = data["q"] or correlation_of(
            user=user, record_type=data["record_type"], record_id=data["record_id"].strip()
        )
        if not correlation_id:
            raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: ["No such record in your entities."]})
        return Response(_trace(correlation_id, trace_get(user=user, correlation_id=correlation_id)))
