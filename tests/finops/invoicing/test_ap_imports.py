"""import_records for supplier invoices as AP needs them: an invoice quoting an order we do not hold
is imported (the 3-way match holds it as no_po), invoice lines with the order line they bill, and
an import of invoices, lines, orders or receipts asks for the entity's 3-way match."""

from decimal import Decimal

import pytest

from finops.invoicing.models import Invoice, InvoiceLine
from finops.invoicing.states import InvoiceState
from reconciliation.matching.models import MatchRun
from reconciliation.matching.states import MatchTrigger

pytestmark = pytest.mark.django_db

ENTITIES = "code,name,country,base_currency\nDE01,Nordlicht GmbH,DE,EUR\n"
SUPPLIERS = "external_id,name,country\nS-1,Acme Metals GmbH,DE\nS-2,Brightline Ltd,GB\n"
CUSTOMERS = "external_id,name,country\nC-1,Contoso SARL,FR\n"
ORDERS = (
    "external_id,supplier_external_id,legal_entity,currency,line_no,item,quantity,unit_price\n"
    "PO-1,S-1,DE01,EUR,1,Steel sheet,10,12.50\n"
    "PO-1,S-1,DE01,EUR,2,Bolts,100,0.1250\n"
)
INVOICES = (
    "external_id,direction,counterparty_external_id,legal_entity,currency,amount,open_amount,issue_date,due_date,po_number\n"
    "AP-1,AP,S-1,DE01,EUR,137.50,137.50,2026-01-12,2026-02-11,PO-1\n"
    "AP-2,AP,S-1,DE01,EUR,60.00,60.00,2026-01-13,2026-02-12,PO-404\n"
    "AP-3,AP,S-2,DE01,EUR,40.00,40.00,2026-01-14,2026-02-13,PO-1\n"
    "AR-1,AR,C-1,DE01,EUR,2000.00,2000.00,2026-01-05,2026-02-04,\n"
)
LINES_HEADER = "invoice_external_id,line_no,po_line_no,item,quantity,unit_price\n"
LINES = LINES_HEADER + "AP-1,1,1,Steel sheet,10,12.50\nAP-1,2,0002,Bolts,100,0.1250\nAP-2,1,1,Brackets,2,30\n"


@pytest.fixture
def erp_invoices(run_import):
    for kind, text in (
        ("legal_entities", ENTITIES),
        ("suppliers", SUPPLIERS),
        ("customers", CUSTOMERS),
        ("purchase_orders", ORDERS),
    ):
        run_import(kind, text)
    return run_import("invoices", INVOICES)


def test_an_invoice_quoting_an_order_we_do_not_hold_or_another_suppliers_is_imported_not_refused(erp_invoices):
    assert erp_invoices["created"] == 4
    unknown = Invoice.objects.get(external_id="AP-2")
    assert (unknown.po_number, unknown.purchase_order, unknown.state) == ("PO-404", None, InvoiceState.RECEIVED)
    known = Invoice.objects.get(external_id="AP-1")
    assert (known.po_number, known.purchase_order.number) == ("PO-1", "PO-1")
    assert Invoice.objects.get(external_id="AP-3").po_number == "PO-1"  # S-2 quotes S-1's order: AP works it


def test_invoice_lines_are_imported_with_the_order_line_they_bill_then_unchanged_then_updated(erp_invoices, run_import):
    first = run_import("invoice_lines", LINES)
    again = run_import("invoice_lines", LINES)
    changed = run_import("invoice_lines", LINES.replace("AP-2,1,1,Brackets,2,30", "AP-2,1,1,Brackets,3,30"))

    assert (first["rows"], first["created"], first["kind"]) == (3, 3, "invoice_lines")
    assert (again["unchanged"], again["created"], again["updated"]) == (3, 0, 0)
    assert (changed["updated"], changed["unchanged"]) == (1, 2)
    bolts = InvoiceLine.objects.get(invoice__external_id="AP-1", line_no=2)
    assert (bolts.po_line_no, bolts.po_line.line_no, bolts.amount) == ("0002", 2, Decimal("12.50"))
    brackets = InvoiceLine.objects.get(invoice__external_id="AP-2")
    assert (brackets.po_line_no, brackets.po_line, brackets.quantity) == ("1", None, Decimal(3))  # no such order held


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("AP-9,1,1,Steel,1,1", "invoice_external_id", "not an invoice imported from erp"),
        ("AP-1,1,A1,Steel,1,1", "po_line_no", "not an order line number"),
        ("AP-1,x,1,Steel,1,1", "line_no", "not a positive whole number"),
        ("AP-1,3,1,Steel,-1,1", "quantity", "at least zero"),
        ("AP-1,3,1,Steel,1,1e2", "unit_price", "not a decimal number"),
        ("AR-1,1,1,Consulting,1,2000", "po_line_no", "only supplier invoices bill order lines"),
        ("AP-1,1,1,Steel again,1,1", "line_no", "Duplicate of line 2"),
    ],
)
def test_a_bad_line_refuses_the_whole_file_naming_line_and_column(erp_invoices, refused_import, row, column, words):
    text = LINES_HEADER + "AP-1,1,1,Steel sheet,10,12.50\n" + row + "\n"

    message = refused_import("invoice_lines", text)

    assert f"line 3, {column}: " in message
    assert words in message
    assert not InvoiceLine.objects.exists()


def test_the_lines_of_an_invoice_approved_here_do_not_change(erp_invoices, run_import, refused_import):
    run_import("invoice_lines", LINES)
    Invoice.objects.filter(external_id="AP-1").update(state=InvoiceState.APPROVED)

    message = refused_import("invoice_lines", LINES.replace("AP-1,1,1,Steel sheet,10,12.50", "AP-1,1,1,Steel,11,12.50"))

    assert "line 2, line_no: Invoice AP-1 is approved here; its line 1 cannot change." in message


def test_a_lines_file_with_other_columns_is_refused(erp_invoices, refused_import):
    message = refused_import("invoice_lines", "invoice_external_id,line_no,item,quantity,unit_price\nAP-1,1,X,1,1\n")

    assert "line 1, po_line_no: Required column missing." in message


def test_importing_invoices_orders_or_lines_asks_for_the_entitys_3_way_match(
    run_import, django_capture_on_commit_callbacks
):
    run_import("legal_entities", ENTITIES)
    run_import("suppliers", SUPPLIERS)
    assert not MatchRun.objects.exists()  # suppliers are not what the 3-way match reads

    with django_capture_on_commit_callbacks() as enqueued:
        run_import("purchase_orders", ORDERS)
    run_import("invoices", INVOICES.replace("AR-1,AR,C-1", "AP-4,AP,S-1"))

    run = MatchRun.objects.get()
    assert (run.kind, run.entity.code, run.state, run.trigger) == ("three_way", "DE01", "queued", MatchTrigger.IMPORT)
    assert run.trigger_detail == "import_records purchase_orders (erp)"
    assert len(enqueued) == 1  # the worker is sent the run once the import commits; the second import found it queued
