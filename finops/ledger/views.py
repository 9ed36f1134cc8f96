from django.contrib import messages
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from finops.audit.selectors import events_for_object
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.listing import Column, render_list
from finops.core.workflow import WorkflowError
from finops.ledger.filters import JournalEntryFilter
from finops.ledger.forms import JournalEntryForm, JournalLineFormSet, lines_of
from finops.ledger.models import JournalEntry
from finops.ledger.selectors import (
    journal_can_book,
    journal_entities,
    journal_entry_get,
    journal_entry_list,
    journal_entry_messages,
)
from finops.ledger.services import journal_entry_create, journal_entry_queue

EXPORT = (
    Column("entity", lambda e: e.entity.code),
    Column("entry", lambda e: e.external_id),
    Column("posting_on", lambda e: e.posting_on),
    Column("description", lambda e: e.description),
    Column("currency", lambda e: e.currency),
    Column("total", lambda e: e.total),
    Column("lines", lambda e: e.line_count),
    Column("state", lambda e: e.state),
    Column("erp_document", lambda e: e.erp_document_id),
    Column("posted_at", lambda e: e.posted_at),
)

MANUAL_SOURCE = "fct"


@role_required("ledger.view_journalentry")
def journal_list_view(request: AuthedRequest) -> HttpResponseBase:
    return render_list(
        request,
        template="ledger/journal_list.html",
        rows=journal_entry_list(user=request.user),
        filterset_class=JournalEntryFilter,
        export_columns=EXPORT,
        export_name="journal-entries",
    )


def _detail(request: AuthedRequest, pk: int, *, status: int = 200, error: str = "") -> HttpResponseBase:
    entry = journal_entry_get(user=request.user, pk=pk)
    ctx = {
        "entry": entry,
        "lines": entry.lines.order_by("line_no"),
        "outbox": journal_entry_messages(entry=entry),
        "can_book": journal_can_book(user=request.user, entry=entry),
        "error": error,
        "events": events_for_object(entry),
    }
    template = "ledger/journal_detail.html#posting" if request.htmx else "ledger/journal_detail.html"
    return render(request, template, ctx, status=status)


@role_required("ledger.view_journalentry")
def journal_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _detail(request, pk)


@role_required("ledger.add_journalentry")
def journal_create_view(request: AuthedRequest) -> HttpResponseBase:
    entities = journal_entities(user=request.user)
    form = JournalEntryForm(request.POST or None, entities=entities)
    lines = JournalLineFormSet(request.POST or None, prefix="lines")
    error = ""
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        try:
            entry = journal_entry_create(
                entity=data["entity"],
                posting_on=data["posting_on"],
                currency=data["currency"],
                description=data["description"],
                lines=lines_of(lines),
                external_id=f"MJ-{data['token'].hex[:16].upper()}",
                source=MANUAL_SOURCE,
                actor=request.user,
            )
        except WorkflowError as exc:
            error = str(exc)
        else:
            messages.success(request, f"Journal entry {entry.external_id} saved as a draft. Post it to the ERP next.")
            return redirect("ledger:journal-detail", pk=entry.pk)
    status = 422 if request.method == "POST" else 200
    ctx = {"form": form, "lines": lines, "error": error, "has_entities": entities.exists()}
    return render(request, "ledger/journal_form.html", ctx, status=status)


@require_POST
@role_required("ledger.add_journalentry")
def journal_post_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    entry: JournalEntry = journal_entry_get(user=request.user, pk=pk)  # 404 outside the user's entities
    try:
        journal_entry_queue(entry_id=entry.pk, actor=request.user)
    except WorkflowError as exc:
        return _detail(request, pk, status=422, error=str(exc))
    messages.success(request, "Queued for posting: the ERP document number appears here once the ERP has booked it.")
    return _detail(request, pk) if request.htmx else redirect("ledger:journal-detail", pk=pk)
