"""Finding work again whose worker died, for every kind of run that holds a lease (sync runs,
match runs): the runs whose lease expired are handed, one by one, each locked with skip_locked and
checked again, to the run's own `requeue` (which requeues or parks it); queued runs whose message
was lost (queued longer than `stuck_after`) are sent again. Two sweepers at once handle a run once:
the lock skips what the other holds, and the caller moves it by a compare-and-swap."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import models, transaction

M = TypeVar("M", bound=models.Model)
BATCH = 100


def leases_sweep(
    model: type[M],
    *,
    now: datetime,
    running: str,
    queued: str,
    stuck_after: timedelta,
    requeue: Callable[[M], bool],
    enqueue: Callable[[int], Any],
    related: tuple[str, ...] = (),
) -> list[int]:
    """requeue(run) for each running run whose lease expired, in its own transaction with the run
    locked (it returns whether it put the run back in the queue); enqueue(pk) for each run queued
    longer than `stuck_after`. Returns the pks requeued."""
    manager = model._default_manager
    expired = list(
        manager.filter(state=running, lease_expires_at__lt=now).order_by("pk").values_list("pk", flat=True)[:BATCH]
    )
    requeued: list[int] = []
    for pk in expired:
        with transaction.atomic():
            run = (
                manager.select_for_update(skip_locked=True)
                .select_related(*related)
                .filter(pk=pk, state=running, lease_expires_at__lt=now)
                .first()
            )
            if run is not None and requeue(run):
                requeued.append(pk)
    stuck = list(
        manager.filter(state=queued, updated_at__lt=now - stuck_after)
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    if stuck:
        manager.filter(pk__in=stuck, state=queued).update(updated_at=now)
        for pk in stuck:
            enqueue(pk)
    return requeued
