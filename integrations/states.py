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
LIVE_SYNC_STATES = (SyncState.QUEUED, SyncState.RUNNING)


class FailureKind(models.TextChoices):
    RECORD = "record", "Record"  # a record arrived but could not be applied
    PAGE = "page", "Page"  # a page could not be fetched or read after every attempt
    EVENT = "event", "Webhook event"  # a received event could not be processed


class FailureState(models.TextChoices):
    OPEN = "open", "Open (will be retried)"
    DEAD = "dead", "Dead letter"
    RESOLVED = "resolved", "Resolved"


FAILURE_TRANSITIONS: dict[str, frozenset[str]] = {
    FailureState.OPEN: frozenset({FailureState.DEAD, FailureState.RESOLVED}),
    FailureState.DEAD: frozenset({FailureState.RESOLVED}),
    FailureState.RESOLVED: frozenset(),
}
UNRESOLVED_FAILURE_STATES = (FailureState.OPEN, FailureState.DEAD)


class MessageState(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    DEAD = "dead", "Dead letter"


MESSAGE_TRANSITIONS: dict[str, frozenset[str]] = {
    MessageState.RECEIVED: frozenset({MessageState.PROCESSED, MessageState.DEAD}),
    MessageState.DEAD: frozenset({MessageState.PROCESSED}),  # a replay from the dead-letter screen
    MessageState.PROCESSED: frozenset(),
}


class ApplyOutcome(models.TextChoices):
    """What applying one inbound record did; each outcome is a counter on the run."""

    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    UNCHANGED = "unchanged", "Unchanged"
    DUPLICATE = "duplicates", "Duplicate"
    STALE = "stale", "Stale version"
    SKIPPED = "skipped", "Skipped (another entity's)"
    FAILED = "failed", "Failed"
