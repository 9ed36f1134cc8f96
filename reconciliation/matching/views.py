"""Match runs: the list (with Run now), a run's page and its live progress fragment."""

from typing import Any

from django.contrib import messages
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from finops.audit.selectors import events_for_object
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.listing import Column, render_list
from finops.core.workflow import WorkflowError
from reconciliation.matching.filters import MatchRunFilter
from reconciliation.matching.forms import MatchRunRequestForm
from reconciliation.matching.models import MatchRun
from reconciliation.matching.runs import match_run_ask
from reconciliation.matching.selectors import match_run_get, match_run_list

VIEW_PERM = "matching.view_matchrun"
EXPORT = (
    Column("id", lambda r: r.pk),
    Column("kind", lambda r: r.kind),
    Column("entity", lambda r: r.entity.code),
    Column("currency", lambda r: r.currency),
    Column("state", lambda r: r.state),
    Column("trigger", lambda r: r.trigger),
    Column("processed", lambda r: r.processed),
    Column("total", lambda r: r.total),
    Column("rule_version", lambda r: r.rule_version),
    Column("created_at", lambda r: r.created_at.isoformat()),
    Column("finished_at", lambda r: r.finished_at.isoformat() if r.finished_at else ""),
)


@role_required(VIEW_PERM)
def match_run_list_view(request: AuthedRequest) -> HttpResponseBase:
    return render_list(
        request,
        template="matching/run_list.html",
        rows=match_run_list(user=request.user),
        filterset_class=MatchRunFilter,
        export_columns=EXPORT,
        export_name="match-runs",
        context={"request_form": MatchRunRequestForm(user=request.user)},
    )


@require_POST
@role_required(VIEW_PERM)
def match_run_request_view(request: AuthedRequest) -> HttpResponseBase:
    """Run now. 404 for an entity the user does not see, 403 for a role that may not ask."""
    try:
        asked = match_run_ask(
            actor=request.user, kind=request.POST.get("kind", ""), entity_code=request.POST.get("entity", "")
        )
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("matching:run-list")
    if asked.created:
        messages.success(request, f"Run {asked.run.pk} is queued.")
    else:
        messages.info(request, f"Run {asked.run.pk} of {asked.run.scope} is already {asked.run.state}; it covers this.")
    return redirect("matching:run-detail", pk=asked.run.pk)


def _run_ctx(request: AuthedRequest, pk: int) -> dict[str, Any]:
    run: MatchRun = match_run_get(user=request.user, pk=pk)
    return {"run": run}


@role_required(VIEW_PERM)
def match_run_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    ctx = _run_ctx(request, pk)
    ctx["events"] = events_for_object(ctx["run"])
    return render(request, "matching/run_detail.html", ctx)


@role_required(VIEW_PERM)
def match_run_progress_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The progress fragment, polled every second while the run is live (it stops itself)."""
    return render(request, "matching/run_detail.html#progress", _run_ctx(request, pk))
