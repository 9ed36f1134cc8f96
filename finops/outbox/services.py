"""Writes on the outbox: enqueue a message in the caller's transaction, publish canonical events,
move messages through their states, retry a dead one, and keep webhook subscriptions.

Producers call outbox_enqueue (or event_publish) inside the transaction that makes the business
change. The relay (integrations.outbox.relay) delivers after commit; nothing else sends to the
outside directly. The relay sits above the domain, so it tells this module at start-up how to
wake it (relay_nudge_register).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import structlog
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils import timezone

from finops.accounts.roles import ADMINISTER_ENTITY
from finops.accounts.selectors import require_entity_perm
from finops.audit.context import current_correlation_id
from finops.audit.services import audit_record
from finops.core.money import quantize
from finops.core.workflow import ConcurrentTransition, InvalidTransition, WorkflowError
from finops.masterdata.models import LegalEntity
from finops.outbox.models import (
    EVENT_KINDS,
    EVENT_TOPIC_CHOICES,
    OutboxMessage,
    OutboxState,
    WebhookSubscription,
)

if TYPE_CHECKING:
    from finops.accounts.models import User

log = structlog.get_logger(__name__)

EVENT_TOPICS = frozenset(topic for topic, _ in EVENT_TOPIC_CHOICES)
# Attributes copied into a canonical event's "object" when the record has them.
_CANONICAL_FIELDS = (
    "source",
    "external_id",
    "state",
    "kind",
    "number",
    "direction",
    "title",
    "amount",
    "open_amount",
    "currency",
    "end_to_end_id",
    "posting_on",
    "issue_on",
    "due_on",
)


class OutboxConflict(WorkflowError):
    """The idempotency key is already used by a message with a different topic or payload."""


def _jsonable(payload: Mapping[str, Any]) -> dict[str, Any]:
    # The stored form, so a redelivered enqueue compares equal: Decimals and dates become the
    # strings they were written as, never floats.
    return json.loads(json.dumps(dict(payload), cls=DjangoJSONEncoder))  # type: ignore[no-any-return]


_relay_nudges: list[Callable[[], object]] = []


def relay_nudge_register(nudge: Callable[[], object]) -> None:
    """Called at start-up by what delivers the messages: `nudge` (e.g. a Celery task's delay) is
    called once after each commit that wrote a message. Registering the same nudge again is a no-op."""
    if nudge not in _relay_nudges:
        _relay_nudges.append(nudge)


def _send_nudge() -> None:
    for nudge in _relay_nudges:
        nudge()


def _nudge_relay_after_commit() -> None:
    """Ask a worker to relay right after commit, once per transaction however many messages it
    wrote. robust=True: a broker hiccup must not surface as an error after the data committed;
    beat's periodic relay picks the message up anyway."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(entry[1] is _send_nudge for entry in connection.run_on_commit):
        return
    transaction.on_commit(_send_nudge, robust=True)


def outbox_enqueue(
    topic: str,
    payload: Mapping[str, Any],
    *,
    entity: LegalEntity | None,
    idempotency_key: str | None = None,
    obj: models.Model | None = None,
    correlation_id: str | None = None,
) -> OutboxMessage:
    """Write one message in the caller's transaction; it exists iff that transaction commits.

    Idempotent by idempotency_key (unique in the database): the same key with the same topic and
    payload returns the existing message; the same key with anything different raises
    OutboxConflict. Without a key a fresh one is minted, so only the message's own redeliveries are
    deduplicated downstream.
    """
    key = idempotency_key or f"{topic}:{uuid4().hex}"
    stored = _jsonable(payload)
    existing = OutboxMessage.objects.filter(idempotency_key=key).first()
    if existing is None:
        try:
            with transaction.atomic():
                message = OutboxMessage.objects.create(
                    topic=topic,
                    payload=stored,
                    idempotency_key=key,
                    entity=entity,
                    object_type=obj._meta.label if obj is not None else "",
                    object_id=str(obj.pk) if obj is not None else "",
                    correlation_id=correlation_id or getattr(obj, "correlation_id", "") or current_correlation_id(),
                )
        except IntegrityError:
            # a concurrent transaction wrote the same key and committed first
            existing = OutboxMessage.objects.get(idempotency_key=key)
        else:
            _nudge_relay_after_commit()
            return message
    entity_id = entity.pk if entity is not None else None
    if existing.topic != topic or existing.payload != stored or existing.entity_id != entity_id:
        raise OutboxConflict(
            f"Idempotency key {key!r} is already used by outbox message {existing.pk} with a different "
            f"{'topic' if existing.topic != topic else 'entity' if existing.entity_id != entity_id else 'payload'}."
        )
    return existing


def outbox_move(message: OutboxMessage, *, to: str, **values: Any) -> None:
    """Compare-and-swap message.state to `to` (checked against OUTBOX_TRANSITIONS), setting
    `values` in the same UPDATE. When the message was claimed, the CAS also requires the same
    attempt number, so a relay whose lease expired cannot overwrite the one that took over."""
    current = message.state
    if to not in OutboxMessage.TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(f"OutboxMessage {message.pk}: {current} → {to} is not allowed.")
    values = {"state": to, "updated_at": timezone.now(), **values}
    updated = OutboxMessage.objects.filter(pk=message.pk, state=current, attempts=message.attempts).update(**values)
    if updated != 1:
        raise ConcurrentTransition(message, current)
    for field, value in values.items():
        setattr(message, field, value)


def outbox_revive(message: OutboxMessage, *, actor: User | None) -> OutboxMessage:
    """Dead → pending with a fresh set of attempts, audited; the caller holds the row lock and
    has checked the actor's rights. Idempotent through the state CAS: a message that is no longer
    dead is refused, so two clicks cannot send it twice."""
    if message.state != OutboxState.DEAD:
        raise WorkflowError(f"Only a dead message can be retried; this one is {message.get_state_display().lower()}.")
    previous = message.attempts
    outbox_move(message, to=OutboxState.PENDING, attempts=0, next_attempt_at=timezone.now(), lease_expires_at=None)
    audit_record(
        message,
        action="outbox.retried",
        actor=actor,
        before={"state": OutboxState.DEAD, "attempts": previous, "last_error": message.last_error},
        after={"state": OutboxState.PENDING},
    )
    _nudge_relay_after_commit()
    return message


@transaction.atomic
def outbox_retry(*, message_id: int, actor: User) -> OutboxMessage:
    """An admin of the message's entity retries a dead message (entity-less ones: superusers)."""
    message = OutboxMessage.objects.select_for_update(of=("self",)).select_related("entity").get(pk=message_id)
    if message.entity is None:
        if not actor.is_superuser:
            raise Http404("No such record.")
    else:
        require_entity_perm(actor, ADMINISTER_ENTITY, message.entity)
    return outbox_revive(message, actor=actor)


def _canonical_object(obj: models.Model) -> dict[str, Any]:
    data: dict[str, Any] = {"type": obj._meta.label, "id": str(obj.pk)}
    currency = str(getattr(obj, "currency", "") or "")
    for field in _CANONICAL_FIELDS:
        if hasattr(obj, field):
            value = getattr(obj, field)
            if isinstance(value, Decimal):
                # the same amount reads the same whether the instance is fresh or reloaded
                value = quantize(value, currency) if currency else value.normalize()
            data[field] = value
    entity = getattr(obj, "entity", None)
    if isinstance(entity, LegalEntity):
        data["entity"] = entity.code
    return data


def event_publish(
    kind: str,
    obj: models.Model,
    *,
    actor: User | None,
    data: Mapping[str, Any] | None = None,
    occurrence: str = "",
) -> OutboxMessage:
    """Announce a canonical event about `obj` to the entity's webhook subscribers, in the caller's
    transaction (call it from the service that makes the change, inside its atomic block).

    Idempotent per (kind, record, occurrence): the key is f"event.{kind}:{label}:{pk}[:{occurrence}]",
    so publishing the same event again returns the first message. Pass `occurrence` for events
    that can legitimately happen more than once to one record (e.g. a reopen counter).
    """
    if kind not in EVENT_KINDS:
        raise ValueError(f"Unknown event kind {kind!r}; known: {', '.join(EVENT_KINDS)}.")
    topic = f"event.{kind}"
    entity = obj if isinstance(obj, LegalEntity) else getattr(obj, "entity", None)
    key = f"{topic}:{obj._meta.label}:{obj.pk}" + (f":{occurrence}" if occurrence else "")
    payload = {
        "object": _canonical_object(obj),
        "actor": actor.get_username() if actor is not None and actor.pk else "system",
        "data": dict(data or {}),
    }
    return outbox_enqueue(topic, payload, entity=entity, idempotency_key=key, obj=obj)


def _clean_topics(topics: Sequence[str]) -> list[str]:
    unknown = sorted(set(topics) - EVENT_TOPICS)
    if unknown:
        raise WorkflowError(f"Unknown event topics: {', '.join(unknown)}.")
    if not topics:
        raise WorkflowError("Choose at least one event.")
    return sorted(set(topics))


def _subscription_snapshot(subscription: WebhookSubscription) -> dict[str, Any]:
    # never the secret, not even in the audit trail
    return {
        "name": subscription.name,
        "url": subscription.url,
        "topics": list(subscription.topics),
        "is_active": subscription.is_active,
    }


@transaction.atomic
def subscription_create(
    *,
    actor: User | None,
    entity: LegalEntity,
    name: str,
    url: str,
    secret: str,
    topics: Sequence[str],
    is_active: bool = True,
) -> WebhookSubscription:
    """Add a webhook subscription for an entity's admins (actor None: the system, a management
    command). Not idempotent by design: the database refuses a second subscription with the same
    (entity, name)."""
    if actor is not None:
        require_entity_perm(actor, ADMINISTER_ENTITY, entity)
    if not secret:
        raise WorkflowError("A subscription needs a signing secret.")
    if WebhookSubscription.objects.filter(entity=entity, name=name).exists():
        raise WorkflowError(f"{entity.code} already has a subscription named {name!r}.")
    subscription = WebhookSubscription.objects.create(
        entity=entity, name=name, url=url, secret=secret, topics=_clean_topics(topics), is_active=is_active
    )
    audit_record(subscription, action="webhook.created", actor=actor, after=_subscription_snapshot(subscription))
    return subscription


@transaction.atomic
def subscription_update(
    *,
    subscription_id: int,
    actor: User | None,
    name: str,
    url: str,
    topics: Sequence[str],
    is_active: bool,
    secret: str = "",
) -> WebhookSubscription:
    """Change a subscription (actor None: the system); a blank secret keeps the current one.
    Idempotent: the same values again change nothing but write one more audit event."""
    subscription = WebhookSubscription.objects.select_for_update().select_related("entity").get(pk=subscription_id)
    if actor is not None:
        require_entity_perm(actor, ADMINISTER_ENTITY, subscription.entity)
    if (
        name != subscription.name
        and WebhookSubscription.objects.filter(entity=subscription.entity, name=name)
        .exclude(pk=subscription.pk)
        .exists()
    ):
        raise WorkflowError(f"{subscription.entity.code} already has a subscription named {name!r}.")
    before = _subscription_snapshot(subscription)
    values: dict[str, Any] = {
        "name": name,
        "url": url,
        "topics": _clean_topics(topics),
        "is_active": is_active,
        "updated_at": timezone.now(),
    }
    if secret:
        values["secret"] = secret
    WebhookSubscription.objects.filter(pk=subscription.pk).update(**values)
    for field, value in values.items():
        setattr(subscription, field, value)
    audit_record(
        subscription,
        action="webhook.updated",
        actor=actor,
        before=before,
        after={**_subscription_snapshot(subscription), "secret_changed": bool(secret)},
    )
    return subscription
