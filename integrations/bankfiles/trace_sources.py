"""Bank files in the trace of a correlation id."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from finops.accounts.models import User
from integrations.bankfiles.models import InboundFile
from integrations.outbox.trace import MAX_ITEMS_PER_SOURCE, TraceItem, visible_entities_q


def inbound_file_items(correlation_id: str, user: User) -> Iterable[TraceItem]:
    rows = (
        InboundFile.objects.filter(correlation_id=correlation_id)
        .filter(visible_entities_q(user, via="entities"))
        .distinct()
        .order_by("received_at", "id")[:MAX_ITEMS_PER_SOURCE]
    )
    for inbound in rows:
        yield TraceItem(
            at=inbound.received_at,
            system="Bank",
            kind="inbound",
            title=f"Bank file {inbound.filename} ({inbound.format or 'unknown format'}): "
            f"{inbound.get_status_display().lower()}",
            detail=inbound.error,
            link=reverse("bankfiles:file-detail", args=[inbound.pk]),
        )
