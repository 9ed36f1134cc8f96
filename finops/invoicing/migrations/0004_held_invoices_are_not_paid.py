"""What the database refuses whatever the code does: an AP invoice with an active hold is neither
moved to proposed nor allocated to a payment. And the references already stored are kept as text:
the quoted order number and order line number beside their foreign keys."""

from django.db import migrations

REFUSE = """
CREATE FUNCTION invoicing_refuse_held(invoice bigint) RETURNS void AS $$
DECLARE held text;
BEGIN
    SELECT string_agg(reason, ', ' ORDER BY reason) INTO held
      FROM invoicing_invoicehold WHERE invoice_id = invoice AND released_at IS NULL;
    IF held IS NOT NULL THEN
        RAISE EXCEPTION 'invoice % is on hold (%): it cannot be proposed for payment', invoice, held
            USING ERRCODE = 'check_violation';
    END IF;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION invoicing_invoice_refuse_held_proposal() RETURNS trigger AS $$
BEGIN
    PERFORM invoicing_refuse_held(NEW.id);
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER invoicing_invoice_no_held_proposal
    BEFORE UPDATE OF state ON invoicing_invoice FOR EACH ROW
    WHEN (NEW.state = 'proposed' AND OLD.state IS DISTINCT FROM 'proposed')
    EXECUTE FUNCTION invoicing_invoice_refuse_held_proposal();

CREATE FUNCTION invoicing_allocation_refuse_held() RETURNS trigger AS $$
BEGIN
    PERFORM invoicing_refuse_held(NEW.invoice_id);
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER payables_paymentallocation_no_held_invoice
    BEFORE INSERT OR UPDATE OF invoice_id ON payables_paymentallocation FOR EACH ROW
    EXECUTE FUNCTION invoicing_allocation_refuse_held();
"""

UNDO = """
DROP TRIGGER IF EXISTS payables_paymentallocation_no_held_invoice ON payables_paymentallocation;
DROP FUNCTION IF EXISTS invoicing_allocation_refuse_held();
DROP TRIGGER IF EXISTS invoicing_invoice_no_held_proposal ON invoicing_invoice;
DROP FUNCTION IF EXISTS invoicing_invoice_refuse_held_proposal();
DROP FUNCTION IF EXISTS invoicing_refuse_held(bigint);
"""

KEEP_REFERENCES = """
UPDATE invoicing_invoice i SET po_number = po.number
  FROM payables_purchaseorder po WHERE i.purchase_order_id = po.id AND i.po_number = '';
UPDATE invoicing_invoiceline l SET po_line_no = pl.line_no::text
  FROM payables_purchaseorderline pl WHERE l.po_line_id = pl.id AND l.po_line_no = '';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0003_ap_control"),
        ("payables", "0002_batch_bank_submission_id"),
    ]

    operations = [
        migrations.RunSQL(REFUSE, UNDO),
        migrations.RunSQL(KEEP_REFERENCES, migrations.RunSQL.noop),
    ]
