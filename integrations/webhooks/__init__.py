"""Receiving webhooks: signature verification, the receiving endpoint, and event processing."""
