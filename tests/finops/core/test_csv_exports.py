"""CSV exports are safe to open in a spreadsheet: a cell that begins with =, +, -, @, tab or CR
is prefixed with a single quote (OWASP's CSV injection rule), while plain numbers such as a
negative balance stay numbers. Every list page's export is checked with hostile names."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from finops.audit.services import audit_record
from finops.core.listing import csv_cell
from finops.ledger.models import JournalEntry
from finops.masterdata.models import BankAccountChange
from finops.outbox.models import OutboxMessage
from tests.factories import (
    BankStatementFactory,
    CounterpartyBankAccountFactory,
    CounterpartyFactory,
    ExceptionItemFactory,
    InvoiceFactory,
    OwnBankAccountFactory,
    PaymentBatchFactory,
    PaymentFactory,
)

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
HOSTILE = {
    "counterparties": '=HYPERLINK("http://evil.example","pay me")',
    "bank-accounts": "\t=1+1 operating",
    "bank-account-changes": "@SUM(1+1)*cmd|' /C calc'!A0",
    "invoices": "+cmd|' /C calc'!A0",
    "payments": "-2+3+cmd|' /C calc'!A0",
    "payment-batches": "=1+1",
    "statements": "\r=2+2",
    "journal-entries": "@import evil",
    "exceptions": "-1+1 unapplied",
    "outbox-messages": '=WEBSERVICE("http://evil.example")',
    "audit-trail": "+1+1 because",
}
EXPORTS = {
    "counterparties": "masterdata:counterparty-list",
    "bank-accounts": "masterdata:bankaccount-list",
    "bank-account-changes": "masterdata:bankchange-list",
    "invoices": "invoicing:invoice-list",
    "payments": "payables:payment-list",
    "payment-batches": "payables:batch-list",
    "statements": "treasury:statement-list",
    "journal-entries": "ledger:journal-list",
    "exceptions": "reconciliation:exception-list",
    "outbox-messages": "outbox:message-list",
    "audit-trail": "audit:event-list",
}


@pytest.fixture
def hostile_world(entity_de, admin_de):
    supplier = CounterpartyFactory(name=HOSTILE["counterparties"], entities=[entity_de])
    OwnBankAccountFactory(entity=entity_de, name=HOSTILE["bank-accounts"])
    changed = CounterpartyFactory(name=HOSTILE["bank-account-changes"], entities=[entity_de])
    account = CounterpartyBankAccountFactory(counterparty=changed, is_active=False)
    BankAccountChange.objects.create(
        entity=entity_de,
        counterparty=changed,
        bank_account=account,
        iban=account.iban,
        country=account.country,
        currency="EUR",
        external_id="c1",
    )
    InvoiceFactory(entity=entity_de, counterparty=supplier, number=HOSTILE["invoices"])
    PaymentFactory(entity=entity_de, counterparty=supplier, end_to_end_id=HOSTILE["payments"])
    PaymentBatchFactory(entity=entity_de, external_id=HOSTILE["payment-batches"])
    BankStatementFactory(entity=entity_de, external_id=HOSTILE["statements"], opening_balance=Decimal("-12.50"))
    JournalEntry.objects.create(
        entity=entity_de,
        posting_on=dt.date(2026, 3, 31),
        currency="EUR",
        description=HOSTILE["journal-entries"],
        external_id="JE-1",
    )
    ExceptionItemFactory(entity=entity_de, title=HOSTILE["exceptions"])
    OutboxMessage.objects.create(
        topic="erp.journal_entry",
        payload={},
        idempotency_key="k1",
        entity=entity_de,
        last_error=HOSTILE["outbox-messages"],
        next_attempt_at=timezone.now(),
    )
    audit_record(entity_de, action="entity.viewed", actor=admin_de, reason=HOSTILE["audit-trail"])
    return entity_de


def _export(client, user, url_name):
    client.force_login(user)
    response = client.get(reverse(url_name), {"export": "csv"})
    assert response.status_code == 200, response
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize("export", EXPORTS)
def test_every_export_quotes_hostile_cells_and_leaves_plain_numbers_alone(client, admin_de, hostile_world, export):
    rows = _export(client, admin_de, EXPORTS[export])

    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + HOSTILE[export] in cells
    dangerous = [c for c in cells if c.startswith(TRIGGERS) and not PLAIN_NUMBER.fullmatch(c)]
    assert dangerous == []


def test_a_negative_balance_stays_a_number(client, admin_de, hostile_world):
    rows = _export(client, admin_de, EXPORTS["statements"])

    header, line = rows[0], rows[1]
    assert line[header.index("opening_balance")] == "-12.5000"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-", "'-"),
        ("@here", "'@here"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-12.50", "-12.50"),
        (Decimal("-0.01"), "-0.01"),
        (-3, "-3"),
        ("-1e5", "'-1e5"),
        ("Müller = Partner", "Müller = Partner"),
        (None, ""),
    ],
)
def test_csv_cell(value, cell):
    assert csv_cell(value) == cell
