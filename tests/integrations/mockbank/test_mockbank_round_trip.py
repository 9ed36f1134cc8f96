"""A full round trip with mock-bank, an independent counterpart (the third-party `mock-bank`
package run as a subprocess over real HTTP, not our code and not our fixtures).

Our pain.001 writer (integrations.formats.pain001.build_pain001) builds a three-payment order
from mock-bank's own ACME account NL41MOCK0000000001; it is POSTed to mock-bank's /payments. One
transfer goes to mock-bank's INITECH account, which the bank holds as closed, so mock-bank
rejects it with AC04 (a valid IBAN: build_pain001 refuses bad checksums, so no XML is edited).
The pain.002, camt.054 and camt.053 that mock-bank sends back are read from its mailbox and
imported through our importer (integrations.bankfiles.services.bank_file_import) against our own
BankAccount, batch and payments for that order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from finops.payables.models import Payment, PaymentBatch
from finops.payables.states import BatchState
from finops.treasury.models import BankStatement, StatementLine
from integrations.bankfiles.services import bank_file_import
from integrations.formats.pain001 import build_pain001
from integrations.formats.types import CreditTransfer, Party, PaymentOrder
from reconciliation.exceptions.models import ExceptionItem
from tests.factories import PaymentBatchFactory
from tests.integrations.bankfiles.helpers import own_account, released_payment, row_counts
from tests.integrations.mockbank.conftest import MockBank

ACME_IBAN = "NL41MOCK0000000001"  # mock-bank's seeded ACME account (fixtures MANIFEST, generated-mockbank)
MESSAGE_ID = "FCT-MB-MSG-0001"
PAYMENT_INFO_ID = "FCT-MB-PMT-0001"
EXECUTION_ON = dt.date(2026, 11, 2)  # the bank clock's first day, before its 15:00 cutoff
OK_1, CLOSED_2, OK_3 = "FCT-MB-E2E-OK-1", "FCT-MB-E2E-CLOSED-2", "FCT-MB-E2E-OK-3"
AMOUNTS = {OK_1: Decimal("123.45"), CLOSED_2: Decimal("5.00"), OK_3: Decimal("0.99")}
OPENING = Decimal("125000.00")  # ACME's seeded balance, 12,500,000 cents


@dataclass(frozen=True)
class RoundTrip:
    """What crossed the wire: our pain.001, mock-bank's answer and the messages it sent back."""

    pain001: bytes
    answer_status: int
    answer: dict[str, Any]
    closed_iban: str
    pain002: bytes
    camt054: bytes
    camt053: bytes


def _order(closed_iban: str) -> PaymentOrder:
    return PaymentOrder(
        message_id=MESSAGE_ID,
        payment_info_id=PAYMENT_INFO_ID,
        created_at=dt.datetime(2026, 11, 2, 8, 30, tzinfo=dt.UTC),
        execution_on=EXECUTION_ON,
        debtor=Party(name="ACME Corporation", iban=ACME_IBAN, bic="MOCKNL2A"),
        initiating_party="ACME Corporation",
        service_level="SEPA",
        transfers=(
            CreditTransfer(
                OK_1, AMOUNTS[OK_1], "EUR", Party(name="Muster GmbH", iban="DE89370400440532013000"), "INV-1"
            ),
            CreditTransfer(
                CLOSED_2,
                AMOUNTS[CLOSED_2],
                "EUR",
                Party(name="Initech Services N.V.", iban=closed_iban, bic="MOCKNL2A"),
                "INV-2",
            ),
            CreditTransfer(OK_3, AMOUNTS[OK_3], "EUR", Party(name="ABN Client", iban="NL77ABNA0574908765"), "INV-3"),
        ),
    )


def _collect(bank: MockBank, kind: str) -> bytes:
    """Take the one message of kind for ACME from mock-bank's mailbox."""
    messages = bank.json("GET", f"/_mock/mailbox?type={kind}")
    mine = [m for m in messages if m["account"] == "ACME"]
    assert len(mine) == 1, f"mock-bank sent ACME {len(mine)} {kind} messages: {[m['key'] for m in messages]}"
    body: str = mine[0]["body"]
    return body.encode("utf-8")


@pytest.fixture(scope="module")
def round_trip(mock_bank: MockBank) -> RoundTrip:
    """Send our pain.001 to mock-bank, collect its pain.002 and camt.054, move its clock a day on
    and collect the camt.053 for the settlement day."""
    mock_bank.json("POST", "/_mock/reset")
    accounts = {a["id"]: a for a in mock_bank.json("GET", "/_mock/accounts")}
    assert accounts["ACME"]["iban"] == ACME_IBAN
    assert accounts["INITECH"]["closed"] is True, "mock-bank's INITECH account is no longer seeded closed"
    closed_iban = accounts["INITECH"]["iban"]

    pain001 = build_pain001(_order(closed_iban))
    sent = mock_bank.call("POST", "/payments", body=pain001, content_type="application/xml")
    answer = sent.json()

    pain002 = _collect(mock_bank, "pain.002")
    camt054 = _collect(mock_bank, "camt.054")
    moved = mock_bank.json("POST", "/_mock/advance?days=1")
    assert moved["businessDaysCrossed"] == ["2026-11-03"]
    camt053 = _collect(mock_bank, "camt.053")
    return RoundTrip(pain001, sent.status, answer, closed_iban, pain002, camt054, camt053)


@pytest.fixture
def our_books(entity_de: Any) -> PaymentBatch:
    """Our side of the order: our BankAccount for ACME, and the transmitted batch under the
    pain.001's PmtInfId with one released payment per end-to-end id, for the same amounts."""
    account = own_account(entity_de, iban=ACME_IBAN)
    batch = PaymentBatchFactory(
        entity=entity_de,
        debtor_account=account,
        external_id=PAYMENT_INFO_ID,
        execution_on=EXECUTION_ON,
        state=BatchState.TRANSMITTED,
    )
    for e2e, amount in AMOUNTS.items():
        released_payment(entity_de, e2e, batch=batch, amount=amount)
    return batch


def _import(data: bytes, filename: str) -> dict[str, Any]:
    result = bank_file_import(data=data, filename=filename, source="test")
    return result.summary


def _payment(e2e: str) -> Payment:
    return Payment.objects.get(end_to_end_id=e2e)


def test_mock_bank_takes_our_pain001_and_rejects_only_the_closed_account(round_trip: RoundTrip) -> None:
    """mock-bank, an independent counterpart, reads our pain.001 with no findings, accepts the two
    ordinary transfers and rejects the one to its closed INITECH account with AC04."""
    answer = round_trip.answer
    assert round_trip.answer_status == 202, answer
    assert answer["msg_id"] == MESSAGE_ID
    assert answer["findings"] == []
    assert (answer["status"], answer["accepted"], answer["rejected"]) == ("PART", 2, 1)
    outcomes = {p["end_to_end_id"]: (p["outcome"], p["reason"], p["pmt_inf_id"]) for p in answer["payments"]}
    assert outcomes == {
        OK_1: ("accepted", None, PAYMENT_INFO_ID),
        CLOSED_2: ("rejected", "AC04", PAYMENT_INFO_ID),
        OK_3: ("accepted", None, PAYMENT_INFO_ID),
    }
    assert b"pain.002.001.10" in round_trip.pain002
    assert b"camt.054.001.08" in round_trip.camt054
    assert b"camt.053.001.08" in round_trip.camt053


@pytest.mark.django_db
def test_mock_bank_pain002_accepts_two_rejects_one_and_is_a_duplicate_twice(
    round_trip: RoundTrip, our_books: PaymentBatch
) -> None:
    """mock-bank's pain.002 (an independent counterpart's status report, GrpSts PART) moves our
    payments to accepted / rejected with the AC04 reason, opens one rejected_payment exception,
    leaves the batch partly rejected; the same bytes again are a duplicate."""
    summary = _import(round_trip.pain002, "mockbank-pain002.xml")

    assert summary["format"] == "pain.002"
    assert summary["status"] == "imported"
    assert (summary["transactions"], summary["accepted"], summary["rejected"], summary["unknown"]) == (3, 2, 1, 0)
    # We vendor pain.002.001.03 only, so mock-bank's pain.002.001.10 is read but not XSD-checked.
    assert summary["warnings"] == ["mockbank-pain002.xml: no vendored XSD for pain.002.001.10: not validated"]
    assert _payment(OK_1).state == "accepted"
    assert _payment(OK_3).state == "accepted"
    rejected = _payment(CLOSED_2)
    assert rejected.state == "rejected"
    assert rejected.status_reason == f"AC04: the creditor account {round_trip.closed_iban} is closed"
    exceptions = ExceptionItem.objects.filter(kind="rejected_payment")
    assert [(e.object_id, e.state) for e in exceptions] == [(str(rejected.pk), "open")]
    assert exceptions[0].amount == Decimal("5.00")
    our_books.refresh_from_db()
    assert our_books.state == BatchState.PARTLY_REJECTED

    before = row_counts()
    again = _import(round_trip.pain002, "mockbank-pain002-again.xml")
    assert again["status"] == "duplicate"
    assert (again["accepted"], again["rejected"], again["duplicates"]) == (0, 0, 1)
    assert row_counts() == before


@pytest.mark.django_db
def test_mock_bank_camt054_books_the_two_settled_debits_once(round_trip: RoundTrip, our_books: PaymentBatch) -> None:
    """mock-bank's camt.054 (an independent counterpart's debit notification) imports for our
    ACME account with the two accepted payments as DBIT lines carrying their E2E ids; the
    rejected one is not there; the same bytes again are a duplicate."""
    summary = _import(round_trip.camt054, "mockbank-camt054.xml")

    assert summary["format"] == "camt.054"
    assert summary["status"] == "imported"
    assert (summary["statements"], summary["entries"], summary["debits"], summary["credits"]) == (
        1,
        2,
        {"EUR": "124.44"},
        {},
    )
    assert summary["warnings"] == []
    statement = BankStatement.objects.get(format="camt.054")
    assert statement.bank_account_id == our_books.debtor_account_id
    assert statement.statement_on == EXECUTION_ON
    lines = StatementLine.objects.filter(statement=statement).order_by("line_no")
    assert [(ln.end_to_end_id, ln.amount, ln.credit_debit, ln.booking_on) for ln in lines] == [
        (OK_1, Decimal("123.45"), "DBIT", EXECUTION_ON),
        (OK_3, Decimal("0.99"), "DBIT", EXECUTION_ON),
    ]
    assert [ln.account_servicer_ref for ln in lines] == ["MB-PMT-1", "MB-PMT-3"]

    before = row_counts()
    again = _import(round_trip.camt054, "mockbank-camt054-again.xml")
    assert (again["status"], again["statements"], again["duplicates"]) == ("duplicate", 0, 1)
    assert row_counts() == before


@pytest.mark.django_db
def test_mock_bank_camt053_reconciles_and_is_a_duplicate_twice(round_trip: RoundTrip, our_books: PaymentBatch) -> None:
    """mock-bank's camt.053 for the settlement day (an independent counterpart's statement):
    OPBD 125000.00, the two debits, CLBD 124875.56; it reconciles, so no balance_mismatch
    exception; the same bytes again are a duplicate."""
    summary = _import(round_trip.camt053, "mockbank-camt053.xml")

    assert summary["format"] == "camt.053"
    assert summary["status"] == "imported"
    assert (summary["statements"], summary["entries"], summary["debits"]) == (1, 2, {"EUR": "124.44"})
    assert summary["warnings"] == []
    statement = BankStatement.objects.get(format="camt.053")
    assert statement.bank_account_id == our_books.debtor_account_id
    assert statement.statement_on == EXECUTION_ON
    assert (statement.opening_balance, statement.closing_balance) == (OPENING, Decimal("124875.56"))
    assert (statement.entry_count, statement.total_credits, statement.total_debits) == (2, 0, Decimal("124.44"))
    assert statement.opening_balance + statement.total_credits - statement.total_debits == statement.closing_balance
    assert not ExceptionItem.objects.filter(kind="balance_mismatch").exists()
    lines = StatementLine.objects.filter(statement=statement).order_by("line_no")
    assert [ln.end_to_end_id for ln in lines] == [OK_1, OK_3]

    before = row_counts()
    again = _import(round_trip.camt053, "mockbank-camt053-again.xml")
    assert (again["status"], again["statements"], again["duplicates"]) == ("duplicate", 0, 1)
    assert row_counts() == before


@pytest.mark.django_db
def test_mock_bank_round_trip_in_bank_order_then_all_again(round_trip: RoundTrip, our_books: PaymentBatch) -> None:
    """The three messages of mock-bank, an independent counterpart, imported in the order it sent
    them leave one rejected payment, two accepted, a notification and a reconciling statement;
    delivering all three again changes nothing."""
    files = [
        (round_trip.pain002, "pain002.xml"),
        (round_trip.camt054, "camt054.xml"),
        (round_trip.camt053, "camt053.xml"),
    ]
    statuses = [_import(data, name)["status"] for data, name in files]
    assert statuses == ["imported", "imported", "imported"]
    assert sorted(Payment.objects.values_list("end_to_end_id", "state")) == [
        (CLOSED_2, "rejected"),
        (OK_1, "accepted"),
        (OK_3, "accepted"),
    ]
    assert sorted(BankStatement.objects.values_list("format", "external_id")) == [
        ("camt.053", "MB-C053-ACME-1"),
        ("camt.054", "MB-C054-ACME-1"),
    ]
    assert list(ExceptionItem.objects.values_list("kind", flat=True)) == ["rejected_payment"]

    before = row_counts()
    assert [_import(data, f"again-{name}")["status"] for data, name in files] == ["duplicate"] * 3
    assert row_counts() == before
