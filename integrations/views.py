"""Connector screens (entity admins): list with health, settings, credentials, mapping, runs,
the run page with its live progress, and the dead letter with replay."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.http.response import HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from finops.audit.selectors import events_for_object
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.workflow import WorkflowError
from integrations.connectors import mapping_of, spec_for
from integrations.credentials import CredentialKeysMissing
from integrations.forms import ConnectorForm, CredentialsForm, MappingForm
from integrations.models import Connector, ConnectorKind
from integrations.selectors import (
    admin_entities,
    connector_get,
    connector_list,
    failure_get,
    failure_list,
    live_run,
    message_list,
    require_integrations_admin,
    run_failures,
    run_get,
    run_list,
    run_percent,
)
from integrations.services import (
    connector_create,
    connector_credentials_set,
    connector_mapping_set,
    connector_set_enabled,
    connector_test,
    connector_update,
)
from integrations.sync.replay import failure_replay, run_replay
from integrations.sync.runs import sync_run_request
from integrations.webhooks.receive import too_large, webhook_receive


@role_required()
def connector_list_view(request: AuthedRequest) -> HttpResponseBase:
    require_integrations_admin(request.user)
    return render(
        request,
        "integrations/connector_list.html",
        {"connectors": connector_list(user=request.user), "now": timezone.now()},
    )


@role_required()
def connector_create_view(request: AuthedRequest) -> HttpResponseBase:
    require_integrations_admin(request.user)
    entities = admin_entities(request.user)
    form = ConnectorForm(request.POST or None, entities=entities)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        connector = connector_create(
            actor=request.user, kind=data.pop("kind"), entity=data.pop("entity"), settings=data
        )
        messages.success(request, f"{connector.name} created. Set its credentials and mapping next.")
        return redirect("integrations:connector-detail", pk=connector.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "integrations/connector_form.html", {"form": form}, status=status)


@role_required()
def connector_edit_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    connector = connector_get(user=request.user, pk=pk)
    form = ConnectorForm(request.POST or None, instance=connector, entities=admin_entities(request.user))
    if request.method == "POST" and form.is_valid():
        settings = {k: v for k, v in form.cleaned_data.items() if k not in ("kind", "entity")}
        connector_update(connector_id=pk, actor=request.user, settings=settings)
        messages.success(request, "Settings saved.")
        return redirect("integrations:connector-detail", pk=pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "integrations/connector_form.html", {"form": form, "connector": connector}, status=status)


def _detail(request: AuthedRequest, connector: Connector, *, status: int = 200, **forms: Any) -> HttpResponseBase:
    spec = spec_for(connector.kind)
    runs = Paginator(run_list(connector=connector), 20).get_page(request.GET.get("page"))
    ctx = {
        "connector": connector,
        "spec": spec,
        "runs": runs,
        "live_run": live_run(connector),
        "credentials_form": forms.get("credentials_form") or CredentialsForm(connector=connector),
        "mapping_form": forms.get("mapping_form")
        or MappingForm(
            initial={"mapping": json.dumps(connector.mapping or {}, indent=2)}, connector=connector, actor=request.user
        ),
        "effective_mapping": json.dumps(mapping_of(connector), indent=2),
        "webhook_url": request.build_absolute_uri(f"/integrations/webhooks/{connector.pk}/")
        if spec.receives_webhooks
        else "",
        "inbound": message_list(connector=connector)[:20] if spec.receives_webhooks else [],
        "events": events_for_object(connector),
        "now": timezone.now(),
    }
    partial = request.GET.get("partial") or forms.get("partial")
    if request.htmx and partial in ("runs", "credentials", "mapping", "actions"):
        return render(request, f"integrations/connector_detail.html#{partial}", ctx, status=status)
    return render(request, "integrations/connector_detail.html", ctx, status=status)


@role_required()
def connector_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _detail(request, connector_get(user=request.user, pk=pk))


@require_POST
@role_required()
def connector_toggle_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    connector = connector_get(user=request.user, pk=pk)
    connector = connector_set_enabled(connector_id=pk, actor=request.user, enabled=not connector.is_enabled)
    messages.success(request, f"{connector.name} is {'enabled' if connector.is_enabled else 'disabled'}.")
    if request.htmx:
        return _detail(request, connector, partial="actions")
    return redirect("integrations:connector-detail", pk=pk)


@require_POST
@role_required()
def connector_test_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    connector_get(user=request.user, pk=pk)
    result = connector_test(connector_id=pk, actor=request.user)
    if request.htmx:
        return render(request, "integrations/connector_detail.html#test-result", {"result": result})
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("integrations:connector-detail", pk=pk)


@require_POST
@role_required()
def connector_run_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    connector_get(user=request.user, pk=pk)
    try:
        run = sync_run_request(connector_id=pk, actor=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("integrations:connector-detail", pk=pk)
    messages.success(request, f"Run {run.pk} is queued.")
    return redirect("integrations:run-detail", pk=run.pk)


@require_POST
@role_required()
def connector_credentials_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    connector = connector_get(user=request.user, pk=pk)
    form = CredentialsForm(request.POST, connector=connector)
    if form.is_valid():
        try:
            connector = connector_credentials_set(
                connector_id=pk,
                actor=request.user,
                values=form.secrets(),
                forget_previous_secret=bool(form.cleaned_data.get("forget_previous_secret")),
            )
        except CredentialKeysMissing as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Credentials saved (encrypted).")
            if not request.htmx:
                return redirect("integrations:connector-detail", pk=pk)
            return _detail(request, connector, partial="credentials")
    return _detail(request, connector, status=422, credentials_form=form, partial="credentials")


@require_POST
@role_required()
def connector_mapping_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    connector = connector_get(user=request.user, pk=pk)
    form = MappingForm(request.POST, connector=connector, actor=request.user)
    if form.is_valid():
        connector = connector_mapping_set(connector_id=pk, actor=request.user, mapping=form.cleaned_data["mapping"])
        messages.success(request, "Mapping saved.")
        if not request.htmx:
            return redirect("integrations:connector-detail", pk=pk)
        return _detail(request, connector, partial="mapping")
    return _detail(request, connector, status=422, mapping_form=form, partial="mapping")


def _run_ctx(request: AuthedRequest, pk: int) -> dict[str, Any]:
    run = run_get(user=request.user, pk=pk)
    return {"run": run, "percent": run_percent(run), "failures": run_failures(run), "events": events_for_object(run)}


@role_required()
def run_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return render(request, "integrations/run_detail.html", _run_ctx(request, pk))


@role_required()
def run_progress_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The progress partial, polled every second while the run is live (it stops itself)."""
    return render(request, "integrations/run_detail.html#progress", _run_ctx(request, pk))


@require_POST
@role_required()
def run_replay_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    run_get(user=request.user, pk=pk)
    try:
        result = run_replay(run_id=pk, actor=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        (messages.success if result.ok else messages.warning)(request, result.message)
    return redirect("integrations:run-detail", pk=pk)


@role_required()
def failure_list_view(request: AuthedRequest) -> HttpResponseBase:
    require_integrations_admin(request.user)
    page = Paginator(failure_list(user=request.user), 25).get_page(request.GET.get("page"))
    template = "integrations/failure_list.html#rows" if request.htmx else "integrations/failure_list.html"
    return render(request, template, {"page": page, "query": ""})


@require_POST
@role_required()
def failure_replay_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    failure = failure_get(user=request.user, pk=pk)
    try:
        result = failure_replay(failure_id=pk, actor=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        (messages.success if result.ok else messages.warning)(
            request, f"{failure.resource}/{failure.key}: {result.message}"
        )
    back = request.POST.get("next", "")
    if back == "run" and failure.run_id:
        return redirect("integrations:run-detail", pk=failure.run_id)
    return redirect("integrations:failure-list")


@csrf_exempt
@require_POST
def webhook_receive_view(request: HttpRequest, connector_id: int) -> HttpResponseBase:
    """Where billing platforms and gateways deliver. Signed, not logged in: CSRF does not apply.
    Answers 202 once the event is stored; processing happens on a worker."""
    connector = get_object_or_404(
        Connector.objects.select_related("entity"),
        pk=connector_id,
        is_enabled=True,
        kind__in=[k for k in ConnectorKind.values if spec_for(k).receives_webhooks],
    )
    declared = request.META.get("CONTENT_LENGTH") or "0"
    # refused on the declared length, before the body is read
    delivery = too_large(connector, int(declared) if declared.isdigit() else 0) or webhook_receive(
        connector=connector, body=request.body, headers=request.headers
    )
    payload: dict[str, Any] = {"status": delivery.outcome}
    if delivery.reason:
        payload["reason"] = delivery.reason
    return JsonResponse(payload, status=delivery.status)
