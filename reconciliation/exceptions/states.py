from django.db import models


class ExceptionState(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved"
    WRITTEN_OFF = "written_off", "Written off"


E = ExceptionState
EXCEPTION_TRANSITIONS: dict[str, frozenset[str]] = {
    E.OPEN: frozenset({E.IN_PROGRESS, E.RESOLVED, E.WRITTEN_OFF}),
    E.IN_PROGRESS: frozenset({E.OPEN, E.RESOLVED, E.WRITTEN_OFF}),
    E.RESOLVED: frozenset({E.OPEN}),  # reopen
    E.WRITTEN_OFF: frozenset({E.OPEN}),
}
OPEN_EXCEPTION_STATES = (E.OPEN, E.IN_PROGRESS)


class ExceptionKind(models.TextChoices):
    THREE_WAY_MISMATCH = "three_way_mismatch", "3-way match mismatch"
    DUPLICATE_INVOICE = "duplicate_invoice", "Possible duplicate invoice"
    REJECTED_PAYMENT = "rejected_payment", "Rejected payment"
    UNAPPLIED_CASH = "unapplied_cash", "Unapplied cash"
    UNMATCHED_REMITTANCE = "unmatched_remittance", "Unmatched remittance"
    BANK_RECONCILIATION = "bank_reconciliation", "Bank reconciliation break"
    BALANCE_MISMATCH = "balance_mismatch", "Statement balance mismatch"
    SYNC_FAILURE = "sync_failure", "Sync failure"
    MASTER_DATA_CONFLICT = "master_data_conflict", "Master-data conflict"


class MatchReason(models.TextChoices):
    """The reason codes of the 3-way match and duplicate checks of supplier invoices (the codes of
    reconciliation.engines.three_way), by which the AP queue is filtered: an exception's
    detail["reasons"] lists its codes."""

    PRICE_VARIANCE = "price_variance", "Price variance"
    QUANTITY_VARIANCE = "quantity_variance", "Billed more than received"
    MISSING_RECEIPT = "missing_receipt", "Nothing received"
    NO_PO = "no_po", "Purchase order unknown"
    OVER_BILLED = "over_billed", "Billed more than ordered"
    DUPLICATE = "duplicate", "Suspected duplicate"


# Which role's queue each kind lands in (home pages count them per role).
QUEUE_OF_KIND = {
    ExceptionKind.THREE_WAY_MISMATCH: "ap",
    ExceptionKind.DUPLICATE_INVOICE: "ap",
    ExceptionKind.REJECTED_PAYMENT: "ap",
    ExceptionKind.UNAPPLIED_CASH: "treasury",
    ExceptionKind.UNMATCHED_REMITTANCE: "treasury",
    ExceptionKind.BANK_RECONCILIATION: "treasury",
    ExceptionKind.BALANCE_MISMATCH: "treasury",
    ExceptionKind.SYNC_FAILURE: "admin",
    ExceptionKind.MASTER_DATA_CONFLICT: "admin",
}


def kinds_of_queue(queue: str) -> list[str]:
    return [kind for kind, q in QUEUE_OF_KIND.items() if q == queue]
