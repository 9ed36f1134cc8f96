from django.http.response import HttpResponseBase
from django.shortcuts import render

from finops.accounts.selectors import entities_for
from finops.audit.selectors import events_for_object
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.listing import Column, render_list
from finops.masterdata.filters import BankAccountFilter, CounterpartyFilter
from finops.masterdata.selectors import bank_account_get, bank_account_list, counterparty_get, counterparty_list

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
    Column("routing_number", lambda b: b.routing_number),
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
        },
    )
