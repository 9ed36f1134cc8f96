"""MT940 reader against the WoLpH/mt940 fixtures (see /work/shared/fixtures/MANIFEST.md)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.formats.errors import FormatError
from integrations.formats.mt940 import iter_mt940, parse_mt940, parse_swift_amount
from integrations.formats.types import BankFile, CreditDebit, Statement, StatementEnd, StatementStart
from tests.conftest import FIXTURES as SHARED_FIXTURES

FIXTURES = SHARED_FIXTURES / "mt940"
REPO = Path(__file__).resolve().parents[3]


def _parse(name: str) -> BankFile:
    path = FIXTURES / name
    return parse_mt940(path.read_bytes(), filename=path.name)


def _sums(statement: Statement) -> tuple[Decimal, Decimal]:
    credits = sum((e.amount for e in statement.entries if e.credit_debit is CreditDebit.CREDIT), Decimal(0))
    debits = sum((e.amount for e in statement.entries if e.credit_debit is CreditDebit.DEBIT), Decimal(0))
    return credits, debits


def _amounts(statement: Statement) -> tuple[Decimal | None, Decimal | None]:
    opening, closing = statement.opening_balance, statement.closing_balance
    return (
        opening.amount if opening else None,
        closing.amount if closing else None,
    )


def test_abnamro_reads_two_statements_behind_header_lines() -> None:
    """WOLPH mt940_tests/jejik/abnamro.sta: 2 statements, 60F/62F then 60M/62M."""
    bank_file = _parse("wolph_jejik_abnamro.sta")

    first, second = bank_file.statements

    assert bank_file.format == "mt940"
    assert [s.account.other_id for s in bank_file.statements] == ["517852257", "517852257"]
    assert {s.account.currency for s in bank_file.statements} == {"EUR"}
    assert (first.sequence, second.sequence) == ("19321/1", "19322/1")
    assert first.document_id == "ABN AMRO BANK NV/19321/1"
    assert _amounts(first) == (Decimal("3236.28"), Decimal("876.84"))
    assert _sums(first) == (Decimal(0), Decimal("321.44"))
    assert len(first.entries) == 8
    assert _amounts(second) == (Decimal("2876.84"), Decimal("1849.75"))
    assert _sums(second) == (Decimal(0), Decimal("24.49"))
    assert first.reconciles is False
    assert second.reconciles is False
    assert [e.signed_amount for e in first.entries[:2]] == [Decimal("-9.00"), Decimal("-11.59")]


def test_abnamro_reports_the_intermediate_60m_62m_page() -> None:
    """WOLPH jejik/abnamro.sta: the second statement's 60M/62M are mapped to OPBD/CLBD."""
    bank_file = _parse("wolph_jejik_abnamro.sta")

    second = bank_file.statements[1]

    assert [b.type for b in second.balances] == ["OPBD", "CLBD"]
    assert len(bank_file.warnings) == 1
    assert ":60M:/:62M:" in bank_file.warnings[0]


def test_abnamro_entry_carries_dates_codes_and_wrapped_86() -> None:
    """WOLPH jejik/abnamro.sta: first :61: at line 8, entry date 0524, N192, 3-line :86:."""
    entry = _parse("wolph_jejik_abnamro.sta").statements[0].entries[0]

    assert entry.line == 8
    assert entry.value_on == dt.date(2011, 5, 24)
    assert entry.booking_on == dt.date(2011, 5, 24)
    assert entry.bank_transaction_code == "N192"
    assert entry.customer_ref == "NONREF"
    assert entry.description.startswith("GIRO   428428 KPN - DIGITENNE")
    assert entry.description.endswith("INCL. 1,44 BTW")


def test_ing_old_layout_tolerates_trailing_86_and_soft_hyphens() -> None:
    """WOLPH jejik/ing.sta: header lines, trailing :86: after 62F, non-ASCII soft hyphens."""
    bank_file = _parse("wolph_jejik_ing.sta")

    (statement,) = bank_file.statements

    assert statement.account.other_id == "0001234567"
    assert _amounts(statement) == (Decimal("0.00"), Decimal("3.47"))
    assert len(statement.entries) == 7
    assert _sums(statement) == (Decimal("4.68"), Decimal("50.27"))
    assert statement.reconciles is False
    assert statement.entries[0].signed_amount == Decimal("-25.03")
    assert "10\u00ad06\u00ad2010" in statement.entries[2].description


def test_rabobank_two_statements_under_one_20_keep_distinct_ids() -> None:
    """WOLPH jejik/rabobank-iban.sta: 2 statements, same :20:940S130101, IBAN account."""
    bank_file = _parse("wolph_jejik_rabobank-iban.sta")

    first, second = bank_file.statements

    assert first.account.iban == "NL71RABO0123456789"
    assert first.account.other_id == ""
    assert (_amounts(first), _amounts(second)) == (
        (Decimal("1000.00"), Decimal("965.00")),
        (Decimal("965.00"), Decimal("930.00")),
    )
    assert [e.amount for s in bank_file.statements for e in s.entries] == [
        Decimal("25.00"),
        Decimal("10.00"),
        Decimal("25.00"),
        Decimal("10.00"),
    ]
    assert _sums(first) == (Decimal(0), Decimal("35.00"))
    assert first.reconciles is True
    assert second.reconciles is True
    assert (first.document_id, second.document_id) == ("940S130101/0", "940S130101/0#2")


def test_rabobank_supplementary_details_join_the_description() -> None:
    """WOLPH jejik/rabobank-iban.sta: the :61: second line carries the counter account."""
    entry = _parse("wolph_jejik_rabobank-iban.sta").statements[0].entries[0]

    assert entry.customer_ref == "EREF"
    assert entry.description.startswith("NL70ABNA0987654321 /EREF/01-01-2013 12:00")
    assert entry.description.endswith("/REMI//ISDT/2013-07-11")


def test_full_width_86_line_joins_its_continuation_without_a_space() -> None:
    """Synthetic: a 65-character :86: line cut mid-word joins directly; a short one with a space."""
    full = "A" * 60 + "HOLDE"
    data = (
        f":20:X\n:25:1\n:28C:1\n:60F:C240101EUR0,\n:61:240101C1,NTRF\n:86:{full}\nR NAME\nNEXT\n:62F:C240101EUR1,\n"
    ).encode()

    (entry,) = parse_mt940(data).statements[0].entries

    assert entry.description == "A" * 60 + "HOLDER NAME NEXT"


def test_triodos_account_and_structured_86_with_angle_separators() -> None:
    """WOLPH jejik/triodos.sta: account TRIODOSBANK/0390123456, 2 debits, no reconcile."""
    (statement,) = _parse("wolph_jejik_triodos.sta").statements

    assert statement.account.other_id == "TRIODOSBANK/0390123456"
    assert statement.account.iban == ""
    assert _amounts(statement) == (Decimal("4975.09"), Decimal("4370.79"))
    assert [e.amount for e in statement.entries] == [Decimal("15.70"), Decimal("700.00")]
    assert statement.reconciles is False
    assert statement.entries[0].description == ("ALGEMENE TUSSENREKENING KOSTEN VAN 01-10-2010 TOT EN MET 31-12-2010")
    assert statement.entries[0].details[0].counterparty_account == "0390123456"


def test_betterplace_sepa_26_statements_all_reconcile_with_rc_as_debit() -> None:
    """WOLPH betterplace/sepa_mt9401.sta: 26 statements, 97 lines, 2 RC of 204.88."""
    bank_file = _parse("wolph_betterplace_sepa_mt9401.sta")

    entries = [e for s in bank_file.statements for e in s.entries]
    reversals = [e for e in entries if e.is_reversal]

    assert len(bank_file.statements) == 26
    assert len(entries) == 97
    assert all(s.account.other_id.startswith("50880050/") for s in bank_file.statements)
    assert {e.currency for e in entries} == {"EUR"}
    assert all(s.reconciles for s in bank_file.statements)
    assert [(e.amount, e.credit_debit) for e in reversals] == [
        (Decimal("204.88"), CreditDebit.DEBIT),
        (Decimal("204.88"), CreditDebit.DEBIT),
    ]
    assert sum((e.signed_amount for e in entries), Decimal(0)) == Decimal("-9269135.90")
    opening = bank_file.statements[0].opening_balance
    assert opening is not None
    assert opening.amount == Decimal("-1234718.36")


def test_betterplace_structured_86_fills_name_iban_bic_and_end_to_end_id() -> None:
    """WOLPH betterplace/sepa_mt9401.sta: ?20.. remittance, ?30 BIC, ?31 IBAN, ?32/?33 name."""
    statements = _parse("wolph_betterplace_sepa_mt9401.sta").statements

    first = statements[0].entries[0]
    credit = statements[1].entries[0]
    (detail,) = credit.details

    assert first.proprietary_code == "159"
    assert first.description == (
        "EREF+TFNR 40005 00005 MTLG:Grund nicht spezifiziert Reject aus SEPA-Ueberweisungsauftrag"
    )
    assert first.end_to_end_id == "TFNR 40005 00005"
    assert first.bank_ref == "0724710345313905"
    assert first.customer_ref == "TFNr 40005 MSGID"
    assert detail.counterparty_bic == "PBNKDEFF100"
    assert detail.counterparty_iban == "DE42100100100043921105"
    assert detail.counterparty_name == "Richter Renate 70 Zeichen Beginn Fuellzeichen xxxxxxxx"
    assert detail.remittance_info.startswith("TO 13 TFNr 20004 Eingangskanal Mint")


def test_cmxl_three_accounts_three_currencies() -> None:
    """WOLPH cmxl/mt940.sta: DEM, EUR and PLN statements, 16 lines, all reconcile."""
    bank_file = _parse("wolph_cmxl_mt940.sta")

    dem, eur, pln = bank_file.statements

    assert [s.account.other_id for s in bank_file.statements] == [
        "45050050/76198810",
        "10020030/1234567",
        "BPHKPLPK/320000546101",
    ]
    assert [s.account.currency for s in bank_file.statements] == ["DEM", "EUR", "PLN"]
    assert _amounts(dem) == (Decimal("84349.74"), Decimal("84437.04"))
    assert (len(dem.entries), _sums(dem)) == (11, (Decimal("49396.74"), Decimal("49309.44")))
    assert _amounts(eur) == (Decimal("2187.95"), Decimal("4387.95"))
    assert _sums(eur) == (Decimal("3000"), Decimal("800"))
    assert _amounts(pln) == (Decimal("40000.00"), Decimal("50040.00"))
    assert _sums(pln) == (Decimal("20040"), Decimal("10000"))
    assert sum(len(s.entries) for s in bank_file.statements) == 16
    assert all(s.reconciles for s in bank_file.statements)


def test_cmxl_funds_code_letter_and_supplementary_details() -> None:
    """WOLPH cmxl/mt940.sta: `DR800,` is a debit with funds code R; a :61: second line."""
    _, eur, pln = _parse("wolph_cmxl_mt940.sta").statements

    debit = eur.entries[0]

    assert (debit.amount, debit.credit_debit, debit.is_reversal) == (
        Decimal("800"),
        CreditDebit.DEBIT,
        False,
    )
    assert debit.booking_on == dt.date(2002, 11, 2)
    assert debit.value_on == dt.date(2002, 11, 1)
    assert pln.entries[0].description.startswith("Card transaction")
    assert pln.entries[2].description == "Interest credit Odsetki od lokaty nr 101000022086"
    assert pln.entries[2].proprietary_code == "844"


def test_invalid_statement_without_tags_is_refused() -> None:
    """WOLPH self-provided/invalid_statement.sta: lines 1..10, no tags at all."""
    with pytest.raises(FormatError, match="no MT940 statement found"):
        _parse("malformed/wolph_self-provided_invalid_statement.sta")


def test_broken_snippet_with_second_25_is_refused_naming_the_line() -> None:
    """WOLPH betterplace/sepa_snippet_broken.sta: a :25: where the :86: belongs (line 6)."""
    with pytest.raises(FormatError) as caught:
        _parse("malformed/wolph_betterplace_sepa_snippet_broken.sta")

    assert caught.value.line == 6
    assert "line 6" in str(caught.value)
    assert caught.value.filename == "wolph_betterplace_sepa_snippet_broken.sta"


# --- synthetic files for what the fixtures do not show -----------------------------------

_WRAPPED = b"""{1:F01ABNANL2AXXXX0000000000}{2:O9401200110101ABNANL2AXXXX00000000001101011200N}{4:
:20:REF1
:25:NL91ABNA0417164300EUR
:28C:00012/
00001
:60F:C240105EUR100,00
:61:2401050105RDR5,NTRFNONREF//B1
:86:reversal of a direct debit
:NS:22ignored
:61:2401050105D2,50NMSCNONREF
:62F:C240105EUR102,50
:64:C240105EUR102,50
:65:C240106EUR102,50
:65:C240107EUR102,50
-}{5:{CHK:123}}
"""


def test_swift_block_wrapper_wrapped_28c_rd_and_available_balances() -> None:
    """Synthetic: {1:}{2:}{4:...-} wrapper, :28C: over two lines, RD, :NS:, :64:, 2 x :65:."""
    (statement,) = parse_mt940(_WRAPPED).statements

    reversal, debit = statement.entries

    assert statement.sequence == "00012/00001"
    assert statement.document_id == "REF1/00012/00001"
    assert statement.account.iban == "NL91ABNA0417164300"
    assert (reversal.credit_debit, reversal.is_reversal) == (CreditDebit.CREDIT, True)
    assert reversal.description == "reversal of a direct debit"
    assert debit.description == ""
    assert [b.type for b in statement.balances] == ["OPBD", "CLBD", "CLAV", "FWAV", "FWAV"]
    assert statement.reconciles is True


def test_new_25_after_a_closing_balance_starts_the_next_statement_under_the_same_20() -> None:
    """Synthetic: one :20: with two accounts, each closed by its own :62F:."""
    data = (
        b":20:MULTI\n:25:111\n:28C:7/1\n:60F:C240105EUR1,\n:62F:C240105EUR1,\n"
        b":25:222\n:28C:7/1\n:60F:D240105USD2,\n:61:240105D1,NTRF\n:62F:D240105USD3,\n-\n"
    )

    first, second = parse_mt940(data).statements

    assert [s.account.other_id for s in (first, second)] == ["111", "222"]
    assert (first.document_id, second.document_id) == ("MULTI/7/1", "MULTI/7/1#2")
    assert (second.account.currency, second.line) == ("USD", 6)
    assert second.reconciles is True


def test_statement_without_closing_balance_is_refused() -> None:
    """Synthetic: a truncated file (no :62F:) is refused, naming the statement's line."""
    truncated = b"header\n:20:CUT\n:25:123\n:28C:1/1\n:60F:C240105EUR1,00\n:61:240105C1,NTRF\n"

    with pytest.raises(FormatError) as caught:
        parse_mt940(truncated)

    assert caught.value.line == 2
    assert "'CUT'" in str(caught.value)


def test_latin1_text_and_entry_date_in_the_next_year() -> None:
    """Synthetic: Latin-1 bytes decode; value date 31 Dec with entry date 0102 books in January."""
    data = (
        ":20:X\n:25:DE89370400440532013000\n:28C:1\n:60F:C231231EUR0,\n"
        ":61:2312310102C1,5NTRFNONREF\n:86:M\xfcller\n:62F:C240102EUR1,5\n"
    ).encode("latin-1")

    (entry,) = parse_mt940(data).statements[0].entries

    assert entry.description == "M\u00fcller"
    assert entry.value_on == dt.date(2023, 12, 31)
    assert entry.booking_on == dt.date(2024, 1, 2)


def test_unreadable_61_is_refused_naming_its_line() -> None:
    """Synthetic: a :61: without a debit/credit mark."""
    data = b":20:X\n:25:1\n:28C:1\n:60F:C240101EUR0,\n:61:240101X1,NTRF\n:62F:C240101EUR0,\n"

    with pytest.raises(FormatError) as caught:
        parse_mt940(data)

    assert caught.value.line == 5


def test_iter_mt940_yields_each_statement_start_entries_and_end_then_its_warnings() -> None:
    """WOLPH jejik/abnamro.sta: two statements of 8 and 2 lines; the 60M/62M warning comes once
    the stream is exhausted."""
    warnings: list[str] = []

    events = list(iter_mt940((FIXTURES / "wolph_jejik_abnamro.sta").read_bytes(), warnings=warnings))

    kinds = [type(e).__name__ for e in events]
    assert kinds == ["StatementStart", *["Entry"] * 8, "StatementEnd", "StatementStart", *["Entry"] * 2, "StatementEnd"]
    start, end = events[0], events[9]
    assert isinstance(start, StatementStart)
    assert isinstance(end, StatementEnd)
    # The closing balance comes after the entries in MT940: only the end has it.
    assert [b.type for b in start.statement.balances] == ["OPBD"]
    assert [b.type for b in end.statement.balances] == ["OPBD", "CLBD"]
    assert start.statement.document_id == end.statement.document_id == "ABN AMRO BANK NV/19321/1"
    assert len(warnings) == 1
    assert ":60M:/:62M:" in warnings[0]


def test_account_given_after_the_entries_is_read_as_before() -> None:
    """Synthetic: a :25: after the :61: lines (not where the standard puts it) still names the
    account of every line."""
    data = b":20:LATE\n:28C:1\n:60F:C240101EUR0,\n:61:240101C1,NTRF\n:61:240101C2,NTRF\n:25:12345\n:62F:C240101EUR3,\n"

    events = list(iter_mt940(data, warnings=[]))
    (statement,) = parse_mt940(data).statements

    assert [type(e).__name__ for e in events] == ["StatementStart", "Entry", "Entry", "StatementEnd"]
    assert statement.account.other_id == "12345"
    assert [e.amount for e in statement.entries] == [Decimal(1), Decimal(2)]
    assert statement.reconciles is True


def test_a_truncated_file_is_reported_before_a_bad_line_earlier_in_it() -> None:
    """Synthetic: an unreadable :61: in the first statement, and a second statement cut off.
    The whole file is read before the bad line is reported, so the truncation, the graver
    fault, names the file's state, as when the file was read whole before anything else."""
    data = (
        b":20:A\n:25:1\n:28C:1\n:60F:C240101EUR0,\n:61:240101X1,NTRF\n:62F:C240101EUR0,\n"
        b":20:CUT\n:25:1\n:28C:2\n:60F:C240101EUR0,\n:61:240101C1,NTRF\n"
    )

    with pytest.raises(FormatError) as caught:
        list(iter_mt940(data, warnings=[]))

    assert caught.value.line == 7
    assert "'CUT'" in str(caught.value)


def test_streaming_memory_stays_flat_within_one_statement() -> None:
    """One statement of 50,000 :61:/:86: pairs streamed with iter_mt940: peak RSS must not grow
    with the statement (parse_mt940, which keeps the entries, grows by tens of MB here)."""
    script = textwrap.dedent(
        """
        import resource
        from integrations.formats.mt940 import iter_mt940
        from integrations.formats.types import Entry

        lines = [":20:BIG", ":25:DE89370400440532013000", ":28C:1", ":60F:C240101EUR0,"]
        for i in range(50000):
            lines.append(":61:2401010101C1,NTRFE2E%09d//B%09d" % (i, i))
            lines.append(":86:166?00GUTSCHRIFT?20EREF+E2E%09d?21SVWZ+Invoice %d?32Name %d" % (i, i, i))
        lines.append(":62F:C240101EUR50000,")
        data = "\\n".join(lines).encode()
        del lines

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        count = sum(isinstance(event, Entry) for event in iter_mt940(data, warnings=[]))
        growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        print(count, growth)
        """
    )

    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)

    count, growth_kib = (int(x) for x in result.stdout.split())
    assert count == 50_000
    assert growth_kib < 4 * 1024


_AMOUNTS = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2)


@settings(database=None)
@given(_AMOUNTS)
def test_swift_amount_with_decimal_comma_reads_back_exactly(amount: Decimal) -> None:
    """Property: any 2-decimal amount written SWIFT-style (decimal comma) parses to itself."""
    text = f"{amount:f}".replace(".", ",")

    assert parse_swift_amount(text) == amount


@settings(database=None)
@given(_AMOUNTS, st.booleans())
def test_statement_line_amount_round_trips_and_reconciles(amount: Decimal, credit: bool) -> None:
    """Property: a :61: amount books exactly and the statement reconciles with it."""
    mark, sign = ("C", 1) if credit else ("D", -1)
    closing = amount * sign
    closing_text = f"{'C' if closing >= 0 else 'D'}240101EUR{abs(closing):f}".replace(".", ",")
    data = (
        f":20:P\n:25:1\n:28C:1\n:60F:C240101EUR0,\n"
        f":61:240101{mark}{f'{amount:f}'.replace('.', ',')}NTRFNONREF\n:62F:{closing_text}\n"
    ).encode()

    (statement,) = parse_mt940(data).statements

    assert statement.entries[0].amount == amount
    assert statement.reconciles is True


@pytest.mark.parametrize("text", ["", "1.000,00", "-5,00", "12,5,0", "abc"])
def test_swift_amount_refuses_what_is_not_a_swift_amount(text: str) -> None:
    """SWIFT amounts have no sign, no thousands separator and one decimal comma."""
    with pytest.raises(ValueError, match="not a SWIFT amount"):
        parse_swift_amount(text)


_ONE_STATEMENT = (
    ":20:REF\n:25:NL91ABNA0417164300\n:28C:1/1\n:60F:C250101EUR{opening}\n"
    ":61:2501010101D{amount}NTRF{reference}\n:62F:C250101EUR90,00\n-\n"
)


@pytest.mark.parametrize(
    ("opening", "amount", "field"),
    [
        ("100,00", "١٠,00", ":61:"),  # Arabic-Indic digits
        ("100,00", "१०,00", ":61:"),  # Devanagari digits
        ("١٠٠,00", "10,00", ":60F:"),
        ("100,00", "1²,00", ":61:"),  # a superscript passes str.isdigit()
    ],
)
def test_digits_other_than_ascii_are_refused_naming_the_line_and_field(opening: str, amount: str, field: str) -> None:
    data = _ONE_STATEMENT.format(opening=opening, amount=amount, reference="NONREF").encode()

    with pytest.raises(FormatError, match=rf"^bad\.sta, line [45]: unreadable .*{field}"):
        parse_mt940(data, filename="bad.sta")


def test_a_nul_byte_is_refused_naming_its_line_column_and_field() -> None:
    data = _ONE_STATEMENT.format(opening="100,00", amount="10,00", reference="NON\x00REF").encode()

    with pytest.raises(FormatError, match=r"^bad\.sta, line 5: a NUL byte in :61: at column 28"):
        parse_mt940(data, filename="bad.sta")
