"""From a source's payload to the canonical model: shared by every connector kind that sends the
same nouns (parties, invoices, purchase orders, receipts, remittances, bank transactions)."""
