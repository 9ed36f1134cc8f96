from integrations.connectors.base import ConnectorSpec
from integrations.connectors.billing_webhook.client import EVENT_ID_HEADER, SIGNATURE_HEADER
from integrations.connectors.billing_webhook.mapping import MAPPING_FIELDS
from integrations.connectors.billing_webhook.sync import CUSTOMERS, INVOICES, handle_event
from integrations.connectors.webhook import webhook_test

SPEC = ConnectorSpec(
    kind="billing_webhook",
    default_source="billing",
    summary="Receives signed billing events: invoice.issued creates the AR invoice and its customer; "
    "invoice.paid lowers the open amount.",
    mapping_fields=MAPPING_FIELDS,
    resources=(CUSTOMERS, INVOICES),
    test=webhook_test,
    handle_event=handle_event,
    signature_header=SIGNATURE_HEADER,
    event_id_header=EVENT_ID_HEADER,
    credential_fields=("webhook_secret", "token"),
)
