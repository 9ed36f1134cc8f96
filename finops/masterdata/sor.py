"""Systems of record: which source system owns each field of a supplier or a customer.

A value arriving from the field's owner is applied; a different value from any other source is
not applied and opens a master-data conflict instead (see services.counterparty_upsert). The
configuration lives in FieldOwnership (Django admin, read-only page /masterdata/systems-of-record/);
DEFAULT_OWNERS applies where no row says otherwise, and migration 0003 seeds the same rows.

Default: the ERP owns name, tax id, country and status of suppliers and customers; the
procurement suite owns suppliers' bank details (it runs supplier onboarding); the ERP owns
customers' bank details.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from finops.masterdata.models import CounterpartyKind, FieldOwnership, LegalEntity, OwnedField

K, F = CounterpartyKind, OwnedField
DEFAULT_OWNERS: dict[tuple[str, str], str] = {
    (K.SUPPLIER, F.NAME): "erp",
    (K.SUPPLIER, F.TAX_ID): "erp",
    (K.SUPPLIER, F.COUNTRY): "erp",
    (K.SUPPLIER, F.STATUS): "erp",
    (K.SUPPLIER, F.BANK_ACCOUNT): "procurement",
    (K.CUSTOMER, F.NAME): "erp",
    (K.CUSTOMER, F.TAX_ID): "erp",
    (K.CUSTOMER, F.COUNTRY): "erp",
    (K.CUSTOMER, F.STATUS): "erp",
    (K.CUSTOMER, F.BANK_ACCOUNT): "erp",
}


def field_owners(*, kind: str, entity: LegalEntity | None = None) -> dict[str, str]:
    """Owner source per field for `kind`: the entity's own rows win over the group defaults,
    which win over DEFAULT_OWNERS. One query."""
    if kind not in CounterpartyKind.values:
        raise ValueError(f"kind must be one of {', '.join(CounterpartyKind.values)}, not {kind!r}")
    owners = {field: source for (k, field), source in DEFAULT_OWNERS.items() if k == kind}
    scope = Q(entity__isnull=True) | Q(entity=entity) if entity is not None else Q(entity__isnull=True)
    rows = FieldOwnership.objects.filter(scope, kind=kind).values_list("field", "source", "entity_id")
    # group rows first, entity rows after, so the entity's override is the one left in the dict
    for field, source, _ in sorted(rows, key=lambda row: row[2] is not None):
        owners[field] = source
    return owners


def field_ownership_list() -> QuerySet[FieldOwnership]:
    """The whole configuration; it holds no entity data, so every signed-in role may read it."""
    return FieldOwnership.objects.select_related("entity").order_by("kind", "field", "entity__code")
