from integrations.connectors.base import ConnectorSpec
from integrations.connectors.gateway_webhook.client import EVENT_ID_HEADER, SIGNATURE_HEADER
from integrations.connectors.gateway_webhook.mapping import MAPPING_FIELDS
from integrations.connectors.gateway_webhook.sync import handle_event
from integrations.connectors.webhook import webhook_test

SPEC = ConnectorSpec(
    kind="gateway_webhook",
    default_source="gateway",
    summary="Receives signed payment events: payment.succeeded records a remittance (gross, fee, net) "
    "for the invoice it pays.",
    mapping_fields=MAPPING_FIELDS,
    test=webhook_test,
    handle_event=handle_event,
    signature_header=SIGNATURE_HEADER,
    event_id_header=EVENT_ID_HEADER,
    credential_fields=("webhook_secret", "token"),
)
