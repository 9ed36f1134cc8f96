"""The scheduler: one beat entry every minute queues a run of each connector that is due."""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from finops.core.workflow import WorkflowError
from integrations.connectors import spec_for
from integrations.models import Connector
from integrations.sync.runs import sync_run_queue

log = structlog.get_logger(__name__)
BATCH = 200


@transaction.atomic
def connector_dispatch_due(*, now: datetime | None = None) -> list[int]:
    """Queue a run of every enabled, scheduled connector whose next_run_at has come, and move
    next_run_at one cadence on. Returns the queued run ids.

    Idempotent: due connectors are locked with skip_locked, so two beats never take the same one,
    and the partial unique constraint refuses a second live run of a connector."""
    now = now or timezone.now()
    due = (
        Connector.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(is_enabled=True, cadence_minutes__isnull=False)
        .filter(Q(next_run_at__lte=now) | Q(next_run_at__isnull=True))
        .select_related("entity")
        .order_by("next_run_at", "pk")[:BATCH]
    )
    queued: list[int] = []
    for connector in due:
        if not spec_for(connector.kind).can_pull:
            Connector.objects.filter(pk=connector.pk).update(next_run_at=None, cadence_minutes=None)
            continue
        Connector.objects.filter(pk=connector.pk).update(
            next_run_at=now + timedelta(minutes=connector.cadence_minutes or 0)
        )
        try:
            queued.append(sync_run_queue(connector, actor=None).pk)
        except WorkflowError as exc:  # already running, or not configured yet
            log.info("sync.dispatch_skipped", connector=connector.pk, reason=str(exc))
    return queued
