from django.db import models


class BankAccountChangeState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    VERIFIED = "verified", "Verified"
    ACTIVE = "active", "Active"
    REJECTED = "rejected", "Rejected"


BANK_ACCOUNT_CHANGE_TRANSITIONS: dict[str, frozenset[str]] = {
    BankAccountChangeState.REQUESTED: frozenset({BankAccountChangeState.VERIFIED, BankAccountChangeState.REJECTED}),
    BankAccountChangeState.VERIFIED: frozenset({BankAccountChangeState.ACTIVE, BankAccountChangeState.REJECTED}),
    BankAccountChangeState.ACTIVE: frozenset(),
    BankAccountChangeState.REJECTED: frozenset(),
}
