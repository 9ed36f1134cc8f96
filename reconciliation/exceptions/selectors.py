from django.apps import apps
from django.db.models import Count, Model, QuerySet

from finops.accounts.models import User
from finops.core.scoping import scoped, scoped_get
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.states import OPEN_EXCEPTION_STATES, kinds_of_queue


def exception_list(*, user: User) -> QuerySet[ExceptionItem]:
    return scoped(ExceptionItem.objects.select_related("entity", "assignee"), user)


def exception_get(*, user: User, pk: int) -> ExceptionItem:
    return scoped_get(exception_list(user=user), user, pk=pk)


def exception_subject(item: ExceptionItem) -> Model | None:
    """The record an exception is about (its page links to it), when it still exists and belongs to
    the exception's entity or to no entity (a counterparty); the kind is looked up by its stored
    label, so the queue needs no import of the apps that raise exceptions."""
    if not item.object_type or not item.object_id:
        return None
    try:
        model = apps.get_model(item.object_type)
    except (LookupError, ValueError):
        return None
    subject = model._default_manager.filter(pk=item.object_id).first()
    if subject is None or getattr(subject, "entity_id", None) not in (None, item.entity_id):
        return None
    return subject


def open_counts_by_kind(*, user: User, queue: str | None = None) -> dict[str, int]:
    rows = exception_list(user=user).filter(state__in=OPEN_EXCEPTION_STATES)
    if queue:
        rows = rows.filter(kind__in=kinds_of_queue(queue))
    return {r["kind"]: r["n"] for r in rows.values("kind").annotate(n=Count("id")).order_by()}
