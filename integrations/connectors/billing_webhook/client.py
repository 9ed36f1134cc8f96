"""The billing platform calls us (Billing-Signature, Billing-Event-Id); we call it for nothing yet."""

SIGNATURE_HEADER = "Billing-Signature"
EVENT_ID_HEADER = "Billing-Event-Id"
