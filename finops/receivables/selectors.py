"""Permission-scoped reads of receivables."""

from __future__ import annotations

from django.db.models import QuerySet

from finops.accounts.models import User
from finops.accounts.roles import COLLECTION_PERMISSIONS
from finops.accounts.selectors import holds_any
from finops.core.scoping import scoped
from finops.masterdata.models import LegalEntity
from finops.receivables.models import CollectionNote


def can_add_collection_note(user: User, entity: LegalEntity) -> bool:
    return holds_any(user, COLLECTION_PERMISSIONS, entity)


def collection_note_list(*, user: User, invoice_id: int | None = None) -> QuerySet[CollectionNote]:
    """The notes the user may see (their entities), newest first; of one invoice when given."""
    rows = scoped(
        CollectionNote.objects.select_related("author", "entity", "invoice", "outbox_message"),
        user,
    )
    return rows.filter(invoice_id=invoice_id) if invoice_id is not None else rows
