from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.listing import Column, render_list
from finops.core.workflow import WorkflowError
from finops.outbox.services import outbox_retry, subscription_create, subscription_update
from integrations.outbox.filters import OutboxMessageFilter
from integrations.outbox.forms import SubscriptionForm, TraceSearchForm
from integrations.outbox.selectors import (
    administered_entities,
    message_get,
    message_list,
    require_outbox_admin,
    subscription_get_to_manage,
    subscription_list,
    trace_get,
)
from integrations.outbox.trace import correlation_of, traceable_models

EXPORT = (
    Column("id", lambda m: m.pk),
    Column("entity", lambda m: m.entity.code if m.entity else ""),
    Column("topic", lambda m: m.topic),
    Column("state", lambda m: m.state),
    Column("attempts", lambda m: m.attempts),
    Column("idempotency_key", lambda m: m.idempotency_key),
    Column("correlation_id", lambda m: m.correlation_id),
    Column("created_at", lambda m: m.created_at.isoformat()),
    Column("delivered_at", lambda m: m.delivered_at.isoformat() if m.delivered_at else ""),
    Column("next_attempt_at", lambda m: m.next_attempt_at.isoformat()),
    Column("last_error", lambda m: m.last_error),
)


@role_required()
def message_list_view(request: AuthedRequest) -> HttpResponseBase:
    require_outbox_admin(request.user)
    return render_list(
        request,
        template="outbox/message_list.html",
        rows=message_list(user=request.user),
        filterset_class=OutboxMessageFilter,
        export_columns=EXPORT,
        export_name="outbox-messages",
    )


@require_POST
@role_required()
def message_retry_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    message_get(user=request.user, pk=pk)  # 404 first, outside the user's entities
    try:
        outbox_retry(message_id=pk, actor=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Message {pk} will be sent again shortly.")
    # back to the list as it was filtered (the query string is the list's own filters)
    query = request.GET.urlencode()
    return redirect(reverse("outbox:message-list") + (f"?{query}" if query else ""))


@role_required()
def subscription_list_view(request: AuthedRequest) -> HttpResponseBase:
    require_outbox_admin(request.user)
    rows = subscription_list(user=request.user)
    return render(request, "outbox/subscription_list.html", {"subscriptions": rows})


def _form_page(request: AuthedRequest, form: SubscriptionForm, *, status: int = 200, **ctx: Any) -> HttpResponseBase:
    template = "outbox/subscription_form.html#form" if request.htmx else "outbox/subscription_form.html"
    return render(request, template, {"form": form, **ctx}, status=status)


@role_required()
def subscription_create_view(request: AuthedRequest) -> HttpResponseBase:
    require_outbox_admin(request.user)
    entities = administered_entities(request.user)
    if request.method != "POST":
        return _form_page(request, SubscriptionForm(entities=entities))
    form = SubscriptionForm(request.POST, entities=entities)
    if form.is_valid():
        try:
            subscription_create(actor=request.user, **form.cleaned_data)
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Subscription {form.cleaned_data['name']} added.")
            return redirect("outbox:subscription-list")
    return _form_page(request, form, status=422)


@role_required()
def subscription_edit_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    subscription = subscription_get_to_manage(user=request.user, pk=pk)
    if request.method != "POST":
        initial = {
            "name": subscription.name,
            "url": subscription.url,
            "topics": subscription.topics,
            "is_active": subscription.is_active,
        }
        return _form_page(request, SubscriptionForm(initial=initial, editing=True), subscription=subscription)
    form = SubscriptionForm(request.POST, editing=True)
    if form.is_valid():
        try:
            subscription_update(subscription_id=pk, actor=request.user, **form.cleaned_data)
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Subscription {form.cleaned_data['name']} saved.")
            return redirect("outbox:subscription-list")
    return _form_page(request, form, status=422, subscription=subscription)


@role_required()
def trace_search_view(request: AuthedRequest) -> HttpResponseBase:
    form = TraceSearchForm(request.GET or None, record_types=list(traceable_models()))
    if form.is_bound and form.is_valid():
        q = form.cleaned_data["q"]
        if q:
            return redirect("outbox:trace", correlation_id=q)
        found = correlation_of(
            user=request.user,
            record_type=form.cleaned_data["record_type"],
            record_id=form.cleaned_data["record_id"].strip(),
        )
        if found:
            return redirect("outbox:trace", correlation_id=found)
        form.add_error(None, "No such record in your entities.")
    return render(request, "outbox/trace_search.html", {"form": form}, status=422 if form.errors else 200)


@role_required()
def trace_view(request: AuthedRequest, correlation_id: str) -> HttpResponseBase:
    """Everything visible to the user under one correlation id, oldest first; 404 when nothing is."""
    items = trace_get(user=request.user, correlation_id=correlation_id)
    form = TraceSearchForm(initial={"q": correlation_id}, record_types=list(traceable_models()))
    return render(request, "outbox/trace_detail.html", {"correlation_id": correlation_id, "items": items, "form": form})
