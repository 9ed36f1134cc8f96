"""Permission-scoped reads of journal entries."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from finops.accounts.models import User
from finops.accounts.roles import WORK_TREASURY
from finops.accounts.selectors import entities_for
from finops.core.scoping import scoped, scoped_get
from finops.ledger.models import JournalEntry
from finops.masterdata.models import LegalEntity
from finops.outbox.models import OutboxMessage


def journal_entry_list(*, user: User) -> QuerySet[JournalEntry]:
    """The user's entities' entries with their total (sum of debits) and line count."""
    rows = (
        JournalEntry.objects.select_related("entity")
        .annotate(total=Sum("lines__debit"), line_count=Count("lines"))
        .order_by("-posting_on", "-id")  # Meta.ordering does not apply to aggregating queries
    )
    return scoped(rows, user)


def journal_entry_get(*, user: User, pk: int) -> JournalEntry:
    return scoped_get(journal_entry_list(user=user), user, pk=pk)


def journal_entities(*, user: User) -> QuerySet[LegalEntity]:
    """Entities in which the user may book journal entries (treasury work)."""
    return entities_for(user, WORK_TREASURY)


def journal_can_book(*, user: User, entry: JournalEntry) -> bool:
    return user.has_perm(f"masterdata.{WORK_TREASURY}", entry.entity)


def journal_entry_messages(*, entry: JournalEntry) -> QuerySet[OutboxMessage]:
    """The outbox messages that carry this entry to the ERP (one per entry: its key is stable)."""
    return OutboxMessage.objects.filter(object_type=JournalEntry._meta.label, object_id=str(entry.pk)).order_by("pk")
