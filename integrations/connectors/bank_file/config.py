from integrations.connectors.base import ConnectorSpec, MappingField
from integrations.connectors.mapping_schema import string

SPEC = ConnectorSpec(
    kind="bank_file",
    default_source="bank_file",
    summary="Statements and payment status reports arrive as files: uploaded at /bank-files/ or dropped "
    "in the inbox folder below; the bank-file import reads them.",
    mapping_fields={
        "inbox_folder": MappingField(
            string, "", "Folder the bank's files are dropped in (read by the bank-file import)."
        ),
    },
    credential_fields=(),
)
