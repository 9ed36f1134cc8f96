"""Writes on invoices beyond what sources send (finops.invoicing.upserts): holds, people's
decisions on supplier invoices, and proposing invoices for payment."""
