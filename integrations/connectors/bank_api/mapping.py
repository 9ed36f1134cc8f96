from integrations.connectors.base import MappingField
from integrations.connectors.mapping_schema import list_of_strings, string

MAPPING_FIELDS: dict[str, MappingField] = {
    "accounts": MappingField(
        list_of_strings, [], "IBANs to pull (blank: every account of the connector's entity the bank lists)."
    ),
    "transactions_from": MappingField(
        string, "", "First booking date (YYYY-MM-DD) of the first pull (blank: 30 days back)."
    ),
}
