from typing import Any

from integrations.connectors.base import MappingField
from integrations.connectors.mapping_schema import list_of_strings, string

PAIN001_VERSIONS = ("pain.001.001.09", "pain.001.001.03")


def pain001_version(value: Any) -> str | None:
    if value not in PAIN001_VERSIONS:
        return f"must be one of {', '.join(PAIN001_VERSIONS)}"
    return None


MAPPING_FIELDS: dict[str, MappingField] = {
    "accounts": MappingField(
        list_of_strings,
        [],
        "IBANs (account numbers for accounts without one) to pull "
        "(blank: every account of the connector's entity the bank lists).",
    ),
    "transactions_from": MappingField(
        string, "", "First booking date (YYYY-MM-DD) of the first pull (blank: 30 days back)."
    ),
    "pain001_version": MappingField(
        pain001_version, PAIN001_VERSIONS[0], "The pain.001 version payment batches are sent to this bank in."
    ),
}
