"""Segregation of duties, the one home of "the maker is not the checker": whoever made, submitted
or requested something never approves, verifies or activates it.

Used by payment batches (the maker and the submitter do not approve or decline), bank-detail
changes (the requester does not verify or activate) and write-offs. The database backs what it
can: Approval has a CheckConstraint that the approver is not the maker.
"""

from __future__ import annotations

from finops.accounts.models import User
from finops.core.workflow import WorkflowError


class SegregationOfDutiesError(WorkflowError):
    """The same person would both make and check; the message says who must act instead."""


def require_not_maker(checker: User, *makers: int | None, message: str) -> None:
    """Refuse `checker` when they are one of `makers` (user ids; None for a system that made it,
    which no person's check can collide with)."""
    if checker.pk is not None and checker.pk in {maker for maker in makers if maker is not None}:
        raise SegregationOfDutiesError(message)
