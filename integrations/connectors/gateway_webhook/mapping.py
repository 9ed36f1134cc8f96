from integrations.connectors.base import MappingField
from integrations.connectors.mapping_schema import list_of_strings

MAPPING_FIELDS: dict[str, MappingField] = {
    "customer_sources": MappingField(
        list_of_strings,
        ["billing", "erp", "crm"],
        "Sources whose customer ids the gateway's customer_id refers to, searched in this order.",
    ),
}
