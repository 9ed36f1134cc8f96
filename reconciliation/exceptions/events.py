"""What the exception queue announces: exception-created (a canonical event, see finops.outbox.events)."""

from __future__ import annotations

from finops.outbox.events import event_wanted
from finops.outbox.models import OutboxMessage
from finops.outbox.services import event_publish
from reconciliation.exceptions.models import ExceptionItem


def exception_created_publish(item: ExceptionItem) -> OutboxMessage | None:
    """exception-created: a new item in an exception queue. Once per item.

    Not for an exception about an undeliverable event: the relay opens one when an event message
    dies, and announcing it to the same subscribers could fail and die in turn, without end."""
    if item.object_type == OutboxMessage._meta.label and str(item.detail.get("topic", "")).startswith("event."):
        return None
    if not event_wanted("exception-created", item):
        return None
    return event_publish(
        "exception-created",
        item,
        actor=None,
        data={
            "kind": item.kind,
            "dedupe_key": item.dedupe_key,
            "record": {"type": item.object_type, "id": item.object_id} if item.object_type else None,
        },
    )
