"""The ERP connector's field mapping: what admins may set, and how ERP records map."""

from __future__ import annotations

from integrations.connectors.base import MappingField
from integrations.connectors.mapping_schema import string_map
from integrations.connectors.rest import ENTITY_FIELDS, PARTY_FIELDS, resources_field

RESOURCES = ("customers", "suppliers", "purchase_orders", "receipts", "invoices")

MAPPING_FIELDS: dict[str, MappingField] = {
    "resources": resources_field(*RESOURCES),
    **PARTY_FIELDS,
    **ENTITY_FIELDS,
    "accounts": MappingField(
        string_map,
        {},
        'Our account names → the ERP\'s account numbers for posted journal entries, e.g. {"cash": "1200"}.',
    ),
}
