from django.db import models


class CrmDeliveryState(models.TextChoices):
    """Where a collection note stands with the CRM."""

    PENDING = "pending", "Sending to the CRM"
    SENT = "sent", "In the CRM"
    FAILED = "failed", "Not sent"


D = CrmDeliveryState
CRM_DELIVERY_TRANSITIONS: dict[str, frozenset[str]] = {
    D.PENDING: frozenset({D.SENT, D.FAILED}),
    D.FAILED: frozenset({D.SENT}),  # an admin retried the dead outbox message and it went through
    D.SENT: frozenset(),
}
