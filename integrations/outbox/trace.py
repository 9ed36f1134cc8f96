"""The trace of a correlation id: what came in, what changed, what went out, across systems, in
time order. Each part of the product contributes its own items through a trace source.

Registering a source (from the module your AppConfig.ready() loads, e.g. integrations.registrations):

    from integrations.outbox.trace import TraceItem, trace_source_register, visible_entities_q

    def inbound_message_items(correlation_id: str, user: User) -> Iterable[TraceItem]:
        rows = InboundMessage.objects.filter(correlation_id=correlation_id).filter(visible_entities_q(user))
        for m in rows:
            yield TraceItem(at=m.received_at, system=m.connector.name, kind="inbound",
                            title=f"Received {m.kind} {m.external_id}", detail=m.summary,
                            link=reverse("integrations:message-detail", args=[m.pk]))

    trace_source_register("integrations.inbound_messages", inbound_message_items)

A source receives the correlation id and the signed-in user and returns only what that user may
see: items of entities outside the user's (entities_for(user)) are left out, entity-less items
only for superusers; visible_entities_q(user) builds that filter. `at` is an aware datetime;
`kind` is one of TRACE_KINDS; `link` is a URL the user may open, or "". A correlation id with no
visible item is a 404 on the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.urls import reverse

from finops.accounts.models import User
from finops.accounts.roles import ADMINISTER_ENTITY
from finops.accounts.selectors import entities_for
from finops.audit.models import AuditEvent
from finops.core.templatetags.finops import action_label
from finops.core.templatetags.records import page_of
from finops.masterdata.models import LegalEntity
from finops.outbox.models import OutboxMessage, OutboxState

TRACE_KINDS = ("inbound", "state change", "action", "outbound")
MAX_ITEMS_PER_SOURCE = 500


@dataclass(frozen=True)
class TraceItem:
    at: datetime
    system: str  # where it happened: "Control tower", "ERP", "Billing", a connector's or subscriber's name
    kind: str  # one of TRACE_KINDS
    title: str
    detail: str = ""
    link: str = ""


TraceSource = Callable[[str, User], Iterable[TraceItem]]
_SOURCES: dict[str, TraceSource] = {}


def trace_source_register(name: str, source: TraceSource, *, replace: bool = False) -> None:
    """Add a source under a unique name; registering a name twice is an error unless replace=True."""
    if name in _SOURCES and not replace:
        raise ValueError(f"A trace source named {name!r} is already registered.")
    _SOURCES[name] = source


def trace_source_unregister(name: str) -> None:
    _SOURCES.pop(name, None)


def trace_sources() -> list[str]:
    return list(_SOURCES)


def visible_entities_q(user: User, *, via: str = "entity") -> Q:
    """The rows a source may show: the user's entities, plus entity-less rows for superusers."""
    condition = Q(**{f"{via}__in": entities_for(user)})
    if user.is_superuser:
        condition |= Q(**{f"{via}__isnull": True})
    return condition


def trace_collect(correlation_id: str, user: User) -> list[TraceItem]:
    """Every visible item of every source, oldest first (ties keep the sources' own order)."""
    items: list[TraceItem] = []
    for source in _SOURCES.values():
        items.extend(source(correlation_id, user))
    return sorted(items, key=lambda item: item.at)


# --- finding a record's correlation id ---------------------------------------------------------


def traceable_models() -> dict[str, type[models.Model]]:
    """Models a trace can start from: they carry a correlation_id and an entity to scope by."""
    found: dict[str, type[models.Model]] = {}
    for model in apps.get_models():
        fields = {field.name: field for field in model._meta.get_fields() if field.concrete}
        entity = fields.get("entity")
        if (
            "correlation_id" in fields
            and isinstance(entity, models.ForeignKey)
            and entity.related_model is LegalEntity
            and model is not AuditEvent
        ):
            found[model._meta.label] = model
    return dict(sorted(found.items()))


def correlation_of(*, user: User, record_type: str, record_id: str) -> str | None:
    """The correlation id of a record the user may see, or None (unknown, foreign, no such type)."""
    model = traceable_models().get(record_type)
    if model is None or not (record_id.isascii() and record_id.isdigit()):
        return None
    row = model._default_manager.filter(visible_entities_q(user)).filter(pk=int(record_id)).first()
    if row is None:
        return None
    return str(getattr(row, "correlation_id", "") or "") or None


# --- built-in sources ------------------------------------------------------------------------


def audit_trace_items(correlation_id: str, user: User) -> Iterable[TraceItem]:
    """State changes and audited actions of the control tower itself."""
    rows = (
        AuditEvent.objects.filter(correlation_id=correlation_id)
        .filter(visible_entities_q(user))
        .order_by("occurred_at", "id")[:MAX_ITEMS_PER_SOURCE]
    )
    for event in rows:
        record = event.object_repr or f"#{event.object_id}"
        detail = f"by {event.actor_name or 'system'}"
        if event.reason:
            detail += f" — {event.reason}"
        yield TraceItem(
            at=event.occurred_at,
            system="Control tower",
            kind="state change" if "->" in event.action else "action",
            title=f"{event.object_type.rsplit('.', 1)[-1]} {record}: {action_label(event.action)}",
            detail=detail,
            link=page_of(event.object_type, event.object_id) or "",
        )


def _receiver_of(topic: str) -> str:
    if topic.startswith("erp."):
        return "ERP"
    if topic.startswith("event."):
        return "Webhook subscribers"
    return topic.split(".", 1)[0].upper()


def outbox_trace_items(correlation_id: str, user: User) -> Iterable[TraceItem]:
    """What the outbox sent for this correlation: queued, and delivered or failing, per receiver."""
    rows: Any = (
        OutboxMessage.objects.filter(correlation_id=correlation_id)
        .filter(visible_entities_q(user))
        .prefetch_related("deliveries__subscription")
        .order_by("created_at", "id")[:MAX_ITEMS_PER_SOURCE]
    )
    administered = set(entities_for(user, ADMINISTER_ENTITY).values_list("pk", flat=True))
    for message in rows:
        may_manage = message.entity_id in administered or (message.entity_id is None and user.is_superuser)
        link = f"{reverse('outbox:message-list')}?q={message.idempotency_key}" if may_manage else ""
        receiver = _receiver_of(message.topic)
        yield TraceItem(
            at=message.created_at,
            system="Control tower",
            kind="outbound",
            title=f"Queued {message.topic} for {receiver}",
            detail=f"Idempotency-Key {message.idempotency_key}",
            link=link,
        )
        if (
            message.state == OutboxState.DELIVERED
            and message.delivered_at is not None
            and receiver != "Webhook subscribers"
        ):
            document = message.result.get("document_number")
            record = f" as document {document}" if document else ""
            if not record and message.result.get("id"):
                record = f" as {message.result['id']}"  # e.g. the CRM's activity id
            yield TraceItem(
                at=message.delivered_at,
                system=receiver,
                kind="outbound",
                title=f"{receiver} accepted {message.topic}{record}",
                detail=f"after {message.attempts} attempt{'s' if message.attempts != 1 else ''}",
                link=link,
            )
        elif message.state in (OutboxState.FAILED, OutboxState.DEAD):
            yield TraceItem(
                at=message.updated_at,
                system=receiver,
                kind="outbound",
                title=f"{message.topic} {message.get_state_display().lower()} after {message.attempts} attempts",
                detail=message.last_error[:300],
                link=link,
            )
        for delivery in message.deliveries.all():
            name = f"Webhook {delivery.subscription.name}"
            if delivery.delivered_at is not None:
                yield TraceItem(delivery.delivered_at, name, "outbound", f"Delivered event {message.topic}", "", link)
            elif delivery.last_attempt_at is not None:
                yield TraceItem(
                    delivery.last_attempt_at,
                    name,
                    "outbound",
                    f"Event {message.topic} not accepted ({delivery.attempts} attempts)",
                    delivery.last_error[:300],
                    link,
                )
