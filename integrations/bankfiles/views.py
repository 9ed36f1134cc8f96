from typing import Any

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header

from finops.audit.selectors import events_for_object
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from integrations.bankfiles.forms import UploadForm
from integrations.bankfiles.selectors import (
    importable_entities,
    inbound_file_content,
    inbound_file_get,
    inbound_file_recent,
    inbound_file_statements,
    missing_account_help,
    require_importer,
)
from integrations.bankfiles.services import BankFileRefused, ImportResult, bank_file_check_size, bank_file_import

TEMPLATE = "bankfiles/file_upload.html"
# The summary comes back from jsonb in its own key order; the page shows the CLI's order.
SUMMARY_COUNTS = (
    "statements",
    "entries",
    "transactions",
    "accepted",
    "rejected",
    "unknown",
    "returns",
    "notifications_of_change",
    "duplicates",
    "documents",
)


def _page(
    request: AuthedRequest,
    form: UploadForm,
    *,
    status: int = 200,
    result: ImportResult | None = None,
    refused_id: int | None = None,
    missing_account: str = "",
) -> HttpResponseBase:
    ctx: dict[str, Any] = {
        "form": form,
        "result": result,
        "refused_id": refused_id,
        "missing": missing_account_help(user=request.user, identifier=missing_account),
        "files": inbound_file_recent(user=request.user),
        "entities": importable_entities(user=request.user),
        "is_htmx": bool(request.htmx),
    }
    template = f"{TEMPLATE}#upload" if request.htmx else TEMPLATE
    return render(request, template, ctx, status=status)


@role_required()
def upload_view(request: AuthedRequest) -> HttpResponseBase:
    require_importer(user=request.user)
    if request.method != "POST":
        return _page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=422)
    upload = form.cleaned_data["file"]
    name = upload.name or "upload"
    try:
        bank_file_check_size(size=upload.size or 0, filename=name)
        result = bank_file_import(
            data=upload.read(),
            filename=name,
            source="upload",
            user=request.user,
            correlation_id=getattr(request, "correlation_id", None),
        )
    except BankFileRefused as refusal:
        form.add_error("file", refusal.message)
        return _page(
            request, form, status=422, refused_id=refusal.inbound_file_id, missing_account=refusal.missing_account
        )
    if request.htmx:
        return _page(request, UploadForm(), result=result)
    return redirect("bankfiles:file-detail", pk=result.inbound_file_id)


@role_required("treasury.view_bankstatement")
def file_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    inbound = inbound_file_get(user=request.user, pk=pk)
    summary = inbound.summary or {}
    return render(
        request,
        "bankfiles/file_detail.html",
        {
            "file": inbound,
            "summary": summary,
            "warnings": summary.get("warnings", []),
            "counts": [(key, summary[key]) for key in SUMMARY_COUNTS if key in summary],
            "credits": summary.get("credits", {}),
            "debits": summary.get("debits", {}),
            "statements": inbound_file_statements(user=request.user, inbound_file=inbound),
            "missing": missing_account_help(user=request.user, identifier=summary.get("missing_account", "")),
            "events": events_for_object(inbound),
        },
    )


@role_required("treasury.view_bankstatement")
def file_content_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    require_importer(user=request.user)
    filename, content = inbound_file_content(user=request.user, pk=pk)
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response
