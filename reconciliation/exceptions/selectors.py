from django.db.models import Count, QuerySet

from finops.accounts.models import User
from finops.core.scoping import scoped, scoped_get
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.states import OPEN_EXCEPTION_STATES, kinds_of_queue


def exception_list(*, user: User) -> QuerySet[ExceptionItem]:
    return scoped(ExceptionItem.objects.select_related("entity", "assignee"), user)


def exception_get(*, user: User, pk: int) -> ExceptionItem:
    return scoped_get(exception_list(user=user), user, pk=pk)


def open_counts_by_kind(*, user: User, queue: str | None = None) -> dict[str, int]:
    rows = exception_list(user=user).filter(state__in=OPEN_EXCEPTION_STATES)
    if queue:
        rows = rows.filter(kind__in=kinds_of_queue(queue))
    return {r["kind"]: r["n"] for r in rows.values("kind").annotate(n=Count("id")).order_by()}
