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
    # AR
    ISSUED = "issued", "Issued"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    # both
    PAID = "paid", "Paid"
    RECONCILED = "reconciled", "Reconciled"


S = InvoiceState
INVOICE_TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.MATCHED, S.EXCEPTION}),
    S.EXCEPTION: frozenset({S.MATCHED}),
    S.MATCHED: frozenset({S.APPROVED, S.EXCEPTION}),
    S.APPROVED: frozenset({S.PROPOSED}),
    S.PROPOSED: frozenset({S.PAID, S.APPROVED}),  # back to approved when a payment is rejected
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
