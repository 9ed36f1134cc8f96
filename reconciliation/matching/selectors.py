from django.db.models import QuerySet

from finops.accounts.models import User
from finops.core.scoping import scoped, scoped_get
from reconciliation.matching.models import MatchRun


def match_run_list(*, user: User) -> QuerySet[MatchRun]:
    return scoped(MatchRun.objects.select_related("entity", "triggered_by"), user)


def match_run_get(*, user: User, pk: int) -> MatchRun:
    return scoped_get(match_run_list(user=user), user, pk=pk)


def match_run_latest(*, user: User, kind: str, entity_id: int) -> MatchRun | None:
    """The entity's newest run of `kind`, for a page that shows where matching stands."""
    return match_run_list(user=user).filter(kind=kind, entity_id=entity_id).order_by("-created_at", "-id").first()
