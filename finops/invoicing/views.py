from django.http.response import HttpResponseBase
from django.shortcuts import render

from finops.audit.selectors import events_for_object
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.listing import Column, render_list
from finops.invoicing.filters import InvoiceFilter
from finops.invoicing.selectors import invoice_get, invoice_list

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


@role_required("invoicing.view_invoice")
def invoice_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    invoice = invoice_get(user=request.user, pk=pk)
    return render(request, "invoicing/invoice_detail.html", {"invoice": invoice, "events": events_for_object(invoice)})
