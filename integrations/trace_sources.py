"""What connectors contribute to the trace of a correlation id: webhooks received and sync runs."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from finops.accounts.models import User
from integrations.models import InboundMessage, SyncRun
from integrations.outbox.trace import MAX_ITEMS_PER_SOURCE, TraceItem, visible_entities_q


def inbound_message_items(correlation_id: str, user: User) -> Iterable[TraceItem]:
    rows = (
        InboundMessage.objects.filter(correlation_id=correlation_id)
        .filter(visible_entities_q(user))
        .select_related("connector")
        .order_by("received_at", "id")[:MAX_ITEMS_PER_SOURCE]
    )
    for message in rows:
        yield TraceItem(
            at=message.received_at,
            system=message.connector.name,
            kind="inbound",
            title=f"Received {message.event_type or 'event'} {message.event_id}",
            detail=message.outcome or message.error or message.get_state_display(),
            link=reverse("integrations:connector-detail", args=[message.connector_id]),
        )


def sync_run_items(correlation_id: str, user: User) -> Iterable[TraceItem]:
    rows = (
        SyncRun.objects.filter(correlation_id=correlation_id)
        .filter(visible_entities_q(user))
        .select_related("connector")
        .order_by("created_at", "id")[:MAX_ITEMS_PER_SOURCE]
    )
    for run in rows:
        yield TraceItem(
            at=run.started_at or run.created_at,
            system=run.connector.name,
            kind="inbound",
            title=f"Sync run {run.pk}: {run.get_state_display().lower()}",
            detail=f"{run.received} received, {run.created} created, {run.updated} updated, {run.failed} failed",
            link=reverse("integrations:run-detail", args=[run.pk]),
        )
