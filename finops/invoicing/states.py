from django.db import models


class InvoiceDirection(models.TextChoices):
    AP = "AP", "Payable (supplier invoice)"
    AR = "AR", "Receivable (customer invoice)"


class InvoiceState(models.TextChoices):
    # AP
    RECEIVED = "received", "Received"
    MATCHED = "matched", "Matched"
    EXCEPTION = "exception", "Exception"
    APPROVED = "approved", "Approved"
    PROPOSED = "proposed", "Proposed for payment"
    CANCELLED = "cancelled", "Cancelled"
    # AR
    ISSUED = "issued", "Issued"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    # both
    PAID = "paid", "Paid"
    RECONCILED = "reconciled", "Reconciled"


S = InvoiceState
# An AP invoice is judged by the 3-way match while received, matched or exception: matched, or an
# exception (held), or received again when it quotes no order (it waits for an approver). A person
# approves it (a matched one, a non-PO one within their limit, an exception by accepting its
# variance) or a match run does (matched within tolerance, where the entity allows it); a person
# cancels it (a copy, a rejected invoice) before it is approved.
INVOICE_TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.MATCHED, S.EXCEPTION, S.APPROVED, S.CANCELLED}),
    S.EXCEPTION: frozenset({S.MATCHED, S.RECEIVED, S.APPROVED, S.CANCELLED}),
    S.MATCHED: frozenset({S.APPROVED, S.EXCEPTION, S.RECEIVED, S.CANCELLED}),
    S.APPROVED: frozenset({S.PROPOSED}),
    S.PROPOSED: frozenset({S.PAID, S.APPROVED}),  # back to approved when a payment is rejected
    S.CANCELLED: frozenset(),
    S.ISSUED: frozenset({S.PARTIALLY_PAID, S.PAID}),
    S.PARTIALLY_PAID: frozenset({S.PAID}),
    S.PAID: frozenset({S.RECONCILED}),
    S.RECONCILED: frozenset(),
}
INITIAL_STATE = {InvoiceDirection.AP: S.RECEIVED, InvoiceDirection.AR: S.ISSUED}
OPEN_STATES = {
    InvoiceDirection.AP: (S.RECEIVED, S.MATCHED, S.EXCEPTION, S.APPROVED, S.PROPOSED),
    InvoiceDirection.AR: (S.ISSUED, S.PARTIALLY_PAID),
}
# AP states the 3-way match judges (and may move between); a person's approval commits the invoice.
AP_JUDGED_STATES = (S.RECEIVED, S.MATCHED, S.EXCEPTION)
# AP states in which an invoice is committed for payment: what it bills counts as billed.
AP_COMMITTED_STATES = (S.APPROVED, S.PROPOSED, S.PAID, S.RECONCILED)


class MatchStatus(models.TextChoices):
    """The 3-way match's verdict on an invoice (reconciliation.engines.three_way.VerdictStatus)."""

    MATCHED = "matched", "Matched"
    EXCEPTION = "exception", "Exception"
    NEEDS_APPROVAL = "needs_approval", "Needs an approver (no purchase order)"


class HoldReason(models.TextChoices):
    """Why an AP invoice may not be proposed for payment."""

    MATCH_EXCEPTION = "match_exception", "3-way match exception"
    DUPLICATE = "duplicate", "Suspected duplicate"
    SUPPLIER_BLOCKED = "supplier_blocked", "Supplier blocked"
    BANK_ACCOUNT = "bank_account", "Supplier's bank account not active"


class VarianceState(models.TextChoices):
    REQUESTED = "requested", "Waiting for a controller"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


V = VarianceState
VARIANCE_TRANSITIONS: dict[str, frozenset[str]] = {
    V.REQUESTED: frozenset({V.ACCEPTED, V.DECLINED}),
    V.ACCEPTED: frozenset(),
    V.DECLINED: frozenset(),
}
