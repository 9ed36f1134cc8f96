"""Billing platform webhooks: invoice.issued → AR invoice (+ customer), invoice.paid → open amount."""
