"""import_records: every KIND's happy path, idempotent re-runs, and refusals that name line and column."""

from decimal import Decimal

import pytest

from finops.audit.models import AuditEvent
from finops.invoicing.models import Invoice
from finops.invoicing.states import InvoiceState
from finops.masterdata.models import BankAccount, BankAccountChange, Counterparty, LegalEntity
from finops.payables.models import GoodsReceipt, PurchaseOrder
from tests.factories import LegalEntityFactory

ENTITIES = "code,name,country,base_currency\nDE01,Nordlicht GmbH,DE,EUR\nUS01,Nordlicht Inc,US,USD\n"
OWN_ACCOUNTS = (
    "legal_entity,iban,bic,account_number,routing_number,currency,name\n"
    "DE01,DE89 3704 0044 0532 0130 00,COBADEFFXXX,,,EUR,Operating EUR\n"
    "US01,,,123456789,021000021,USD,Payroll USD\n"
)
SUPPLIERS = (
    "external_id,name,country,tax_id,iban,bic\n"
    "S-1,Acme Metals GmbH,DE,DE123456789,DE89370400440532013000,COBADEFFXXX\n"
    "S-2,Brightline Ltd,GB,GB123456789,,\n"
)
CUSTOMERS = "external_id,name,country\nC-1,Contoso SARL,FR\nS-2,Brightline Ltd,GB\n"
PURCHASE_ORDERS = (
    "external_id,supplier_external_id,legal_entity,currency,line_no,item,quantity,unit_price\n"
    "PO-1,S-1,DE01,EUR,1,Steel sheet,10,12.50\n"
    "PO-1,S-1,DE01,EUR,2,Bolts,100,0.1250\n"
    "PO-2,S-2,DE01,EUR,1,Consulting,1,900\n"
)
RECEIPTS = (
    "external_id,po_external_id,line_no,quantity,received_on\nGR-1,PO-1,1,10,2026-01-10\nGR-1,PO-1,2,60,2026-01-10\n"
)
INVOICES = (
    "external_id,direction,counterparty_external_id,legal_entity,currency,amount,open_amount,issue_date,due_date,po_number\n"
    "AP-1,AP,S-1,DE01,EUR,137.50,137.50,2026-01-12,2026-02-11,PO-1\n"
    "AR-1,AR,C-1,DE01,EUR,2000.00,500.00,2026-01-05,2026-02-04,\n"
)


@pytest.fixture
def erp_base(run_import):
    """Entities, suppliers, customers and POs as the ERP sent them."""
    run_import("legal_entities", ENTITIES)
    run_import("suppliers", SUPPLIERS)
    run_import("customers", CUSTOMERS)
    run_import("purchase_orders", PURCHASE_ORDERS)


def test_legal_entities_are_created_then_unchanged_then_updated(run_import):
    first = run_import("legal_entities", ENTITIES)
    again = run_import("legal_entities", ENTITIES)
    renamed = run_import("legal_entities", ENTITIES.replace("Nordlicht Inc", "Nordlicht Components Inc"))

    assert first == {
        "kind": "legal_entities",
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "conflicts": 0,
        "source": "erp",
    }
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert (renamed["updated"], renamed["unchanged"]) == (1, 1)
    us = LegalEntity.objects.get(code="US01")
    assert (us.name, us.external_id, us.base_currency) == ("Nordlicht Components Inc", "US01", "USD")


def test_own_bank_accounts_by_iban_or_routing_and_account(run_import):
    run_import("legal_entities", ENTITIES)

    first = run_import("bank_accounts", OWN_ACCOUNTS)
    again = run_import("bank_accounts", OWN_ACCOUNTS)

    assert (first["created"], again["unchanged"], again["created"]) == (2, 2, 0)
    eur = BankAccount.objects.get(iban="DE89370400440532013000")
    usd = BankAccount.objects.get(bank_code_kind="aba", bank_code="021000021", account_number="123456789")
    assert eur.entity.code == "DE01"
    assert eur.counterparty is None
    assert usd.entity.code == "US01"
    assert usd.external_id == "US:aba:021000021:123456789"


def test_suppliers_and_customers_share_one_counterparty_and_changed_bank_details_wait_for_verification(run_import):
    run_import("legal_entities", ENTITIES)

    suppliers = run_import("suppliers", SUPPLIERS)
    customers = run_import("customers", CUSTOMERS)
    again = run_import("suppliers", SUPPLIERS)
    asked_by_the_erp = BankAccountChange.objects.count()
    run_import("suppliers", SUPPLIERS, source="procurement")  # the system of record for supplier bank details
    onboarded = list(Counterparty.objects.get(external_id="S-1").bank_accounts.values_list("iban", "is_active"))
    changed = SUPPLIERS.replace("DE89370400440532013000", "DE02120300000000202051")
    run_import("suppliers", changed, source="procurement")
    run_import("suppliers", changed, source="procurement")

    assert (suppliers["created"], suppliers["rows"]) == (2, 2)
    assert (customers["created"], customers["updated"]) == (1, 1)  # S-2 is now a customer too
    assert (again["unchanged"], again["created"], again["updated"]) == (2, 0, 0)
    both = Counterparty.objects.get(external_id="S-2")
    assert both.is_supplier
    assert both.is_customer
    acme = Counterparty.objects.get(external_id="S-1")
    assert acme.tax_id == "DE123456789"
    assert onboarded == [("DE89370400440532013000", True)], "first details from their owner are on file"
    assert asked_by_the_erp == 0, "the ERP does not own supplier bank details"
    assert list(acme.bank_accounts.filter(is_active=True).values_list("iban", flat=True)) == [
        "DE89370400440532013000"
    ], "changed details are never active on import"
    change = BankAccountChange.objects.get(counterparty=acme)
    assert (change.state, change.iban, change.source) == ("requested", "DE02120300000000202051", "procurement")
    assert BankAccountChange.objects.count() == 1, "re-importing asks for nothing new"


def test_purchase_orders_group_rows_into_orders_and_link_the_supplier_to_the_entity(run_import):
    run_import("legal_entities", ENTITIES)
    run_import("suppliers", SUPPLIERS)

    first = run_import("purchase_orders", PURCHASE_ORDERS)
    again = run_import("purchase_orders", PURCHASE_ORDERS)
    repriced = run_import("purchase_orders", PURCHASE_ORDERS.replace("Consulting,1,900", "Consulting,1,950"))

    assert (first["rows"], first["created"]) == (3, 2)
    assert (again["unchanged"], again["created"]) == (2, 0)
    assert (repriced["updated"], repriced["unchanged"]) == (1, 1)
    po = PurchaseOrder.objects.get(external_id="PO-1")
    assert [(line.line_no, line.quantity, line.unit_price) for line in po.lines.all()] == [
        (1, Decimal("10"), Decimal("12.50")),
        (2, Decimal("100"), Decimal("0.1250")),
    ]
    assert po.number == "PO-1"
    assert list(po.supplier.entities.values_list("code", flat=True)) == ["DE01"]


def test_receipts_record_quantities_per_po_line(run_import, erp_base):
    first = run_import("receipts", RECEIPTS)
    again = run_import("receipts", RECEIPTS)

    assert (first["rows"], first["created"], again["unchanged"]) == (2, 1, 1)
    receipt = GoodsReceipt.objects.get(external_id="GR-1")
    assert receipt.entity.code == "DE01"
    assert sorted((line.po_line.line_no, line.quantity) for line in receipt.lines.all()) == [
        (1, Decimal("10")),
        (2, Decimal("60")),
    ]


def test_invoices_of_both_directions(run_import, erp_base):
    first = run_import("invoices", INVOICES)
    again = run_import("invoices", INVOICES)
    later_due = run_import("invoices", INVOICES.replace("2026-02-04", "2026-02-18"))

    assert (first["created"], again["unchanged"], later_due["updated"]) == (2, 2, 1)
    ap = Invoice.objects.get(external_id="AP-1")
    assert (ap.state, ap.number, ap.amount, ap.purchase_order.number) == (
        InvoiceState.RECEIVED,
        "AP-1",
        Decimal("137.50"),
        "PO-1",
    )
    ar = Invoice.objects.get(external_id="AR-1")
    assert (ar.state, ar.open_amount, str(ar.due_on)) == (InvoiceState.PARTIALLY_PAID, Decimal("500.00"), "2026-02-18")
    assert list(ar.counterparty.entities.values_list("code", flat=True)) == ["DE01"]


def test_an_ar_invoice_follows_its_open_amount_to_paid(run_import, erp_base):
    run_import("invoices", INVOICES)

    summary = run_import("invoices", INVOICES.replace("2000.00,500.00", "2000.00,0.00"))

    assert summary["updated"] == 1
    ar = Invoice.objects.get(external_id="AR-1")
    assert (ar.state, ar.open_amount) == (InvoiceState.PAID, Decimal("0"))
    assert AuditEvent.objects.filter(object_id=str(ar.pk), action="partially_paid->paid").exists()


def test_a_bom_and_blank_lines_are_accepted(run_import):
    summary = run_import("legal_entities", b"\xef\xbb\xbf" + ENTITIES.encode() + b"\n\n")

    assert summary["created"] == 2


def test_an_invoice_already_in_a_workflow_is_not_changed_by_an_import(run_import, refused_import, erp_base):
    run_import("invoices", INVOICES)
    Invoice.objects.filter(external_id="AP-1").update(state=InvoiceState.APPROVED)

    message = refused_import("invoices", INVOICES.replace("137.50,137.50", "150.00,150.00"))

    assert "line 2, amount" in message
    assert "approved" in message


HEADER_ERRORS = [
    ("legal_entities", "code,name,country,base_currency,vat\nDE01,X,DE,EUR,1\n", "line 1, vat: Unknown column"),
    ("legal_entities", "code,name,country\nDE01,X,DE\n", "line 1, base_currency: Required column missing"),
    ("customers", "external_id,name\nC-1,X\n", "line 1, country: Required column missing"),
    ("invoices", INVOICES.replace("po_number", "po_number,note"), "line 1, note: Unknown column"),
    ("receipts", "external_id,po_external_id,line_no,quantity\n", "line 1, received_on"),
    ("legal_entities", "", "header row is required"),
    ("legal_entities", "code,name,country,base_currency\nDE01,X,DE\n", "line 2: 3 fields where the header has 4"),
]


@pytest.mark.parametrize(("kind", "text", "expected"), HEADER_ERRORS)
def test_the_header_must_be_exactly_the_kinds_columns(refused_import, kind, text, expected):
    message = refused_import(kind, text)

    assert expected in message


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(refused_import):
    message = refused_import(
        "legal_entities", "code,name,country,base_currency\nDE01,Z\xfcrich AG,CH,CHF\n".encode("latin-1")
    )

    assert "line 2: The file is not UTF-8" in message


ROW_ERRORS = [
    # kind, bad row appended after a good one (line 3), column named, words in the message
    ("suppliers", "S-9,Bad Iban GmbH,DE,,DE89370400440532013001,", "iban", "not a valid IBAN"),
    ("suppliers", "S-9,Bad Bic GmbH,DE,,DE89370400440532013000,NOTABIC", "bic", "not a valid BIC"),
    ("suppliers", "S-1,Twice GmbH,DE,,,", "external_id", "Duplicate of line 2"),
    ("suppliers", "S-9,Nowhere Ltd,XX,,,", "country", "not an ISO 3166"),
    ("bank_accounts", "US01,,,987654321,021000022,USD,Bad routing", "routing_number", "ABA routing"),
    ("bank_accounts", "FR01,FR1420041010050500013M02606,,,,EUR,Paris", "legal_entity", "not a known legal entity"),
    ("bank_accounts", "DE01,DE89370400440532013000,,,,EUR,Again", "iban", "Duplicate of line 2"),
    (
        "invoices",
        "AP-9,AP,S-404,DE01,EUR,10.00,10.00,2026-01-01,2026-01-31,",
        "counterparty_external_id",
        "not a counterparty known to erp",
    ),
    ("invoices", "AP-9,AP,S-1,XX01,EUR,10.00,10.00,2026-01-01,2026-01-31,", "legal_entity", "not a known legal entity"),
    ("invoices", "AP-9,AP,S-1,DE01,EUR,1e3,10.00,2026-01-01,2026-01-31,", "amount", "not a decimal number"),
    ("invoices", "AP-9,AP,S-1,DE01,EUR,NaN,10.00,2026-01-01,2026-01-31,", "amount", "not a decimal number"),
    ("invoices", 'AP-9,AP,S-1,DE01,EUR,"1,000.00",10.00,2026-01-01,2026-01-31,', "amount", "not a decimal number"),
    ("invoices", "AP-9,AP,S-1,DE01,EUR,10.001,10.00,2026-01-01,2026-01-31,", "amount", "more than 2 decimal places"),
    ("invoices", "AP-9,AP,S-1,DE01,EUR,-10.00,0,2026-01-01,2026-01-31,", "amount", "at least zero"),
    ("invoices", "AP-9,AP,S-1,DE01,EUR,10.00,10.00,2026-02-30,2026-03-31,", "issue_date", "not a date"),
    ("invoices", "AP-9,AP,S-1,DE01,EUR,10.00,10.00,01/02/2026,2026-03-31,", "issue_date", "not a date"),
    ("invoices", "AP-9,AP,S-1,DE01,EURO,10.00,10.00,2026-01-01,2026-01-31,", "currency", "not an ISO 4217"),
    ("invoices", "AP-9,AP,S-1,DE01,ABC,10.00,10.00,2026-01-01,2026-01-31,", "currency", "not an ISO 4217"),
    ("invoices", "AP-9,AP,S-1,DE01,EUR,10.00,10.01,2026-01-01,2026-01-31,", "open_amount", "more than the amount"),
    ("invoices", "AP-9,AP,S-1,DE01,EUR,10.00,10.00,2026-01-31,2026-01-01,", "due_date", "before the issue date"),
    (
        "invoices",
        "AR-9,AR,C-1,DE01,EUR,10.00,10.00,2026-01-01,2026-01-31,PO-1",
        "po_number",
        "Only supplier (AP) invoices refer to our purchase orders",
    ),
    ("invoices", "AP-1,AP,S-1,DE01,EUR,10.00,10.00,2026-01-01,2026-01-31,", "external_id", "Duplicate of line 2"),
    (
        "invoices",
        "AR-9,AR,S-1,DE01,EUR,10.00,10.00,2026-01-01,2026-01-31,",
        "counterparty_external_id",
        "not a customer",
    ),
    ("invoices", "AP-9,XX,S-1,DE01,EUR,10.00,10.00,2026-01-01,2026-01-31,", "direction", "not one of AP, AR"),
    ("purchase_orders", "PO-1,S-1,DE01,EUR,1,Again,1,1", "line_no", "Duplicate of line 2"),
    ("purchase_orders", "PO-1,S-1,DE01,USD,2,Nuts,1,1", "currency", "differs from line 2"),
    ("purchase_orders", "PO-9,S-1,DE01,EUR,1,Nuts,0x10,1", "quantity", "not a decimal number"),
    ("purchase_orders", "PO-9,C-1,DE01,EUR,1,Nuts,1,1", "supplier_external_id", "not a supplier"),
    ("receipts", "GR-9,PO-404,1,1,2026-01-10", "po_external_id", "not a purchase order known to erp"),
    ("receipts", "GR-9,PO-1,7,1,2026-01-10", "line_no", "has no line 7"),
    ("receipts", "GR-9,PO-1,1,1,2026-1-10", "received_on", "not a date"),
    ("receipts", "GR-9,PO-1,²,1,2026-01-10", "line_no", "not a positive whole number"),  # str.isdigit() says yes
    ("receipts", "GR-9,PO-1,١,1,2026-01-10", "line_no", "not a positive whole number"),  # Arabic-Indic one
    ("invoices", "AP-9,AP,S-1,DE01,EUR,١٠.00,10.00,2026-01-01,2026-01-31,", "amount", "not a decimal number"),
    ("purchase_orders", "PO-9,S-1,DE01,EUR,1,Nuts,१,1", "quantity", "not a decimal number"),  # Devanagari one
]
GOOD_FIRST_ROW = {
    "suppliers": SUPPLIERS.splitlines()[:2],
    "bank_accounts": OWN_ACCOUNTS.splitlines()[:2],
    "invoices": INVOICES.splitlines()[:2],
    "purchase_orders": PURCHASE_ORDERS.splitlines()[:2],
    "receipts": RECEIPTS.splitlines()[:2],
}


@pytest.mark.parametrize(("kind", "bad_row", "column", "words"), ROW_ERRORS)
def test_a_bad_row_refuses_the_whole_file_naming_line_and_column(
    refused_import, erp_base, kind, bad_row, column, words
):
    text = "\n".join([*GOOD_FIRST_ROW[kind], bad_row]) + "\n"

    message = refused_import(kind, text)

    assert f"line 3, {column}: " in message
    assert words in message


@pytest.mark.parametrize(
    ("kind", "text", "where"),
    [
        ("suppliers", SUPPLIERS.replace("Brightline Ltd", "Bright\x00line Ltd"), "line 3, name: "),
        ("legal_entities", ENTITIES.replace("DE01,", "DE\x0001,"), "line 2, code: "),
        ("legal_entities", ENTITIES.replace("base_currency", "base_\x00currency"), "line 1, column 4: "),
    ],
)
def test_a_nul_byte_refuses_the_file_naming_line_and_column(refused_import, erp_base, kind, text, where):
    message = refused_import(kind, text)

    assert f"{where}A NUL byte" in message


def test_every_problem_of_a_file_is_listed_not_only_the_first(refused_import, erp_base):
    text = (
        INVOICES.splitlines()[0]
        + "\nAP-8,AP,S-1,DE01,EUR,1e3,10.00,2026-01-01,2026-01-31,"
        + "\nAP-9,AP,S-1,DE01,EUR,10.00,10.00,2026-13-01,2026-01-31,\n"
    )

    message = refused_import("invoices", text)

    assert "line 2, amount" in message
    assert "line 3, issue_date" in message


def test_an_unknown_source_name_is_refused(refused_import):
    message = refused_import("legal_entities", ENTITIES, source="erp; drop")

    assert "source" in message


def test_refusing_an_existing_entitys_base_currency_change(run_import, refused_import):
    LegalEntityFactory(code="DE01", base_currency="EUR")

    message = refused_import("legal_entities", ENTITIES.replace("DE,EUR", "DE,CHF"))

    assert "line 2, base_currency" in message
    assert LegalEntity.objects.get(code="DE01").base_currency == "EUR"
