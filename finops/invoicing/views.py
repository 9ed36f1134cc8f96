from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from finops.audit.selectors import events_for_object
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.listing import Column, render_list
from finops.core.workflow import WorkflowError
from finops.invoicing.filters import InvoiceFilter
from finops.invoicing.selectors import invoice_get, invoice_list
from finops.invoicing.states import InvoiceDirection
from finops.receivables.forms import CollectionNoteForm
from finops.receivables.selectors import can_add_collection_note, collection_note_list
from finops.receivables.services import collection_note_add

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


def _invoice_page(
    request: AuthedRequest, pk: int, *, status: int = 200, note_form: CollectionNoteForm | None = None
) -> HttpResponseBase:
    invoice = invoice_get(user=request.user, pk=pk)
    is_ar = invoice.direction == InvoiceDirection.AR
    ctx = {
        "invoice": invoice,
        "events": events_for_object(invoice),
        "is_ar": is_ar,
        "notes": collection_note_list(user=request.user, invoice_id=invoice.pk) if is_ar else [],
        "can_add_note": is_ar and can_add_collection_note(request.user, invoice.entity),
        "note_form": note_form or CollectionNoteForm(),
    }
    template = "invoicing/invoice_detail.html#notes" if request.htmx else "invoicing/invoice_detail.html"
    return render(request, template, ctx, status=status)


@role_required("invoicing.view_invoice")
def invoice_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _invoice_page(request, pk)


@require_POST
@role_required("invoicing.view_invoice")
def collection_note_add_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    invoice = invoice_get(user=request.user, pk=pk)  # 404 outside the user's entities, before anything else
    if not can_add_collection_note(request.user, invoice.entity):
        raise PermissionDenied("Your role in this entity does not allow adding collection notes.")
    form = CollectionNoteForm(request.POST)
    if form.is_valid():
        try:
            collection_note_add(invoice_id=pk, author=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            form.add_error(None, exc)
        except WorkflowError as exc:
            form.add_error(None, str(exc))
    if form.errors:
        return _invoice_page(request, pk, status=422, note_form=form)
    messages.success(request, "Note added; it is on its way to the customer's CRM account.")
    return _invoice_page(request, pk) if request.htmx else redirect("invoicing:invoice-detail", pk=pk)
