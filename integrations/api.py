"""REST API of the connector screens: connectors (health, settings, schedule, mapping, credentials,
enable/disable, test connection, run now), sync runs (progress, replay) and the dead letter.

The same selectors, services, forms and permissions as integrations/views.py: outside the user's
entities a record is 404; a role that does not administer its entity gets 403; a list is 403 for
a user who administers no entity. Bodies are validated by the screens' forms, so the API refuses
what the page refuses, with the same message, under the field's name. Secrets go in, never out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
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
from finops.core.filters import EntityFilter
from finops.core.workflow import WorkflowError
from integrations.connectors import mapping_of, spec_for
from integrations.credentials import CredentialKeysMissing
from integrations.forms import ConnectorForm, CredentialsForm, MappingForm
from integrations.models import Connector, ConnectorKind, SyncFailure, SyncRun
from integrations.selectors import (
    admin_entities,
    connector_get,
    connector_list,
    failure_get,
    failure_list,
    live_run,
    require_integrations_admin,
    run_failures,
    run_get,
    run_list_for,
    run_percent,
)
from integrations.services import (
    SETTING_FIELDS,
    connector_configure,
    connector_create,
    connector_credentials_set,
    connector_set_enabled,
    connector_test,
)
from integrations.states import FailureKind, FailureState, SyncState
from integrations.sync.replay import failure_replay, run_replay
from integrations.sync.runs import sync_run_request

# --- shared by the integration APIs (bank files and outbox too) -------------------------------


def json_object(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, Mapping):
        raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: ["Send a JSON object."]})
    return dict(request.data)


def form_initial(form: forms.BaseForm) -> dict[str, Any]:
    """What the page's form starts from: the defaults of a new record, or an edit's current values.
    A body is laid over these, so omitted fields keep them."""
    values = {name: form.get_initial_for_field(field, name) for name, field in form.fields.items()}
    return {name: value for name, value in values.items() if value is not None}


def form_cleaned(form: forms.BaseForm, *, refuse_unknown: bool = True) -> dict[str, Any]:
    """The screen form's cleaned data, or a 400 naming each bad field with the screen's message.
    A key the form does not know is refused too: a misspelt field must not read as "unchanged"."""
    unknown = sorted(set(form.data) - set(form.fields)) if refuse_unknown else []
    errors: dict[str, list[str]] = {name: ["Not a field that can be set here."] for name in unknown}
    if not form.is_valid() or errors:
        for name, messages in form.errors.items():
            errors[api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name] = [str(m) for m in messages]
        raise ValidationError(errors)
    return form.cleaned_data


def refused(exc: Exception) -> ValidationError:
    """A workflow refusal (wrong state, already running, ...) as the API's 400."""
    return ValidationError({"detail": str(exc)})


def entity_by_code(form: forms.BaseForm) -> None:
    """The API names entities by code, as it shows them, where the page's select posts an id."""
    field = form.fields.get("entity")
    if isinstance(field, forms.ModelChoiceField) and not field.disabled:
        field.to_field_name = "code"


class AdministersAnEntity(BasePermission):
    """The connector list pages' rule: 403 unless the user administers at least one entity."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        require_integrations_admin(signed_in(request))
        return True


class ReplayOutput(serializers.Serializer):  # type: ignore[type-arg]
    ok = serializers.BooleanField(help_text="False when something is still failing.")
    message = serializers.CharField()


# --- connectors --------------------------------------------------------------------------------


class ConnectorApiForm(ConnectorForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entity_by_code(self)


class ConnectorOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    entity = serializers.CharField(source="entity.code")
    kind_display = serializers.CharField(source="get_kind_display")
    credential_fields = serializers.DictField(
        child=serializers.CharField(),
        help_text="Which credentials are set, and when each last changed. Never their values.",
    )
    lag_seconds = serializers.SerializerMethodField(help_text="Seconds since the last successful run.")

    class Meta:
        model = Connector
        fields = [
            "id",
            "kind",
            "kind_display",
            "entity",
            "is_enabled",
            *SETTING_FIELDS,
            "mapping",
            "credential_fields",
            "credentials_changed_at",
            "last_success_at",
            "last_failure_at",
            "failure_streak",
            "lag_seconds",
            "webhook_refusals",
            "last_refusal_at",
            "last_refusal_reason",
            "created_at",
            "updated_at",
        ]

    def get_lag_seconds(self, connector: Connector) -> int | None:
        if connector.last_success_at is None:
            return None
        return int((timezone.now() - connector.last_success_at).total_seconds())


class ConnectorDetailOutput(ConnectorOutput):
    credential_names = serializers.SerializerMethodField(help_text="The credentials this kind of connector takes.")
    effective_mapping = serializers.SerializerMethodField(help_text="The mapping with every default filled in.")
    can_run = serializers.SerializerMethodField()
    can_test = serializers.SerializerMethodField()
    live_run = serializers.SerializerMethodField(help_text="The run queued or running now, if any.")
    webhook_url = serializers.SerializerMethodField(help_text="Where the counterpart delivers (webhook kinds).")

    class Meta(ConnectorOutput.Meta):
        fields = [
            *ConnectorOutput.Meta.fields,
            "credential_names",
            "effective_mapping",
            "can_run",
            "can_test",
            "live_run",
            "webhook_url",
        ]

    def get_credential_names(self, connector: Connector) -> list[str]:
        return list(spec_for(connector.kind).credential_fields)

    def get_effective_mapping(self, connector: Connector) -> dict[str, Any]:
        return mapping_of(connector)

    def get_can_run(self, connector: Connector) -> bool:
        return spec_for(connector.kind).can_pull

    def get_can_test(self, connector: Connector) -> bool:
        return spec_for(connector.kind).has_test

    def get_live_run(self, connector: Connector) -> int | None:
        run = live_run(connector)
        return run.pk if run else None

    def get_webhook_url(self, connector: Connector) -> str:
        if not spec_for(connector.kind).receives_webhooks:
            return ""
        path = reverse("integrations:webhook-receive", args=[connector.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ConnectorSettingsInput(serializers.ModelSerializer):  # type: ignore[type-arg]
    """Settings and schedule, as ConnectorForm takes them; omitted fields keep their defaults
    (create) or current values (change). The form validates: these declarations document."""

    class Meta:
        model = Connector
        fields: tuple[str, ...] = SETTING_FIELDS
        extra_kwargs = {name: {"required": False} for name in SETTING_FIELDS}


class ConnectorCreateInput(ConnectorSettingsInput):
    kind = serializers.ChoiceField(choices=ConnectorKind.choices)
    entity = serializers.CharField(help_text="Code of an entity you administer.")

    class Meta(ConnectorSettingsInput.Meta):
        fields = ("kind", "entity", *SETTING_FIELDS)
        extra_kwargs = {**ConnectorSettingsInput.Meta.extra_kwargs, "name": {"required": True}}


class ConnectorChangeInput(ConnectorSettingsInput):
    mapping = serializers.JSONField(
        required=False, help_text="Replaces the field mapping; every key is checked against the kind's fields."
    )

    class Meta(ConnectorSettingsInput.Meta):
        fields = (*SETTING_FIELDS, "mapping")


class CredentialsInput(serializers.Serializer):  # type: ignore[type-arg]
    """Write-only; CredentialsForm validates. A connector takes the fields named in its
    credential_names; a blank or omitted one keeps the stored value."""

    token = serializers.CharField(required=False, allow_blank=True, write_only=True)
    webhook_secret = serializers.CharField(required=False, allow_blank=True, write_only=True)
    username = serializers.CharField(required=False, allow_blank=True, write_only=True)
    password = serializers.CharField(required=False, allow_blank=True, write_only=True)
    private_key = serializers.CharField(
        required=False, allow_blank=True, write_only=True, help_text="PEM or OpenSSH text, line breaks included."
    )
    forget_previous_secret = serializers.BooleanField(
        required=False, help_text="Webhook kinds: stop accepting the secret the last change replaced."
    )


class ConnectionTestOutput(serializers.Serializer):  # type: ignore[type-arg]
    ok = serializers.BooleanField()
    message = serializers.CharField()
    status = serializers.IntegerField(allow_null=True, help_text="HTTP status the counterpart answered.")
    elapsed_ms = serializers.IntegerField(allow_null=True)


class ConnectorFilter(django_filters.FilterSet):
    entity = EntityFilter()
    kind = django_filters.ChoiceFilter(choices=ConnectorKind.choices)
    is_enabled = django_filters.BooleanFilter()

    class Meta:
        model = Connector
        fields = ["entity", "kind", "is_enabled"]


class ConnectorListApi(ScopedListAPI):
    """The connectors of the entities you administer, with their health: last success, failure
    streak, lag since the last success, next scheduled run."""

    queryset = Connector.objects.none()
    permission_classes = [IsAuthenticated, AdministersAnEntity]
    parser_classes = [JSONParser]
    serializer_class = ConnectorOutput
    filterset_class = ConnectorFilter

    def select(self, user: User) -> QuerySet[Connector]:
        return connector_list(user=user)

    @extend_schema(request=ConnectorCreateInput, responses={201: ConnectorDetailOutput})
    def post(self, request: Request) -> Response:
        """Create a connector; omitted settings take the defaults the page's form starts from.
        Set its credentials next."""
        user = signed_in(request)
        defaults = form_initial(ConnectorApiForm(entities=admin_entities(user)))
        data = form_cleaned(ConnectorApiForm({**defaults, **json_object(request)}, entities=admin_entities(user)))
        connector = connector_create(actor=user, kind=data.pop("kind"), entity=data.pop("entity"), settings=data)
        output = ConnectorDetailOutput(connector_get(user=user, pk=connector.pk), context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class ConnectorDetailApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(responses=ConnectorDetailOutput)
    def get(self, request: Request, pk: int) -> Response:
        """One connector: settings, schedule, mapping, which credentials are set, health."""
        connector = connector_get(user=signed_in(request), pk=pk)
        return Response(ConnectorDetailOutput(connector, context={"request": request}).data)

    @extend_schema(request=ConnectorChangeInput, responses=ConnectorDetailOutput)
    def patch(self, request: Request, pk: int) -> Response:
        """Change settings, schedule and mapping in one go, or none of them when any is refused.
        Omitted fields keep their values; kind and entity never change."""
        user = signed_in(request)
        connector = connector_get(user=user, pk=pk)
        body = json_object(request)
        # the page's mapping form takes the mapping as JSON text
        mapping_text = json.dumps(body.pop("mapping")) if "mapping" in body else None
        current = form_initial(ConnectorApiForm(instance=connector, entities=admin_entities(user)))
        settings = form_cleaned(
            ConnectorApiForm({**current, **body}, instance=connector, entities=admin_entities(user))
        )
        mapping = None
        if mapping_text is not None:
            mapping = form_cleaned(MappingForm({"mapping": mapping_text}, connector=connector, actor=user))["mapping"]
        connector_configure(connector_id=pk, actor=user, settings=settings, mapping=mapping)
        output = ConnectorDetailOutput(connector_get(user=user, pk=pk), context={"request": request})
        return Response(output.data)


class _ConnectorSwitchApi(APIView):
    permission_classes = [IsAuthenticated]
    enabled: bool

    @extend_schema(request=None, responses=ConnectorDetailOutput)
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        connector_get(user=user, pk=pk)
        connector_set_enabled(connector_id=pk, actor=user, enabled=self.enabled)
        output = ConnectorDetailOutput(connector_get(user=user, pk=pk), context={"request": request})
        return Response(output.data)


class ConnectorEnableApi(_ConnectorSwitchApi):
    """Enable the connector: scheduled runs resume. Idempotent."""

    enabled = True


class ConnectorDisableApi(_ConnectorSwitchApi):
    """Disable the connector: no run starts, not even one already queued. Idempotent."""

    enabled = False


class ConnectorTestApi(APIView):
    """Test connection: one real call as the connector makes it. Writes nothing; a failed test
    is a 200 with ok false and what the counterpart answered."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=ConnectionTestOutput)
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        connector_get(user=user, pk=pk)
        return Response(ConnectionTestOutput(connector_test(connector_id=pk, actor=user)).data)


class ConnectorCredentialsApi(APIView):
    """Set credentials, stored encrypted. The answer says which are set and when; no response
    ever carries a secret. A blank or omitted value keeps the stored one."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(request=CredentialsInput, responses=ConnectorDetailOutput)
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        connector = connector_get(user=user, pk=pk)
        form = CredentialsForm(json_object(request), connector=connector)
        form_cleaned(form)
        try:
            connector_credentials_set(
                connector_id=pk,
                actor=user,
                values=form.secrets(),
                forget_previous_secret=bool(form.cleaned_data.get("forget_previous_secret")),
            )
        except CredentialKeysMissing as exc:
            raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [str(exc)]}) from exc
        output = ConnectorDetailOutput(connector_get(user=user, pk=pk), context={"request": request})
        return Response(output.data)


# --- sync runs ---------------------------------------------------------------------------------


class SyncRunOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    connector_name = serializers.CharField(source="connector.name")
    entity = serializers.CharField(source="entity.code")
    triggered_by = serializers.CharField(
        source="triggered_by.username", default=None, allow_null=True, help_text="Null: the schedule started it."
    )
    processed = serializers.IntegerField(help_text="Records dealt with so far, whatever the outcome.")
    percent = serializers.SerializerMethodField(help_text="Null while the source gives no total.")
    is_live = serializers.BooleanField(help_text="Queued or running: poll until false.")

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "connector",
            "connector_name",
            "entity",
            "state",
            "is_live",
            "attempt",
            "triggered_by",
            "correlation_id",
            "received",
            "created",
            "updated",
            "unchanged",
            "duplicates",
            "stale",
            "skipped",
            "failed",
            "retries",
            "processed",
            "expected_total",
            "percent",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_percent(self, run: SyncRun) -> int | None:
        return run_percent(run)


class SyncFailureBriefOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = SyncFailure
        fields = [
            "id",
            "kind",
            "resource",
            "key",
            "version",
            "state",
            "attempts",
            "error",
            "exception",
            "resolution",
            "last_attempt_at",
        ]


class FailureCountsOutput(serializers.Serializer):  # type: ignore[type-arg]
    open = serializers.IntegerField()
    dead = serializers.IntegerField()
    resolved = serializers.IntegerField()


class SyncRunDetailOutput(SyncRunOutput):
    """The run page: its counts and progress, and a summary of its failures (context["failures"],
    from run_failures). Each failure's payload is on /api/sync-failures/{id}/."""

    failure_counts = serializers.SerializerMethodField()
    failures = serializers.SerializerMethodField()

    class Meta(SyncRunOutput.Meta):
        fields = [*SyncRunOutput.Meta.fields, "failure_counts", "failures"]

    @extend_schema_field(FailureCountsOutput)
    def get_failure_counts(self, run: SyncRun) -> dict[str, int]:
        failures: list[SyncFailure] = self.context["failures"]
        return {state: sum(f.state == state for f in failures) for state in FailureState.values}

    @extend_schema_field(SyncFailureBriefOutput(many=True))
    def get_failures(self, run: SyncRun) -> Any:
        return SyncFailureBriefOutput(self.context["failures"], many=True).data


class SyncRunFilter(django_filters.FilterSet):
    connector = django_filters.NumberFilter(field_name="connector_id")
    state = django_filters.ChoiceFilter(choices=SyncState.choices)

    class Meta:
        model = SyncRun
        fields = ["connector", "state"]


class SyncRunListApi(ScopedListAPI):
    """Runs of the connectors you administer, newest first."""

    queryset = SyncRun.objects.none()
    permission_classes = [IsAuthenticated, AdministersAnEntity]
    serializer_class = SyncRunOutput
    filterset_class = SyncRunFilter

    def select(self, user: User) -> QuerySet[SyncRun]:
        return run_list_for(user=user)


class ConnectorRunApi(APIView):
    """Run now: queues a run for a worker (202) and answers with it; poll its detail while
    is_live. Refused (400) when the connector is disabled, has no base URL, only receives, or
    already has a run queued or running."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={202: SyncRunOutput})
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        connector_get(user=user, pk=pk)
        try:
            run = sync_run_request(connector_id=pk, actor=user)
        except WorkflowError as exc:
            raise refused(exc) from exc
        output = SyncRunOutput(run_get(user=user, pk=run.pk))
        location = reverse("api:syncrun-detail", args=[run.pk])
        return Response(output.data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class SyncRunDetailApi(APIView):
    """One run as its page shows it: counts, progress, state, its failures (poll while is_live)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SyncRunDetailOutput)
    def get(self, request: Request, pk: int) -> Response:
        run = run_get(user=signed_in(request), pk=pk)
        return Response(SyncRunDetailOutput(run, context={"failures": list(run_failures(run))}).data)


class SyncRunReplayApi(APIView):
    """Replay every unresolved failure of the run, pages first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=ReplayOutput)
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        run_get(user=user, pk=pk)
        try:
            result = run_replay(run_id=pk, actor=user)
        except WorkflowError as exc:
            raise refused(exc) from exc
        return Response(ReplayOutput(result).data)


# --- the dead letter ---------------------------------------------------------------------------


class SyncFailureOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    connector_name = serializers.CharField(source="connector.name")
    entity = serializers.CharField(source="entity.code")

    class Meta:
        model = SyncFailure
        fields = [
            "id",
            "connector",
            "connector_name",
            "entity",
            "run",
            "message",
            "kind",
            "resource",
            "key",
            "version",
            "payload",
            "raw",
            "request",
            "error",
            "attempts",
            "state",
            "exception",
            "resolution",
            "correlation_id",
            "created_at",
            "updated_at",
            "last_attempt_at",
            "dead_at",
            "resolved_at",
        ]


class SyncFailureFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        choices=FailureState.choices, help_text="Default dead (the dead letter, as on its page)."
    )
    kind = django_filters.ChoiceFilter(choices=FailureKind.choices)
    connector = django_filters.NumberFilter(field_name="connector_id")
    run = django_filters.NumberFilter(field_name="run_id")
    resource = django_filters.CharFilter()

    class Meta:
        model = SyncFailure
        fields = ["state", "kind", "connector", "run", "resource"]

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        data = data.copy() if data is not None else {}
        data.setdefault("state", FailureState.DEAD.value)
        super().__init__(data, *args, **kwargs)


class SyncFailureListApi(ScopedListAPI):
    """The dead letter of the connectors you administer (state=open or resolved for the others)."""

    queryset = SyncFailure.objects.none()
    permission_classes = [IsAuthenticated, AdministersAnEntity]
    serializer_class = SyncFailureOutput
    filterset_class = SyncFailureFilter

    def select(self, user: User) -> QuerySet[SyncFailure]:
        return failure_list(user=user, state=None)


class SyncFailureDetailApi(APIView):
    """One failure, in any state: payload (or raw body), error, attempts, resolution."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SyncFailureOutput)
    def get(self, request: Request, pk: int) -> Response:
        return Response(SyncFailureOutput(failure_get(user=signed_in(request), pk=pk)).data)


class SyncFailureReplayApi(APIView):
    """Another attempt with what was stored; success resolves the failure and its exception."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=ReplayOutput)
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        failure_get(user=user, pk=pk)
        try:
            result = failure_replay(failure_id=pk, actor=user)
        except WorkflowError as exc:
            raise refused(exc) from exc
        return Response(ReplayOutput(result).data)
