"""Permission-scoped reads of the outbox screens. Outbox messages and webhook subscriptions are
configuration-grade data: the lists show the entities the user administers; a single record of an
entity the user cannot see at all is a 404, one they see but do not administer a 403 (in the service)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from finops.accounts.models import User
from finops.accounts.roles import ADMINISTER_ENTITY
from finops.accounts.selectors import entities_for, require_entity_perm
from finops.masterdata.models import LegalEntity
from finops.outbox.models import OutboxMessage, WebhookSubscription
from integrations.outbox.forms import CORRELATION_ID
from integrations.outbox.trace import TraceItem, trace_collect, visible_entities_q


def administered_entities(user: User) -> QuerySet[LegalEntity]:
    return entities_for(user, ADMINISTER_ENTITY)


def require_outbox_admin(user: User) -> None:
    """403 unless the user administers at least one entity (or is a superuser)."""
    if not (user.is_superuser or administered_entities(user).exists()):
        raise PermissionDenied("Only admins of an entity manage its outbound messages and webhooks.")


def message_list(*, user: User) -> QuerySet[OutboxMessage]:
    condition = Q(entity__in=administered_entities(user))
    if user.is_superuser:
        condition |= Q(entity__isnull=True)
    return OutboxMessage.objects.filter(condition).select_related("entity")


def message_get(*, user: User, pk: int) -> OutboxMessage:
    """One message of an entity the user sees; 404 otherwise, whether or not it exists."""
    return get_object_or_404(OutboxMessage.objects.filter(visible_entities_q(user)).select_related("entity"), pk=pk)


def subscription_list(*, user: User) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(entity__in=administered_entities(user)).select_related("entity")


def subscription_get(*, user: User, pk: int) -> WebhookSubscription:
    return get_object_or_404(
        WebhookSubscription.objects.filter(entity__in=entities_for(user)).select_related("entity"), pk=pk
    )


def subscription_get_to_manage(*, user: User, pk: int) -> WebhookSubscription:
    """A subscription the user administers: 404 outside the user's entities, 403 for other roles."""
    subscription = subscription_get(user=user, pk=pk)
    require_entity_perm(user, ADMINISTER_ENTITY, subscription.entity)
    return subscription


def trace_get(*, user: User, correlation_id: str) -> list[TraceItem]:
    """Everything the user may see under one correlation id, oldest first; 404 when nothing is
    (a malformed id, an unknown one and one of other entities only all read the same)."""
    if not CORRELATION_ID.match(correlation_id):
        raise Http404("No such trace.")
    items = trace_collect(correlation_id, user)
    if not items:
        raise Http404("No such trace.")
    return items
