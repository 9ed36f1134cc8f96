"""CSV statements through a per-bank mapping. The fixtures are our own, written here."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from integrations.formats.csv_statement import CsvMapping, parse_csv_statement
from integrations.formats.errors import FormatError
from integrations.formats.types import CreditDebit

_GERMAN = """Kontoumsätze;;;;;
Konto;DE89 3704 0044 0532 0130 00;;;;
;;;;;
Buchungstag;Valuta;Auftraggeber/Empfänger;Verwendungszweck;Betrag;Saldo
02.01.2026;02.01.2026;Müller GmbH;"Rechnung 4711; Januar";1.234,56;11.234,56
03.01.2026;04.01.2026;Stadtwerke;Abschlag;-89,90;11.144,66
05.01.2026;05.01.2026;;Kontoführung;-4,50;11.140,16
;;;;;
Kontostand am 05.01.2026;;;;;11.140,16
""".encode("cp1252")

_GERMAN_MAPPING = CsvMapping(
    booking_date="Buchungstag",
    value_date="Valuta",
    amount="Betrag",
    balance="Saldo",
    counterparty_name="Auftraggeber/Empfänger",
    description=("Verwendungszweck",),
    fixed_currency="EUR",
    account_id="DE89 3704 0044 0532 0130 00",
    delimiter=";",
    encoding="cp1252",
    decimal_separator=",",
    thousands_separator=".",
    date_format="%d.%m.%Y",
    skip_header_rows=3,
    skip_footer_rows=1,
)


def test_german_bank_export_semicolon_decimal_comma_and_skipped_rows() -> None:
    """Our fixture: cp1252, `;`, 1.234,56, dd.mm.yyyy, 3 preamble rows and a footer row."""
    bank_file = parse_csv_statement(_GERMAN, _GERMAN_MAPPING, filename="umsaetze.csv")

    (statement,) = bank_file.statements
    first, second, third = statement.entries

    assert bank_file.format == "csv"
    assert statement.account.iban == "DE89370400440532013000"
    assert (first.amount, first.credit_debit) == (Decimal("1234.56"), CreditDebit.CREDIT)
    assert (second.amount, second.credit_debit) == (Decimal("89.90"), CreditDebit.DEBIT)
    assert second.value_on == dt.date(2026, 1, 4)
    assert first.booking_on == dt.date(2026, 1, 2)
    assert first.description == "Rechnung 4711; Januar"
    assert first.details[0].counterparty_name == "Müller GmbH"
    assert third.description == "Kontoführung"
    assert third.details == ()
    assert [e.line for e in statement.entries] == [5, 6, 7]
    assert {e.currency for e in statement.entries} == {"EUR"}


def test_balance_column_gives_opening_and_closing_balances() -> None:
    """Our fixture: opening = first balance - first signed amount; closing = last balance."""
    (statement,) = parse_csv_statement(_GERMAN, _GERMAN_MAPPING).statements

    opening, closing = statement.opening_balance, statement.closing_balance

    assert opening is not None
    assert closing is not None
    assert (opening.amount, opening.on) == (Decimal("10000.00"), dt.date(2026, 1, 2))
    assert (closing.amount, closing.on) == (Decimal("11140.16"), dt.date(2026, 1, 5))
    assert statement.reconciles is True


def test_newest_first_export_takes_the_opening_balance_from_the_bottom() -> None:
    """Our fixture reversed: the bank lists the newest booking first."""
    lines = _GERMAN.decode("cp1252").split("\n")
    reordered = "\n".join([*lines[:4], lines[6], lines[5], lines[4], *lines[7:]])

    (statement,) = parse_csv_statement(reordered.encode("cp1252"), _GERMAN_MAPPING).statements

    assert statement.opening_balance is not None
    assert statement.opening_balance.amount == Decimal("10000.00")
    assert statement.closing_balance is not None
    assert statement.closing_balance.amount == Decimal("11140.16")


def test_running_balance_that_does_not_follow_is_a_warning() -> None:
    """Our fixture with one balance changed: the file imports, the gap is reported."""
    broken = _GERMAN.replace(b"-89,90;11.144,66", b"-89,90;11.144,67")

    bank_file = parse_csv_statement(broken, _GERMAN_MAPPING)

    assert len(bank_file.warnings) == 2  # the row itself and the row after it
    assert bank_file.warnings[0].startswith("line 6: balance 11144.67")


def test_separate_debit_and_credit_columns() -> None:
    """Our fixture: US-style export with Debit and Credit columns, m/d/Y, thousands comma."""
    data = b"""Date,Description,Debit,Credit,Currency
01/15/2026,Wire in,,"25,000.00",USD
01/16/2026,Card,12.34,,USD
01/17/2026,Fee,-1.00,,usd
"""
    mapping = CsvMapping(
        booking_date="Date",
        debit="Debit",
        credit="Credit",
        currency="Currency",
        description=("Description",),
        thousands_separator=",",
        date_format="%m/%d/%Y",
    )

    (statement,) = parse_csv_statement(data, mapping).statements

    assert [(e.amount, e.credit_debit, e.currency) for e in statement.entries] == [
        (Decimal("25000.00"), CreditDebit.CREDIT, "USD"),
        (Decimal("12.34"), CreditDebit.DEBIT, "USD"),
        (Decimal("1.00"), CreditDebit.DEBIT, "USD"),
    ]
    assert statement.balances == ()


def test_amount_with_debit_credit_indicator_column_by_index() -> None:
    """Our fixture: no header row, columns by index, an S/H (Soll/Haben) indicator."""
    data = b"2026-02-01|100.00|H|Zahlung\n2026-02-02|40.00|S|Miete\n"
    mapping = CsvMapping(
        booking_date=0,
        amount=1,
        indicator=2,
        description=(3,),
        fixed_currency="CHF",
        delimiter="|",
        has_header=False,
    )

    (statement,) = parse_csv_statement(data, mapping).statements

    assert [(e.signed_amount, e.description) for e in statement.entries] == [
        (Decimal("100.00"), "Zahlung"),
        (Decimal("-40.00"), "Miete"),
    ]
    assert statement.account.currency == "CHF"


def test_unknown_indicator_value_is_refused_naming_line_and_column() -> None:
    """Our fixture: an indicator X is neither credit nor debit."""
    data = b"d,a,f\n2026-02-01,1.00,C\n2026-02-02,2.00,X\n"
    mapping = CsvMapping(booking_date="d", amount="a", indicator="f", fixed_currency="EUR")

    with pytest.raises(FormatError, match="'X'") as caught:
        parse_csv_statement(data, mapping)

    assert (caught.value.line, caught.value.element) == (3, "f")


def test_bad_amount_refuses_the_file_naming_line_and_column() -> None:
    """Our fixture: line 6 holds `12,3x`; nothing is returned for the good rows."""
    broken = _GERMAN.replace(b"-4,50;", b"12,3x;")

    with pytest.raises(FormatError) as caught:
        parse_csv_statement(broken, _GERMAN_MAPPING, filename="umsaetze.csv")

    assert (caught.value.line, caught.value.element) == (7, "Betrag")
    assert str(caught.value).startswith("umsaetze.csv, line 7, element Betrag:")


def test_dot_in_a_decimal_comma_amount_is_refused_not_guessed() -> None:
    """Our fixture: with decimal comma and no thousands separator, `1.5` is ambiguous."""
    data = b"d;a\n01.01.2026;1.5\n"
    mapping = CsvMapping(
        booking_date="d",
        amount="a",
        fixed_currency="EUR",
        delimiter=";",
        decimal_separator=",",
        date_format="%d.%m.%Y",
    )

    with pytest.raises(FormatError, match="unreadable amount") as caught:
        parse_csv_statement(data, mapping)

    assert caught.value.line == 2


def test_bad_date_and_missing_column_name_their_place() -> None:
    """Our fixture: a date in the wrong format; a mapped column absent from the header."""
    mapping = CsvMapping(booking_date="Date", amount="Amount", fixed_currency="EUR")

    with pytest.raises(FormatError, match="does not match") as bad_date:
        parse_csv_statement(b"Date,Amount\n2026-01-01,1\n2026-13-01,2\n", mapping)
    with pytest.raises(FormatError, match="'Amount' not in the header") as missing:
        parse_csv_statement(b"Date,Betrag\n2026-01-01,1\n", mapping)

    assert (bad_date.value.line, bad_date.value.element) == (3, "Date")
    assert (missing.value.line, missing.value.element) == (1, "Amount")


def test_text_in_the_wrong_encoding_is_refused_naming_the_line() -> None:
    """Our fixture: cp1252 bytes read with a UTF-8 mapping."""
    mapping = CsvMapping(booking_date="d", amount="a", fixed_currency="EUR")

    with pytest.raises(FormatError, match="not valid utf-8") as caught:
        parse_csv_statement("d,a\n2026-01-01,1\nMü,2\n".encode("cp1252"), mapping)

    assert caught.value.line == 3


def test_mapping_round_trips_through_json() -> None:
    """A mapping is stored per bank as JSON and comes back equal."""
    stored = json.dumps(_GERMAN_MAPPING.to_dict())

    restored = CsvMapping.from_dict(json.loads(stored))

    assert restored == _GERMAN_MAPPING
    assert json.loads(stored)["description"] == ["Verwendungszweck"]


def test_mapping_refuses_unknown_keys_and_ambiguous_sign_conventions() -> None:
    """A stored mapping with a typo, or with two sign conventions, is refused."""
    with pytest.raises(ValueError, match="unknown CSV mapping keys: amout"):
        CsvMapping.from_dict({"booking_date": "d", "amout": "a", "fixed_currency": "EUR"})
    with pytest.raises(ValueError, match="debit and credit"):
        CsvMapping(booking_date="d", amount="a", debit="x", credit="y", fixed_currency="EUR")
    with pytest.raises(ValueError, match="currency"):
        CsvMapping(booking_date="d", amount="a")


@pytest.mark.parametrize(
    ("amount", "balance", "column"),
    [
        ("١٢,٣٤", "100,00", "a"),  # Arabic-Indic digits, which Decimal() would read
        ("12,34", "१००,००", "s"),  # Devanagari digits in the balance
        ("9" * 40 + ",00", "100,00", "a"),
    ],
)
def test_an_amount_not_in_ascii_digits_or_too_long_is_refused_naming_line_and_column(
    amount: str, balance: str, column: str
) -> None:
    """Our fixture: one row whose amount or balance is not a number we read."""
    data = f"d;a;s\n2026-01-01;1,00;1,00\n2026-01-02;{amount};{balance}\n".encode()
    mapping = CsvMapping(
        booking_date="d", amount="a", balance="s", fixed_currency="EUR", delimiter=";", decimal_separator=","
    )

    with pytest.raises(FormatError, match="unreadable amount") as caught:
        parse_csv_statement(data, mapping, filename="export.csv")

    assert (caught.value.line, caught.value.element) == (3, column)


def test_a_nul_byte_is_refused_naming_line_and_column() -> None:
    """Our fixture with a NUL in line 6's payee."""
    broken = _GERMAN.replace(b"Stadtwerke", b"Stadt\x00werke")

    with pytest.raises(FormatError, match="a NUL byte in Auftraggeber/Empf") as caught:
        parse_csv_statement(broken, _GERMAN_MAPPING, filename="umsaetze.csv")

    assert caught.value.line == 6
    assert str(caught.value).startswith("umsaetze.csv, line 6, element Auftraggeber/Empfänger:")
