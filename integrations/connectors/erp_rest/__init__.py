"""ERP over REST (the sandbox's `erp` system): parties, POs, receipts and invoices in; journal
entries and cash receipts out (called by the outbox's handlers)."""
