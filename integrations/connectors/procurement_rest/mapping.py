from integrations.connectors.base import MappingField
from integrations.connectors.rest import ENTITY_FIELDS, PARTY_FIELDS, resources_field

RESOURCES = ("suppliers", "purchase_orders", "receipts")

MAPPING_FIELDS: dict[str, MappingField] = {
    "resources": resources_field(*RESOURCES),
    **PARTY_FIELDS,
    **ENTITY_FIELDS,
}
