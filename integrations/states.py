from django.db import models


class SyncState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTLY_FAILED = "partly_failed", "Partly failed"
    FAILED = "failed", "Failed"


SYNC_TRANSITIONS: dict[str, frozenset[str]] = {
    SyncState.QUEUED: frozenset({SyncState.RUNNING, SyncState.FAILED}),
    # running -> queued: the lease sweeper hands a dead worker's run to another worker
    SyncState.RUNNING: frozenset({SyncState.SUCCEEDED, SyncState.PARTLY_FAILED, SyncState.FAILED, SyncState.QUEUED}),
    SyncState.SUCCEEDED: frozenset(),
    SyncState.PARTLY_FAILED: frozenset(),
    SyncState.FAILED: frozenset(),
}
