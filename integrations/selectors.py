"""Reads for the integration screens: admins of an entity see its connectors, runs and failures.

Outside the user's entities a record is 404; inside them without the admin role it is 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from finops.accounts.models import User
from finops.accounts.roles import ADMINISTER_ENTITY
from finops.accounts.selectors import entities_for, require_entity_perm
from finops.core.scoping import scoped_get
from finops.masterdata.models import LegalEntity
from integrations.models import Connector, InboundMessage, SyncFailure, SyncRun
from integrations.states import FailureState


def admin_entities(user: User) -> QuerySet[LegalEntity]:
    return entities_for(user, ADMINISTER_ENTITY)


def require_integrations_admin(user: User) -> None:
    """403 for a user who administers no entity at all (list pages have no record to 404 on)."""
    if not admin_entities(user).exists():
        raise PermissionDenied("Only an entity's admins configure its connectors.")


def connector_list(*, user: User) -> QuerySet[Connector]:
    return Connector.objects.filter(entity__in=admin_entities(user)).select_related("entity").order_by("name")


def connector_get(*, user: User, pk: int) -> Connector:
    connector = scoped_get(Connector.objects.select_related("entity"), user, pk=pk)
    require_entity_perm(user, ADMINISTER_ENTITY, connector.entity)
    return connector


def run_list(*, connector: Connector) -> QuerySet[SyncRun]:
    return connector.runs.select_related("triggered_by").order_by("-created_at", "-pk")


def run_list_for(*, user: User) -> QuerySet[SyncRun]:
    """Runs of every connector the user administers, newest first."""
    return (
        SyncRun.objects.filter(entity__in=admin_entities(user))
        .select_related("connector", "entity", "triggered_by")
        .order_by("-created_at", "-pk")
    )


def run_get(*, user: User, pk: int) -> SyncRun:
    run = scoped_get(SyncRun.objects.select_related("connector", "entity", "triggered_by"), user, pk=pk)
    require_entity_perm(user, ADMINISTER_ENTITY, run.entity)
    return run


def run_percent(run: SyncRun) -> int | None:
    """How far a run is, when the source said how many records to expect."""
    if not run.expected_total:
        return None
    return min(100, round(100 * run.processed / run.expected_total))


def live_run(connector: Connector) -> SyncRun | None:
    return connector.runs.filter(state__in=("queued", "running")).first()


def failure_list(*, user: User, state: str | None = FailureState.DEAD) -> QuerySet[SyncFailure]:
    """The dead letter by default; state=None: failures in every state."""
    rows = SyncFailure.objects.filter(entity__in=admin_entities(user))
    if state is not None:
        rows = rows.filter(state=state)
    return rows.select_related("connector", "run", "exception").order_by("-updated_at", "-pk")


def failure_get(*, user: User, pk: int) -> SyncFailure:
    failure = scoped_get(SyncFailure.objects.select_related("connector", "entity"), user, pk=pk)
    require_entity_perm(user, ADMINISTER_ENTITY, failure.entity)
    return failure


def run_failures(run: SyncRun) -> QuerySet[SyncFailure]:
    return run.failures.select_related("exception").order_by("state", "-updated_at", "-pk")


def message_list(*, connector: Connector) -> QuerySet[InboundMessage]:
    return connector.messages.order_by("-received_at", "-pk")
