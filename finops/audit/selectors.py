from django.db.models import Model, Q, QuerySet

from finops.accounts.models import User
from finops.accounts.roles import VIEW_AUDIT
from finops.accounts.selectors import entities_for
from finops.audit.models import AuditEvent


def events_for_object(obj: Model, *, limit: int = 50) -> list[AuditEvent]:
    """The history shown on a record's own page (the caller has already checked access to it)."""
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk))
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )


def event_list(*, user: User) -> QuerySet[AuditEvent]:
    """Events of the entities where the user may read the audit trail; entity-less events
    (sign-ins, system jobs) only for superusers."""
    condition = Q(entity__in=entities_for(user, VIEW_AUDIT))
    if user.is_superuser:
        condition |= Q(entity__isnull=True)
    return AuditEvent.objects.filter(condition).select_related("entity")
