"""The gateway calls us (Gateway-Signature, Gateway-Event-Id)."""

SIGNATURE_HEADER = "Gateway-Signature"
EVENT_ID_HEADER = "Gateway-Event-Id"
