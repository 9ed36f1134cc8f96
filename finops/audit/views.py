from django.http.response import HttpResponseBase

from finops.audit.filters import AuditEventFilter
from finops.audit.selectors import event_list
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.listing import Column, render_list

EXPORT = (
    Column("occurred_at", lambda e: e.occurred_at.isoformat()),
    Column("user", lambda e: e.actor_name),
    Column("entity", lambda e: e.entity.code if e.entity else ""),
    Column("action", lambda e: e.action),
    Column("record_type", lambda e: e.object_type),
    Column("record_id", lambda e: e.object_id),
    Column("record", lambda e: e.object_repr),
    Column("before", lambda e: e.before),
    Column("after", lambda e: e.after),
    Column("reason", lambda e: e.reason),
    Column("correlation_id", lambda e: e.correlation_id),
)


@role_required("audit.view_auditevent")
def event_list_view(request: AuthedRequest) -> HttpResponseBase:
    return render_list(
        request,
        template="audit/event_list.html",
        rows=event_list(user=request.user),
        filterset_class=AuditEventFilter,
        export_columns=EXPORT,
        export_name="audit-trail",
    )
