from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from finops.accounts.selectors import can_work_in
from finops.audit.selectors import events_for_object
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.listing import Column, render_list
from finops.core.workflow import WorkflowError
from reconciliation.exceptions.filters import ExceptionFilter
from reconciliation.exceptions.forms import ResolveForm, WriteOffForm
from reconciliation.exceptions.selectors import exception_get, exception_list, exception_subject
from reconciliation.exceptions.services import exception_resolve, exception_start, exception_write_off
from reconciliation.exceptions.states import ExceptionKind

SETTLED_ON_RECORD = (ExceptionKind.THREE_WAY_MISMATCH, ExceptionKind.DUPLICATE_INVOICE)

EXPORT = (
    Column("entity", lambda e: e.entity.code),
    Column("kind", lambda e: e.kind),
    Column("state", lambda e: e.state),
    Column("title", lambda e: e.title),
    Column("amount", lambda e: e.amount),
    Column("currency", lambda e: e.currency),
    Column("assignee", lambda e: e.assignee.get_username() if e.assignee else ""),
    Column("created_at", lambda e: e.created_at.isoformat()),
    Column("correlation_id", lambda e: e.correlation_id),
)


@role_required()
def exception_list_view(request: AuthedRequest) -> HttpResponseBase:
    return render_list(
        request,
        template="reconciliation/exception_list.html",
        rows=exception_list(user=request.user),
        filterset_class=ExceptionFilter,
        export_columns=EXPORT,
        export_name="exceptions",
    )


def _detail(request: AuthedRequest, pk: int, *, status: int = 200, **forms_: forms.Form) -> HttpResponseBase:
    item = exception_get(user=request.user, pk=pk)
    ctx = {
        "item": item,
        "subject": exception_subject(item),
        "events": events_for_object(item),
        "can_work": can_work_in(request.user, item.entity),
        "can_write_off": request.user.has_perm("masterdata.approve_payments", item.entity),
        # a supplier invoice's 3-way mismatch or suspected duplicate is settled by deciding on the
        # invoice (accept, release, cancel), which resolves this item; resolving it here would not
        "settled_on_record": item.kind in SETTLED_ON_RECORD and item.object_type == "invoicing.Invoice",
        "resolve_form": forms_.get("resolve_form", ResolveForm()),
        "write_off_form": forms_.get("write_off_form", WriteOffForm()),
    }
    template = "reconciliation/exception_detail.html#work" if request.htmx else "reconciliation/exception_detail.html"
    return render(request, template, ctx, status=status)


@role_required()
def exception_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _detail(request, pk)


def _act(
    request: AuthedRequest, pk: int, form_name: str, form: forms.Form | None, action: Callable[..., Any], done: str
) -> HttpResponseBase:
    exception_get(user=request.user, pk=pk)  # 404 first, outside the user's entities
    if form is not None and not form.is_valid():
        return _detail(request, pk, status=422, **{form_name: form})
    try:
        action(**(form.cleaned_data if form is not None else {}))
    except WorkflowError as exc:
        if form is None:
            messages.error(request, str(exc))
            return _detail(request, pk, status=422)
        form.add_error(None, str(exc))
        return _detail(request, pk, status=422, **{form_name: form})
    messages.success(request, done)
    return _detail(request, pk) if request.htmx else redirect("reconciliation:exception-detail", pk=pk)


@require_POST
@role_required()
def exception_start_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _act(
        request, pk, "", None, lambda: exception_start(item_id=pk, actor=request.user), "You are working on it."
    )


@require_POST
@role_required()
def exception_resolve_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _act(
        request,
        pk,
        "resolve_form",
        ResolveForm(request.POST),
        lambda resolution: exception_resolve(item_id=pk, actor=request.user, resolution=resolution),
        "Resolved.",
    )


@require_POST
@role_required()
def exception_write_off_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _act(
        request,
        pk,
        "write_off_form",
        WriteOffForm(request.POST),
        lambda reason: exception_write_off(item_id=pk, actor=request.user, reason=reason),
        "Written off.",
    )
