"""Linking supplier invoices to the orders and order lines they quote, once we hold them.

An invoice keeps the order number and order line numbers it quotes as text (po_number,
po_line_no); when the order arrives after the invoice (or the line after the order), the foreign
keys are set here, set-based and audited, before the 3-way match reads the entity."""

from __future__ import annotations

from typing import Any

from django.db import connection

from finops.audit.services import AuditEntry, audit_entries
from finops.invoicing.models import Invoice
from finops.invoicing.states import AP_JUDGED_STATES

_LINK_ORDERS = """
UPDATE invoicing_invoice i SET purchase_order_id = po.id, updated_at = now()
  FROM payables_purchaseorder po
 WHERE i.entity_id = %(entity)s AND i.direction = 'AP' AND i.state = ANY(%(states)s)
   AND i.purchase_order_id IS NULL AND i.po_number <> ''
   AND po.entity_id = i.entity_id AND po.number = i.po_number
RETURNING i.id, i.number, i.correlation_id, po.number
"""
_LINK_LINES = """
UPDATE invoicing_invoiceline l SET po_line_id = pl.id
  FROM invoicing_invoice i, payables_purchaseorderline pl
 WHERE l.invoice_id = i.id AND i.entity_id = %(entity)s AND i.direction = 'AP' AND i.state = ANY(%(states)s)
   AND l.po_line_id IS NULL AND l.po_line_no <> ''
   AND pl.purchase_order_id = i.purchase_order_id AND pl.line_no = l.po_line_no::bigint
"""


def invoices_link_orders(*, entity_id: int) -> int:
    """Link the entity's open supplier invoices (received, matched, exception) to the order their
    po_number names, and their lines to the order lines their po_line_no names, where the keys are
    still empty and we hold the order (line). Call inside a transaction. Idempotent: a linked
    invoice or line is not touched again. Returns how many invoices were linked."""
    params: dict[str, Any] = {"entity": entity_id, "states": [str(state) for state in AP_JUDGED_STATES]}
    with connection.cursor() as cursor:
        cursor.execute(_LINK_ORDERS, params)
        linked = cursor.fetchall()
        cursor.execute(_LINK_LINES, params)
    audit_entries(
        (
            AuditEntry(
                Invoice._meta.label, str(pk), f"AP {number}", entity_id, correlation_id, after={"purchase_order": po}
            )
            for pk, number, correlation_id, po in linked
        ),
        action="invoice.order_linked",
        actor=None,
    )
    return len(linked)
