from django.db import models


class BatchState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    APPROVED = "approved", "Approved"
    RELEASED = "released", "Released"
    TRANSMITTED = "transmitted", "Transmitted"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    PARTLY_REJECTED = "partly_rejected", "Partly rejected"
    REJECTED = "rejected", "Rejected"
    SETTLED = "settled", "Settled"


B = BatchState
BATCH_TRANSITIONS: dict[str, frozenset[str]] = {
    B.DRAFT: frozenset({B.PENDING_APPROVAL}),
    B.PENDING_APPROVAL: frozenset({B.APPROVED, B.DRAFT}),  # back to draft when an approver declines
    B.APPROVED: frozenset({B.RELEASED}),
    B.RELEASED: frozenset({B.TRANSMITTED}),
    B.TRANSMITTED: frozenset({B.ACKNOWLEDGED, B.PARTLY_REJECTED, B.REJECTED}),
    B.ACKNOWLEDGED: frozenset({B.SETTLED}),
    B.PARTLY_REJECTED: frozenset({B.SETTLED}),
    B.REJECTED: frozenset(),
    B.SETTLED: frozenset(),
}


class PaymentState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    HELD = "held", "Held (bank details not verified)"
    RELEASED = "released", "Released"
    ACCEPTED = "accepted", "Accepted by bank"
    REJECTED = "rejected", "Rejected by bank"
    SETTLED = "settled", "Settled"
    CANCELLED = "cancelled", "Cancelled"


P = PaymentState
PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    P.PROPOSED: frozenset({P.RELEASED, P.HELD, P.CANCELLED}),
    P.HELD: frozenset({P.PROPOSED, P.CANCELLED}),
    P.RELEASED: frozenset({P.ACCEPTED, P.REJECTED}),
    P.ACCEPTED: frozenset({P.SETTLED, P.REJECTED}),
    P.REJECTED: frozenset(),
    P.SETTLED: frozenset(),
    P.CANCELLED: frozenset(),
}


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
