from collections.abc import Callable, Mapping
from typing import Any

from django.http.response import HttpResponseBase
from django.shortcuts import render

from finops.audit.selectors import events_for_object
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.listing import Column, render_list
from finops.invoicing.filters import InvoiceFilter
from finops.invoicing.models import Invoice
from finops.invoicing.selectors import invoice_get, invoice_list
from finops.invoicing.states import InvoiceDirection

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
    invoice = invoice_get(user=request.user, pk=pk)
    ctx: dict[str, Any] = {
        "invoice": invoice,
        "events": events_for_object(invoice),
        "is_ar": invoice.direction == InvoiceDirection.AR,
    }
    for section in _SECTIONS.values():
        ctx.update(section(request, invoice))
    ctx.update(extra or {})
    template = "invoicing/invoice_detail.html#notes" if request.htmx else "invoicing/invoice_detail.html"
    return render(request, template, ctx, status=status)


@role_required("invoicing.view_invoice")
def invoice_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return invoice_page(request, pk)
