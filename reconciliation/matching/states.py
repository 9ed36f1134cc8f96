from django.db import models


class MatchKind(models.TextChoices):
    """What a match run matches. A kind is run by the executor registered for it
    (reconciliation.matching.runs.match_kind_register); a kind without one cannot be requested."""

    THREE_WAY = "three_way", "3-way match of supplier invoices"
    CASH_APPLICATION = "cash_application", "Cash application"
    BANK_RECONCILIATION = "bank_reconciliation", "Bank reconciliation"


class MatchRunState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


R = MatchRunState
MATCH_RUN_TRANSITIONS: dict[str, frozenset[str]] = {
    R.QUEUED: frozenset({R.RUNNING, R.FAILED}),
    # running -> queued: the lease sweeper hands a dead worker's run to another worker
    R.RUNNING: frozenset({R.SUCCEEDED, R.FAILED, R.QUEUED}),
    R.SUCCEEDED: frozenset(),
    R.FAILED: frozenset(),
}
LIVE_MATCH_RUN_STATES = (R.QUEUED, R.RUNNING)


class MatchTrigger(models.TextChoices):
    """Why a run was queued."""

    MANUAL = "manual", "On demand"
    IMPORT = "import", "After an import"
    SYNC = "sync", "After a connector sync"
    DECISION = "decision", "After a person's decision"
    RERUN = "rerun", "Data changed while the previous run worked"
    SCHEDULE = "schedule", "Schedule"
