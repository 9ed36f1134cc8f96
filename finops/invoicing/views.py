"""Invoices: the list, an invoice's page (for a supplier invoice: its 3-way match side by side, its
holds, whether it may be paid, and the decisions the user may take), the decisions themselves, and
the AP policy page."""

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from finops.accounts.roles import ADMINISTER_ENTITY, APPROVE_PAYMENTS
from finops.accounts.selectors import entities_for, holds_any, require_entity_perm
from finops.audit.selectors import events_for_object
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.listing import Column, render_list
from finops.core.workflow import WorkflowError
from finops.invoicing.filters import InvoiceFilter
from finops.invoicing.forms import (
    AcceptVarianceForm,
    ApAuthorityForm,
    ApPolicyForm,
    ApproveForm,
    CancelForm,
    ReleaseForm,
    VarianceDecisionForm,
)
from finops.invoicing.models import AUTHORITY_ROLES, LINE_COLUMNS, ApAuthority, ApPolicy, Invoice, InvoiceMatch
from finops.invoicing.selectors import (
    ap_authorities_of,
    ap_authority_of,
    ap_policy_of,
    hold_list,
    invoice_control_get,
    invoice_list,
    invoice_payability,
    variance_requests_waiting,
)
from finops.invoicing.services.decisions import (
    DECIDE_PERMISSIONS,
    invoice_approve,
    invoice_cancel,
    invoice_hold_release,
    require_decider,
    variance_accept,
    variance_decide,
)
from finops.invoicing.services.policy import ap_authority_save, ap_policy_save
from finops.invoicing.states import AP_JUDGED_STATES, HoldReason, InvoiceDirection, InvoiceState, VarianceState
from finops.masterdata.models import LegalEntity

EXPORT = (
    Column("entity", lambda i: i.entity.code),
    Column("direction", lambda i: i.direction),
    Column("number", lambda i: i.number),
    Column("counterparty", lambda i: i.counterparty.name),
    Column("currency", lambda i: i.currency),
    Column("amount", lambda i: i.amount),
    Column("open_amount", lambda i: i.open_amount),
    Column("issue_on", lambda i: i.issue_on),
    Column("due_on", lambda i: i.due_on),
    Column("state", lambda i: i.state),
    Column("source", lambda i: i.source),
    Column("external_id", lambda i: i.external_id),
)


@role_required("invoicing.view_invoice")
def invoice_list_view(request: AuthedRequest) -> HttpResponseBase:
    return render_list(
        request,
        template="invoicing/invoice_list.html",
        rows=invoice_list(user=request.user),
        filterset_class=InvoiceFilter,
        export_columns=EXPORT,
        export_name="invoices",
    )


# What apps above invoicing show on an invoice's page, registered at start-up (receivables: the
# collection notes of a customer invoice, finops.receivables.views): section(request, invoice)
# returns the template's context entries for it.
InvoicePageSection = Callable[[AuthedRequest, Invoice], Mapping[str, Any]]
_SECTIONS: dict[str, InvoicePageSection] = {}


def invoice_page_section_register(name: str, section: InvoicePageSection) -> None:
    _SECTIONS[name] = section


def invoice_page(
    request: AuthedRequest, pk: int, *, status: int = 200, extra: Mapping[str, Any] | None = None
) -> HttpResponseBase:
    """The invoice's page (its notes partial for htmx), with the registered sections; `extra`
    replaces context entries (e.g. a bound form with its errors)."""
    invoice = invoice_control_get(user=request.user, pk=pk)
    ctx: dict[str, Any] = {
        "invoice": invoice,
        "events": events_for_object(invoice),
        "is_ar": invoice.direction == InvoiceDirection.AR,
    }
    if invoice.direction == InvoiceDirection.AP:
        ctx.update(ap_control(request, invoice))
    for section in _SECTIONS.values():
        ctx.update(section(request, invoice))
    ctx.update(extra or {})
    template = "invoicing/invoice_detail.html#notes" if request.htmx else "invoicing/invoice_detail.html"
    return render(request, template, ctx, status=status)


@role_required("invoicing.view_invoice")
def invoice_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return invoice_page(request, pk)


# --- a supplier invoice's AP control ------------------------------------------------------------------

_NUMERIC = tuple(c for c in LINE_COLUMNS if c not in ("line_no", "po_line_no", "item", "reasons"))


def _decimal(value: object) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def side_by_side(match: InvoiceMatch) -> list[dict[str, Any]]:
    """The verdict's lines with their figures as Decimals, and the price variance in percent."""
    rows = []
    for row in match.line_rows:
        line: dict[str, Any] = {**row, **{k: _decimal(row[k]) for k in _NUMERIC}}
        variance, order_price = line["price_variance"], line["po_unit_price"]
        line["variance_pct"] = (
            (variance * 100 / order_price).quantize(Decimal("0.01")) if variance and order_price else None
        )
        line["billed_now"] = line["quantity"]
        rows.append(line)
    return rows


def ap_control(request: AuthedRequest, invoice: Invoice, **bound: Any) -> dict[str, Any]:
    """What the page shows of a supplier invoice's AP control, and which decisions it offers."""
    user = request.user
    match: InvoiceMatch | None = getattr(invoice, "match", None)
    holds = list(invoice.holds.all())
    active = {h.reason: h for h in holds if h.released_at is None}
    acceptances = list(invoice.variance_acceptances.all())
    waiting = next((a for a in acceptances if a.state == VarianceState.REQUESTED), None)
    decides = holds_any(user, DECIDE_PERMISSIONS, invoice.entity)
    controller = holds_any(user, (APPROVE_PAYMENTS,), invoice.entity)
    authority = ap_authority_of(user, invoice.entity)
    variance = active.get(HoldReason.MATCH_EXCEPTION)
    return {
        "match": match,
        "match_lines": side_by_side(match) if match else [],
        "holds": holds,
        "active_holds": list(active.values()),
        "payability": invoice_payability(invoice),
        "acceptances": [a for a in acceptances if a is not waiting],
        "waiting": waiting,
        "variance_authority": authority.describe(authority.variance_limit) if authority.roles else "none",
        "approval_authority": authority.describe(authority.approval_limit) if authority.roles else "none",
        "variance_within_authority": variance is not None
        and authority.covers_variance(variance.amount or Decimal(0), variance.currency or invoice.currency),
        "can_release": decides,
        "can_cancel": decides and invoice.state in AP_JUDGED_STATES,
        "can_accept": decides
        and invoice.state == InvoiceState.EXCEPTION
        and variance is not None
        and HoldReason.DUPLICATE not in active
        and waiting is None,
        "can_decide_variance": controller and waiting is not None and waiting.requested_by_id != user.pk,
        "asked_myself": waiting is not None and waiting.requested_by_id == user.pk,
        "can_approve": decides
        and (
            invoice.state == InvoiceState.MATCHED
            or (invoice.state == InvoiceState.RECEIVED and match is not None and match.status == "needs_approval")
        ),
        "release_form": bound.get("release_form", ReleaseForm()),
        "release_hold_id": bound.get("release_hold_id"),
        "cancel_form": bound.get("cancel_form", CancelForm()),
        "accept_form": bound.get("accept_form", AcceptVarianceForm()),
        "decision_form": bound.get("decision_form", VarianceDecisionForm()),
        "approve_form": bound.get("approve_form", ApproveForm()),
    }


def _decide(
    request: AuthedRequest,
    pk: int,
    form: forms.Form,
    form_name: str,
    action: Callable[[dict[str, Any]], object],
    done: str | Callable[[Any], str],
    **extra: Any,
) -> HttpResponseBase:
    """Run one decision from the invoice page: 404 outside the user's entities and 403 for a role
    that does not decide (before anything else), the form's errors (422) beside it, the refusal's
    reason (422), or the page again with what was done."""
    invoice = invoice_control_get(user=request.user, pk=pk)
    require_decider(request.user, invoice)
    result: Any = None
    if form.is_valid():
        try:
            result = action(form.cleaned_data)
        except WorkflowError as exc:
            form.add_error(None, str(exc))
    if form.errors:
        return invoice_page(request, pk, status=422, extra=ap_control(request, invoice, **{form_name: form}, **extra))
    messages.success(request, done(result) if callable(done) else done)
    return redirect("invoicing:invoice-detail", pk=pk)


@require_POST
@role_required("invoicing.view_invoice")
def hold_release_view(request: AuthedRequest, pk: int, hold_id: int) -> HttpResponseBase:
    if not hold_list(user=request.user).filter(invoice_id=pk, pk=hold_id).exists():
        raise Http404("No such record.")
    return _decide(
        request,
        pk,
        ReleaseForm(request.POST),
        "release_form",
        lambda data: invoice_hold_release(hold_id=hold_id, actor=request.user, reason=data["reason"]),
        "Released: the invoice is matched again on the next run.",
        release_hold_id=hold_id,
    )


@require_POST
@role_required("invoicing.view_invoice")
def invoice_cancel_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _decide(
        request,
        pk,
        CancelForm(request.POST),
        "cancel_form",
        lambda data: invoice_cancel(invoice_id=pk, actor=request.user, reason=data["reason"]),
        "Cancelled.",
    )


@require_POST
@role_required("invoicing.view_invoice")
def variance_accept_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    def accept(data: dict[str, Any]) -> object:
        return variance_accept(invoice_id=pk, actor=request.user, note=data["note"])

    def done(acceptance: Any) -> str:
        if acceptance.state == VarianceState.REQUESTED:
            return "The variance is above your authority: it waits for a controller."
        return "Variance accepted: the invoice is approved."

    return _decide(request, pk, AcceptVarianceForm(request.POST), "accept_form", accept, done)


@require_POST
@role_required("invoicing.view_invoice")
def variance_decision_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    invoice = invoice_control_get(user=request.user, pk=pk)
    require_decider(request.user, invoice, perms=(APPROVE_PAYMENTS,))
    waiting = variance_requests_waiting(user=request.user).filter(invoice_id=pk).first()

    def decide(data: dict[str, Any]) -> None:
        if waiting is None:
            raise WorkflowError("No variance of this invoice waits for a decision.")
        variance_decide(
            acceptance_id=waiting.pk, actor=request.user, accept=data["decision"] == "accept", note=data["note"]
        )

    return _decide(
        request,
        pk,
        VarianceDecisionForm(request.POST),
        "decision_form",
        decide,
        lambda _: (
            "Accepted: the invoice is approved."
            if request.POST.get("decision") == "accept"
            else "Declined: the invoice stays held."
        ),
    )


@require_POST
@role_required("invoicing.view_invoice")
def invoice_approve_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _decide(
        request,
        pk,
        ApproveForm(request.POST),
        "approve_form",
        lambda data: invoice_approve(invoice_id=pk, actor=request.user, note=data["note"]),
        "Approved.",
    )


# --- the AP policy page ------------------------------------------------------------------------------


def _policy_ctx(request: AuthedRequest, code: str, **bound: forms.BaseForm) -> dict[str, Any]:
    entities = entities_for(request.user)
    entity = entities.filter(code=code).first() if code else entities.first()
    if entity is None:
        raise Http404("No such record.")
    policy = ap_policy_of(entity)
    may_edit = holds_any(request.user, (ADMINISTER_ENTITY,), entity)
    authorities = ap_authorities_of(entity)
    authority_forms = {
        a.role: bound.get(f"authority_{a.role}", ApAuthorityForm(instance=a, prefix=a.role)) for a in authorities
    }
    events = [e for row in (policy, *authorities) if row.pk for e in events_for_object(row)]
    return {
        "entity": entity,
        "entities": entities,
        "policy": policy,
        "policy_form": bound.get("policy_form", ApPolicyForm(instance=policy)),
        "authorities": [(a, authority_forms[a.role]) for a in authorities],
        "may_edit": may_edit,
        "events": sorted(events, key=lambda e: e.occurred_at, reverse=True)[:50],
    }


@role_required("invoicing.view_invoice")
def ap_policy_view(request: AuthedRequest) -> HttpResponseBase:
    """The entity's AP policy and authorities: admins of the entity edit them; others read them."""
    return render(request, "invoicing/ap_policy.html", _policy_ctx(request, request.GET.get("entity", "")))


def _administered(request: AuthedRequest, code: str) -> LegalEntity:
    """The entity of `code` for an edit: 404 when the user does not see it, 403 unless they
    administer it."""
    entity = entities_for(request.user).filter(code=code).first()
    if entity is None:
        raise Http404("No such record.")
    require_entity_perm(request.user, ADMINISTER_ENTITY, entity)
    return entity


def _to_policy_page(code: str) -> HttpResponseBase:
    return redirect(f"{reverse('invoicing:ap-policy')}?{urlencode({'entity': code})}")


@require_POST
@role_required("invoicing.view_invoice")
def ap_policy_save_view(request: AuthedRequest, code: str) -> HttpResponseBase:
    entity = _administered(request, code)
    form = ApPolicyForm(request.POST, instance=ApPolicy(entity=entity))
    if form.is_valid():
        ap_policy_save(entity=entity, values=form.cleaned_data, actor=request.user)
        messages.success(request, f"The AP policy of {code} is saved; the next match run applies it.")
        return _to_policy_page(code)
    return render(request, "invoicing/ap_policy.html", _policy_ctx(request, code, policy_form=form), status=422)


@require_POST
@role_required("invoicing.view_invoice")
def ap_authority_save_view(request: AuthedRequest, code: str, role: str) -> HttpResponseBase:
    entity = _administered(request, code)
    if role not in dict(AUTHORITY_ROLES):
        raise Http404("No such record.")
    form = ApAuthorityForm(request.POST, instance=ApAuthority(entity=entity, role=role), prefix=role)
    if form.is_valid():
        ap_authority_save(entity=entity, role=role, values=form.cleaned_data, actor=request.user)
        messages.success(request, f"The authority of {dict(AUTHORITY_ROLES)[role]} in {code} is saved.")
        return _to_policy_page(code)
    bound = {f"authority_{role}": form}
    return render(request, "invoicing/ap_policy.html", _policy_ctx(request, code, **bound), status=422)
