"""The receivables parts of an invoice's page: its collection notes, shown as a section of the
page (registered with finops.invoicing.views at start-up) and added here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.workflow import WorkflowError
from finops.invoicing.models import Invoice
from finops.invoicing.selectors import invoice_get
from finops.invoicing.states import InvoiceDirection
from finops.invoicing.views import invoice_page
from finops.receivables.forms import CollectionNoteForm
from finops.receivables.selectors import can_add_collection_note, collection_note_list
from finops.receivables.services import collection_note_add


def collection_notes_section(request: AuthedRequest, invoice: Invoice) -> Mapping[str, Any]:
    """The collection notes of a customer invoice, for its page."""
    is_ar = invoice.direction == InvoiceDirection.AR
    return {
        "notes": collection_note_list(user=request.user, invoice_id=invoice.pk) if is_ar else [],
        "can_add_note": is_ar and can_add_collection_note(request.user, invoice.entity),
        "note_form": CollectionNoteForm(),
    }


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
        return invoice_page(request, pk, status=422, extra={"note_form": form})
    messages.success(request, "Note added; it is on its way to the customer's CRM account.")
    return invoice_page(request, pk) if request.htmx else redirect("invoicing:invoice-detail", pk=pk)
