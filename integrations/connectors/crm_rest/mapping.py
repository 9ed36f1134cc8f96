from integrations.connectors.base import MappingField
from integrations.connectors.rest import PARTY_FIELDS, resources_field

RESOURCES = ("accounts",)

MAPPING_FIELDS: dict[str, MappingField] = {
    "resources": resources_field(*RESOURCES),
    **PARTY_FIELDS,
}
