from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from finops.accounts.roles import ADMINISTER_ENTITY
from finops.accounts.selectors import entities_for, require_entity_perm
from finops.audit.selectors import events_for_object
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.listing import Column, render_list
from finops.core.workflow import WorkflowError
from finops.masterdata.filters import BankAccountFilter, BankChangeFilter, CounterpartyFilter
from finops.masterdata.forms import BankAccountEditForm, BankAccountForm, BankChangeRejectForm
from finops.masterdata.selectors import (
    bank_account_get,
    bank_account_list,
    bank_change_can_activate,
    bank_change_can_decide,
    bank_change_get,
    bank_change_list,
    counterparty_get,
    counterparty_list,
    held_for_account,
)
from finops.masterdata.services import (
    bank_account_create,
    bank_account_update,
    bank_change_activate,
    bank_change_reject,
    bank_change_verify,
)
from finops.masterdata.sor import DEFAULT_OWNERS, field_ownership_list

COUNTERPARTY_EXPORT = (
    Column("name", lambda c: c.name),
    Column("country", lambda c: c.country),
    Column("tax_id", lambda c: c.tax_id),
    Column("supplier", lambda c: c.is_supplier),
    Column("customer", lambda c: c.is_customer),
    Column("source", lambda c: c.source),
    Column("external_id", lambda c: c.external_id),
)
BANK_ACCOUNT_EXPORT = (
    Column("entity", lambda b: b.entity.code),
    Column("name", lambda b: b.name),
    Column("iban", lambda b: b.iban),
    Column("bic", lambda b: b.bic),
    Column("country", lambda b: b.country),
    Column("bank_code_kind", lambda b: b.bank_code_kind),
    Column("bank_code", lambda b: b.bank_code),
    Column("account_number", lambda b: b.account_number),
    Column("currency", lambda b: b.currency),
)


@role_required("masterdata.view_counterparty")
def counterparty_list_view(request: AuthedRequest) -> HttpResponseBase:
    return render_list(
        request,
        template="masterdata/counterparty_list.html",
        rows=counterparty_list(user=request.user).order_by("name"),
        filterset_class=CounterpartyFilter,
        export_columns=COUNTERPARTY_EXPORT,
        export_name="counterparties",
    )


@role_required("masterdata.view_counterparty")
def counterparty_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    counterparty = counterparty_get(user=request.user, pk=pk)
    mine = entities_for(request.user)
    return render(
        request,
        "masterdata/counterparty_detail.html",
        {
            "counterparty": counterparty,
            "entities": counterparty.entities.filter(pk__in=mine),
            "bank_accounts": counterparty.bank_accounts.all(),
            "invoices": counterparty.invoices.filter(entity__in=mine).select_related("entity")[:20],
            "events": events_for_object(counterparty),
        },
    )


@role_required("masterdata.view_bankaccount")
def bankaccount_list_view(request: AuthedRequest) -> HttpResponseBase:
    return render_list(
        request,
        template="masterdata/bankaccount_list.html",
        rows=bank_account_list(user=request.user),
        filterset_class=BankAccountFilter,
        export_columns=BANK_ACCOUNT_EXPORT,
        export_name="bank-accounts",
        context={"can_add": request.user.has_perm("masterdata.add_bankaccount")},
    )


EDITABLE = ("name", "currency", "iban", "bic", "account_number", "bank_code_kind", "bank_code", "country", "bank_name")


@role_required("masterdata.change_bankaccount")
def bankaccount_edit_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    account = bank_account_get(user=request.user, pk=pk)  # 404 outside the user's entities
    require_entity_perm(request.user, ADMINISTER_ENTITY, account.entity)  # type: ignore[arg-type]  # 403 to others
    initial = {field: getattr(account, field) for field in (*EDITABLE, "is_active")}
    form = BankAccountEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            bank_account_update(actor=request.user, account_id=account.pk, **form.cleaned_data)
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, f"{form.cleaned_data['name']} is saved.")
            return redirect("masterdata:bankaccount-detail", pk=account.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "masterdata/bankaccount_form.html", {"form": form, "account": account}, status=status)


@role_required("masterdata.add_bankaccount")
def bankaccount_create_view(request: AuthedRequest) -> HttpResponseBase:
    entities = entities_for(request.user, ADMINISTER_ENTITY)
    # ?iban= or ?account_number= fills the form in (a bank file refused for an account we lack links here)
    prefill = {field: request.GET[field] for field in ("iban", "account_number") if request.GET.get(field)}
    form = BankAccountForm(request.POST or None, entities=entities, initial=prefill)
    if request.method == "POST" and form.is_valid():
        try:
            account = bank_account_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                form.add_error("bank_code" if field == "routing_number" else field, problems)
        else:
            messages.success(request, f"{account.name} ({account.display_identifier}) is registered.")
            return redirect("masterdata:bankaccount-detail", pk=account.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "masterdata/bankaccount_form.html", {"form": form, "has_entities": entities.exists()}, status=status
    )


@role_required("masterdata.view_bankaccount")
def bankaccount_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    account = bank_account_get(user=request.user, pk=pk)
    return render(
        request,
        "masterdata/bankaccount_detail.html",
        {
            "account": account,
            "statements": account.statements.order_by("-statement_on")[:10],
            "events": events_for_object(account),
            "can_edit": request.user.has_perm("masterdata.change_bankaccount")
            and entities_for(request.user, ADMINISTER_ENTITY).filter(pk=account.entity_id or 0).exists(),
        },
    )


BANK_CHANGE_EXPORT = (
    Column("entity", lambda c: c.entity.code),
    Column("counterparty", lambda c: c.counterparty.name),
    Column("iban", lambda c: c.iban),
    Column("bic", lambda c: c.bic),
    Column("country", lambda c: c.country),
    Column("bank_code_kind", lambda c: c.bank_code_kind),
    Column("bank_code", lambda c: c.bank_code),
    Column("account_number", lambda c: c.account_number),
    Column("currency", lambda c: c.currency),
    Column("state", lambda c: c.state),
    Column("source", lambda c: c.source),
    Column("requested_by", lambda c: c.requested_by.username if c.requested_by else c.source),
    Column("requested_at", lambda c: c.created_at.isoformat()),
)


@role_required("masterdata.view_counterparty")
def bankchange_list_view(request: AuthedRequest) -> HttpResponseBase:
    return render_list(
        request,
        template="masterdata/bankchange_list.html",
        rows=bank_change_list(user=request.user),
        filterset_class=BankChangeFilter,
        export_columns=BANK_CHANGE_EXPORT,
        export_name="bank-account-changes",
    )


def _bankchange_page(
    request: AuthedRequest,
    pk: int,
    *,
    status: int = 200,
    error: str = "",
    reject_form: BankChangeRejectForm | None = None,
) -> HttpResponseBase:
    change = bank_change_get(user=request.user, pk=pk)
    ctx = {
        "change": change,
        "can_decide": bank_change_can_decide(user=request.user, change=change),
        "can_activate": bank_change_can_activate(user=request.user, change=change),
        "is_requester": change.requested_by_id == request.user.pk,
        "active_accounts": change.counterparty.bank_accounts.filter(is_active=True, currency=change.currency),
        "held_payments": held_for_account(request.user, change.bank_account_id) if change.bank_account_id else [],
        "reject_form": reject_form or BankChangeRejectForm(),
        "error": error,
        "events": events_for_object(change),
    }
    template = "masterdata/bankchange_detail.html#decision" if request.htmx else "masterdata/bankchange_detail.html"
    return render(request, template, ctx, status=status)


@role_required("masterdata.view_counterparty")
def bankchange_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _bankchange_page(request, pk)


def _decided(request: AuthedRequest, pk: int, decide: Callable[[], object], done: str) -> HttpResponseBase:
    """Run one decision; 422 with the reason shown when the workflow refuses it (403 and 404
    come from the service's permission checks)."""
    try:
        decide()
    except WorkflowError as exc:
        return _bankchange_page(request, pk, status=422, error=str(exc))
    messages.success(request, done)
    return _bankchange_page(request, pk) if request.htmx else redirect("masterdata:bankchange-detail", pk=pk)


@require_POST
@role_required("masterdata.view_counterparty")
def bankchange_verify_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    bank_change_get(user=request.user, pk=pk)  # 404 outside the user's entities, before anything else
    return _decided(request, pk, lambda: bank_change_verify(pk, request.user), "The bank-detail change is verified.")


@require_POST
@role_required("masterdata.view_counterparty")
def bankchange_activate_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    bank_change_get(user=request.user, pk=pk)
    return _decided(request, pk, lambda: bank_change_activate(pk, request.user), "The new bank details are active.")


@require_POST
@role_required("masterdata.view_counterparty")
def bankchange_reject_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    bank_change_get(user=request.user, pk=pk)
    form = BankChangeRejectForm(request.POST)
    if not form.is_valid():
        return _bankchange_page(request, pk, status=422, reject_form=form)
    reason = form.cleaned_data["reason"]
    return _decided(
        request, pk, lambda: bank_change_reject(pk, request.user, reason), "The bank-detail change is rejected."
    )


@role_required("masterdata.view_counterparty")
def fieldownership_list_view(request: AuthedRequest) -> HttpResponseBase:
    return render(
        request,
        "masterdata/fieldownership_list.html",
        {"rows": field_ownership_list(), "defaults": sorted(DEFAULT_OWNERS.items())},
    )
