"""The lease sweeper: work whose worker died is found again here, not by hoping the broker
redelivers it."""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from django.utils import timezone

from finops.core.leases import leases_sweep
from finops.core.workflow import transition
from integrations.models import SyncRun
from integrations.states import SyncState
from integrations.sync.runs import _enqueue, sync_run_enqueue_on_commit, sync_run_fail

log = structlog.get_logger(__name__)
MAX_CLAIMS = 5  # a run whose worker died this often is parked as failed, with an exception
STUCK_QUEUED_AFTER = timedelta(minutes=10)


def sync_lease_sweep(*, now: datetime | None = None) -> list[int]:
    """Requeue (running → queued) every run whose lease expired, and enqueue it again after commit.

    Idempotent: each run is locked with skip_locked and moved by a compare-and-swap, so two
    sweepers requeue it once; a queued run enqueued twice is claimed once."""

    def requeue(run: SyncRun) -> bool:
        if run.attempt >= MAX_CLAIMS:
            sync_run_fail(run, error=f"The worker running this sync stopped {run.attempt} times; parked.")
            return False
        SyncRun.objects.filter(pk=run.pk).update(lease_token="", lease_expires_at=None)
        transition(run, to=SyncState.QUEUED, actor=None, reason="Lease expired: the worker stopped heartbeating.")
        sync_run_enqueue_on_commit(run.pk)
        log.warning("sync.lease_expired", run=run.pk, attempt=run.attempt)
        return True

    # A queued run whose message was lost (broker restart before it was delivered) is sent again;
    # a duplicate message finds the run claimed and returns.
    return leases_sweep(
        SyncRun,
        now=now or timezone.now(),
        running=SyncState.RUNNING,
        queued=SyncState.QUEUED,
        stuck_after=STUCK_QUEUED_AFTER,
        requeue=requeue,
        enqueue=_enqueue,
    )
