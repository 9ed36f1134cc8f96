"""Events: the canonical ones the domain announces to webhook subscribers, and the ones it tells the
integrations about in-process so that they can act in the same transaction.

**Canonical events** (EVENT_KINDS) go out through the outbox. Each has one producer, in the app whose
record it is about (finops.invoicing.events, finops.receivables.events, finops.payables.events,
reconciliation.exceptions.events), called by the service that makes the business change, inside its
transaction, right after the change: the event exists iff the change committed. Each is idempotent
through event_publish's key (kind, record[, occurrence]); the services call them only when the
change really happened, so a redelivered webhook, a re-imported file or a replayed sync publishes
nothing.

An event is written only when the record's entity has an active subscription to its topic (one
EXISTS query). The relay sends an event to the subscriptions that existed when it was written, so
an event written with no subscriber would reach nobody; skipping it loses nothing and keeps bulk
work (a first ERP sync, the demo seed) from filling the outbox. Every event that is written is
sent, and the trace page shows it.

**In-process events** are frozen dataclasses a domain app defines (finops.invoicing.events.CashApplied,
finops.payables.events.BatchReleased, ...). The app calls event_notify(event) in its transaction;
whoever acts on it (an integration that queues an ERP cash receipt, the exception queue that opens
a master-data conflict) registered a subscriber at start-up with event_subscribe, in its
AppConfig.ready(). The domain never imports the subscriber: dependencies point down, calls come
back up through this registry. A subscriber runs in the caller's transaction, so what it writes
(an outbox message, an exception) commits or rolls back with the change; an error it raises is the
caller's error.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models

from finops.core.money import quantize
from finops.outbox.models import WebhookSubscription

E = TypeVar("E")

_SUBSCRIBERS: dict[type, dict[str, Callable[[Any], object]]] = {}


def event_has_subscribers(entity_id: int | None, kind: str) -> bool:
    """Whether any active subscription of the entity wants canonical events of `kind`."""
    if entity_id is None:
        return False
    return WebhookSubscription.objects.filter(
        entity_id=entity_id, is_active=True, topics__contains=[f"event.{kind}"]
    ).exists()


def event_wanted(kind: str, obj: models.Model) -> bool:
    """Whether the record's entity subscribes to `kind`. Producers ask before they gather the
    event's data, so an unwanted event costs this one query."""
    return event_has_subscribers(getattr(obj, "entity_id", None), kind)


def event_money(amount: Decimal, currency: str) -> str:
    return str(quantize(amount, currency))


def event_party(counterparty_id: int | None, name: str) -> dict[str, Any]:
    return {"id": counterparty_id, "name": name}


def event_subscribe(event_type: type[E], subscriber: Callable[[E], object]) -> None:
    """Call `subscriber` with every `event_type` notified from now on, in the notifying transaction.
    Subscribers run in the order they first subscribed; subscribing the same function again (a
    second AppConfig.ready() in tests) replaces it in place."""
    key = f"{subscriber.__module__}.{subscriber.__qualname__}"
    _SUBSCRIBERS.setdefault(event_type, {})[key] = subscriber


def event_unsubscribe(event_type: type[E], subscriber: Callable[[E], object]) -> None:
    _SUBSCRIBERS.get(event_type, {}).pop(f"{subscriber.__module__}.{subscriber.__qualname__}", None)


def event_notify(event: object) -> None:
    """Hand `event` to each subscriber of its type, in the caller's transaction. No subscriber is
    not an error: an installation without the integration that acts on it simply does nothing."""
    for subscriber in list(_SUBSCRIBERS.get(type(event), {}).values()):
        subscriber(event)
