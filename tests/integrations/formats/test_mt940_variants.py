"""MT940 as banks really write it: our own sample files under mt940_variants/, each written by us in
the layout of a published bank sample or format guide (no bank's file is copied):

- blank_type_code.sta: a :61: whose transaction type is "S" or "N" with a blank three-character
  code (`...S   INV-4471`), as US cash-management exports write bookings that have no SWIFT code.
- blank_entry_date.sta: four blanks where the optional entry date goes (`250304    DD212,39`), a
  funds code after the mark, zero-amount information lines and :64:, as in Citi's and ASN Bank's
  samples.
- wrapped_61_and_28c.sta: a :61: broken after its mark and funds code and another inside its
  amount, a :28C: broken over two lines, as German savings banks' exports break them.
- wrapped_time_86.sta: a structured :86: whose continuation line begins `:26:37` (a time of day
  wrapped at the 65th character), which is not a tag.
- digit_continuation_86.sta: a :86: continued on lines that begin with digits, a blank line
  between fields, no trailing "-", and an account written `BIC/account/currency`, as in a
  Hungarian bank's published sample.
- swift_blocks_on_one_line.sta: SWIFT FIN messages where the trailer `-}{5:{CHK:...}}` and the next
  message's header and first field share one line.
- account_identifications.sta: :25: as `/IBAN` (ING Poland's guide), `BIC/IBAN` (Deutsche Bank)
  and `IBAN currency` with zero-padded 15-digit amounts (Rabobank's structured MT940).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from integrations.formats.errors import FormatError
from integrations.formats.mt940 import parse_mt940
from integrations.formats.types import BankFile, CreditDebit

VARIANTS = Path(__file__).resolve().parent / "mt940_variants"


def _read(name: str) -> bytes:
    return (VARIANTS / name).read_bytes()


def _parse(name: str) -> BankFile:
    return parse_mt940(_read(name), filename=name)


def _without_closing_balance(data: bytes) -> bytes:
    """The file cut before its last :62F: (what a truncated transfer leaves)."""
    return data[: data.rindex(b":62F:")]


def test_blank_transaction_type_code_is_read_with_its_letter_only() -> None:
    (statement,) = _parse("blank_type_code.sta").statements

    payroll, wire, fee = statement.entries

    assert (payroll.bank_transaction_code, payroll.customer_ref, payroll.bank_ref) == (
        "S",
        "INV-4471",
        "BR25030300017",
    )
    assert payroll.amount == Decimal("1250.00")
    assert payroll.credit_debit is CreditDebit.DEBIT
    assert payroll.description.startswith("PAYROLL FUNDING")
    assert (wire.bank_transaction_code, wire.customer_ref, wire.credit_debit) == ("N", "NONREF", CreditDebit.CREDIT)
    assert fee.bank_transaction_code == "NCHG"
    assert statement.reconciles is True


def test_blank_entry_date_books_on_the_value_date() -> None:
    (statement,) = _parse("blank_entry_date.sta").statements

    first, info, transfer = statement.entries

    assert first.booking_on == first.value_on == dt.date(2025, 3, 4)
    assert (first.amount, first.credit_debit, first.bank_transaction_code) == (
        Decimal("212.39"),
        CreditDebit.DEBIT,
        "NMSC",
    )
    assert info.amount == Decimal(0)
    assert transfer.booking_on == dt.date(2025, 3, 4)
    assert statement.balance("CLAV") is not None
    assert statement.reconciles is True


def test_61_and_28c_broken_over_lines_read_as_one_value_each() -> None:
    (statement,) = _parse("wrapped_61_and_28c.sta").statements

    credit, debit = statement.entries

    assert statement.sequence == "00012/001"
    assert (credit.amount, credit.credit_debit, credit.bank_transaction_code, credit.customer_ref) == (
        Decimal("30.00"),
        CreditDebit.CREDIT,
        "N062",
        "NONREF",
    )
    assert (debit.amount, debit.credit_debit, debit.bank_transaction_code) == (
        Decimal("6.00"),
        CreditDebit.DEBIT,
        "N024",
    )
    assert (credit.details[0].remittance_info, credit.details[0].counterparty_name) == (
        "Rechnung 4711",
        "Max Mustermann",
    )
    assert debit.end_to_end_id == "E2E-0815"
    assert statement.reconciles is True


def test_86_continued_on_a_line_that_only_looks_like_a_tag() -> None:
    bank_file = _parse("wrapped_time_86.sta")

    ((entry,),) = (s.entries for s in bank_file.statements)

    assert bank_file.warnings == ()
    assert "06-03-2025T16:26:37 Fo" in entry.description
    assert entry.description.endswith("lgenr. 007")


def test_86_continued_on_lines_beginning_with_digits_and_account_with_bic_and_currency() -> None:
    (statement,) = _parse("digit_continuation_86.sta").statements

    collective, transfer = statement.entries

    assert statement.account.other_id == "UBRTHUHB/123456789150ABCDEF002"
    assert (statement.account.bic, statement.account.currency) == ("UBRTHUHB", "HUF")
    assert "109876543210000012345678 HUNGARY KFT." in collective.description
    assert collective.description.endswith(".06, A13947109202503065000000097, X")
    assert transfer.description.endswith("PELDA S.R.O. 18175")
    assert (collective.credit_debit, transfer.credit_debit) == (CreditDebit.CREDIT, CreditDebit.DEBIT)
    assert statement.reconciles is True


def test_next_message_after_a_trailer_on_the_same_line_is_read() -> None:
    bank_file = _parse("swift_blocks_on_one_line.sta")

    first, second = bank_file.statements

    assert (first.document_id, second.document_id) == ("DB250306A/66/1", "DB250306B/66/2")
    assert [e.amount for e in second.entries] == [Decimal("250.00")]
    assert first.account.iban == second.account.iban == "DE89370400440532013000"
    assert first.account.bic == "DEUTDEFF"
    assert first.reconciles is second.reconciles is True


def test_account_given_as_slash_iban_bic_iban_or_iban_and_currency_names_the_iban() -> None:
    statements = _parse("account_identifications.sta").statements

    assert [s.account.iban for s in statements] == [
        "PL61109010140000071219812874",
        "DE89370400440532013000",
        "NL68RABO0123456789",
    ]
    assert statements[0].sequence == "036/2025/BPL"
    assert statements[2].opening_balance is not None
    assert statements[2].opening_balance.amount == Decimal("5442.89")


@pytest.mark.parametrize(
    "name",
    [
        "blank_type_code.sta",
        "blank_entry_date.sta",
        "wrapped_61_and_28c.sta",
        "wrapped_time_86.sta",
        "digit_continuation_86.sta",
        "swift_blocks_on_one_line.sta",
    ],
)
def test_every_variant_cut_before_its_closing_balance_is_still_refused(name: str) -> None:
    with pytest.raises(FormatError, match="no closing balance :62F:"):
        parse_mt940(_without_closing_balance(_read(name)), filename=name)


def test_a_statement_cut_inside_its_86_is_not_continued_by_the_next_statement() -> None:
    """The next statement's :20: follows a :86: of a statement that has no :62F: yet: it is a new
    statement, never a continuation line, so the cut statement is refused."""
    data = (
        b":20:A\n:25:NL91ABNA0417164300\n:28C:1/1\n:60F:C250101EUR100,00\n"
        b":61:2501010101D10,00NTRFNONREF\n:86:cut here\n"
        b":20:B\n:25:NL91ABNA0417164300\n:28C:2/1\n:60F:C250101EUR90,00\n:62F:C250101EUR90,00\n-\n"
    )

    with pytest.raises(FormatError, match=r"line 1: statement 'A' .* no closing balance"):
        parse_mt940(data)
