"""Permission-scoped reads of receivables."""

from __future__ import annotations

from django.db.models import QuerySet

from finops.accounts.models import User
from finops.accounts.roles import WORK_PAYABLES, WORK_TREASURY
from finops.core.scoping import scoped
from finops.masterdata.models import LegalEntity
from finops.receivables.models import CollectionNote

# Who chases customers: the AP clerks and treasury analysts of an entity. Controllers, admins and
# auditors read the notes but do not add them.
COLLECTION_PERMISSIONS = (WORK_PAYABLES, WORK_TREASURY)


def can_add_collection_note(user: User, entity: LegalEntity) -> bool:
    return any(user.has_perm(f"masterdata.{perm}", entity) for perm in COLLECTION_PERMISSIONS)


def collection_note_list(*, user: User, invoice_id: int | None = None) -> QuerySet[CollectionNote]:
    """The notes the user may see (their entities), newest first; of one invoice when given."""
    rows = scoped(
        CollectionNote.objects.select_related("author", "entity", "invoice", "outbox_message"),
        user,
    )
    return rows.filter(invoice_id=invoice_id) if invoice_id is not None else rows
