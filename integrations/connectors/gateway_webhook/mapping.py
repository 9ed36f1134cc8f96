from typing import Any

from integrations.connectors.base import MappingField
from integrations.connectors.mapping_schema import list_of_strings


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


MAPPING_FIELDS: dict[str, MappingField] = {
    "customer_sources": MappingField(
        list_of_strings,
        ["billing", "erp", "crm"],
        "Sources whose customer ids the gateway's customer_id refers to, searched in this order.",
    ),
    "post_cash_receipts": MappingField(
        _flag,
        True,
        "Post a cash receipt to the entity's ERP for each captured payment applied to an invoice "
        "(the gateway does not tell the ERP itself).",
    ),
}
