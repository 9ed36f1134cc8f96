"""BAI2 reader against the MoJ and moov-io fixtures (see /work/shared/fixtures/MANIFEST.md)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from integrations.formats.bai2 import parse_bai2
from integrations.formats.errors import FormatError
from integrations.formats.types import BankFile, CreditDebit, Statement
from tests.conftest import FIXTURES as SHARED_FIXTURES

FIXTURES = SHARED_FIXTURES / "bai2"


def _parse(name: str) -> BankFile:
    path = FIXTURES / name
    return parse_bai2(path.read_bytes(), filename=path.name)


def _balances(statement: Statement) -> dict[str, Decimal]:
    return {b.type: b.amount for b in statement.balances}


def _sums(statement: Statement) -> tuple[Decimal, Decimal]:
    credits = sum((e.amount for e in statement.entries if e.credit_debit is CreditDebit.CREDIT), Decimal(0))
    debits = sum((e.amount for e in statement.entries if e.credit_debit is CreditDebit.DEBIT), Decimal(0))
    return credits, debits


def test_citi_example_one_detail_with_seven_continuations() -> None:
    """MOJ tests/data/citi_example.bai2: GBP account 77777777, 010=015=10000, 1 detail of 1 cent."""
    bank_file = _parse("moj_citi_example.bai2")

    (statement,) = bank_file.statements
    (entry,) = statement.entries

    assert (bank_file.format, bank_file.version) == ("bai2", "2")
    assert (bank_file.sender, bank_file.receiver, bank_file.message_id) == (
        "CITIDIRECT",
        "8888888",
        "00131100",
    )
    assert statement.account.other_id == "77777777"
    assert statement.account.currency == "GBP"
    assert _balances(statement) == {"OPBD": Decimal("100.00"), "CLBD": Decimal("100.00")}
    assert {b.on for b in statement.balances} == {dt.date(2015, 7, 15)}
    assert (entry.bank_transaction_code, entry.amount, entry.credit_debit) == (
        "191",
        Decimal("0.01"),
        CreditDebit.CREDIT,
    )
    assert entry.value_on == dt.date(2015, 7, 15)  # funds type V carries the value date
    assert (entry.bank_ref, entry.customer_ref) == ("1234567890", "RP12312312312312")
    assert entry.description.startswith("FR:FP SIP INCOMING ENDT:20150715")
    assert entry.description.endswith("BO:11111111 BO1:DOE JO")
    assert "A1234BC 22/03/66" in entry.description  # a "/" inside text does not end the record
    assert bank_file.warnings == ()  # account 20001 / 10 records, file 20001 / 1 group / 14


def test_citi_document_id_is_file_id_sender_creation_account_as_of() -> None:
    """MOJ tests/data/citi_example.bai2: 01 file id 00131100, created 150716 0713."""
    (statement,) = _parse("moj_citi_example.bai2").statements

    assert statement.document_id == "00131100/CITIDIRECT/1507160713/77777777/150715"


def test_nwb_example_summaries_and_details() -> None:
    """MOJ tests/data/nwb_example.bai2: 010=36521, 015=33845, 4 x 699 debits, 1 x 399 credit."""
    bank_file = _parse("moj_nwb_example.bai2")

    (statement,) = bank_file.statements

    assert statement.account.other_id == "88888888 600004"
    assert statement.account.currency == "GBP"
    assert _balances(statement)["OPBD"] == Decimal("365.21")
    assert _balances(statement)["CLBD"] == Decimal("338.45")
    assert _balances(statement)["BAI:072"] == Decimal("0.00")
    assert [e.amount for e in statement.entries if e.bank_transaction_code == "699"] == [
        Decimal("9.71"),
        Decimal("1.00"),
        Decimal("1.23"),
        Decimal("15.71"),
    ]
    assert _sums(statement) == (Decimal("0.89"), Decimal("27.65"))
    assert (statement.declared_entry_count, statement.declared_entry_sum) == (5, Decimal("28.54"))
    assert statement.reconciles is True
    assert "14:59:35" in statement.document_id  # the non-standard 01 time is kept, not refused
    assert bank_file.warnings == ()


def test_moov_sample1_two_account_records_with_signed_zero_padded_amounts() -> None:
    """MOOV-BAI2 test/testdata/sample1.txt: CAD, 2 account records for 10200123456."""
    bank_file = _parse("moov_sample1.bai2")

    first, second = bank_file.statements

    assert [s.account.other_id for s in bank_file.statements] == ["10200123456"] * 2
    assert {e.currency for s in bank_file.statements for e in s.entries} == {"CAD"}
    assert (len(first.entries), _sums(first)) == (11, (Decimal("2085.00"), Decimal("2085.00")))
    assert (len(second.entries), _sums(second)) == (6, (Decimal("1115.00"), Decimal("1115.00")))
    assert {e.value_on for e in first.entries} == {dt.date(2006, 3, 16)}
    assert _balances(first) == {"OPAV": Decimal("0.00"), "CLAV": Decimal("0.00")}
    assert first.document_id != second.document_id
    assert second.document_id.endswith("#2")
    assert bank_file.warnings == ()  # trailers 834000 / 446000 / 1280000, 27 records


def test_moov_sample2_spec_example_continuation_splits_type_code_from_amount() -> None:
    """MOOV-BAI2 test/testdata/sample2.txt: the BAI2 spec example, `...,190/` + `88,500000,...`."""
    bank_file = _parse("moov_sample2_bai-spec-example.bai2")

    accounts = {s.account.other_id: s for s in bank_file.statements}
    split = accounts["9876543210"]

    assert len(bank_file.statements) == 5
    assert {s.account.currency for s in bank_file.statements} == {"USD"}
    # 040 follows the split 190 summary: misreading the 88 would shift every later field
    assert _balances(split) == {
        "OPBD": Decimal("-5000.00"),
        "BAI:072": Decimal("5000.00"),
        "BAI:074": Decimal("5000.00"),
        "OPAV": Decimal("-15000.00"),
    }
    assert split.declared_entry_sum == Decimal("30000.00")
    assert [e.description for e in split.entries] == ["LOCK BOX NO.68751"]
    assert bank_file.warnings == ()  # file control 345450000 / 4 groups / 31 records


def test_moov_sample2_funds_types_s_v_d_consume_their_fields() -> None:
    """MOOV-BAI2 sample2.txt: funds S (3 amounts), V (date, time), D (count and pairs)."""
    accounts = {s.account.other_id: s for s in _parse("moov_sample2_bai-spec-example.bai2").statements}

    lockbox = accounts["0123456789"].entries[0]
    letter_of_credit, immediate = accounts["4589761203"].entries

    assert (lockbox.bank_transaction_code, lockbox.amount) == ("115", Decimal("4500.00"))
    assert lockbox.description == ""
    assert letter_of_credit.value_on == dt.date(2004, 6, 22)
    assert (letter_of_credit.bank_ref, letter_of_credit.customer_ref) == ("SP4738", "YRC065321")
    assert letter_of_credit.description == "PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO"
    assert (immediate.bank_transaction_code, immediate.amount) == ("195", Decimal("100000.00"))
    assert _balances(accounts["0975312468"]) == {"OPBD": Decimal("5000.00")}  # D pairs skipped


def test_blank_account_control_total_parses() -> None:
    """MOJ tests/data/account_trailer_amount_blank_example.bai2: `49,,2/` must parse."""
    bank_file = _parse("malformed/moj_account_trailer_amount_blank_example.bai2")

    assert [s.account.other_id for s in bank_file.statements] == ["12345", "54321"]
    assert all(s.entries == () and s.balances == () for s in bank_file.statements)
    assert bank_file.statements[0].account.currency == "USD"  # neither group nor account says
    assert bank_file.warnings == ()


def test_parse_error_sample_is_refused_naming_line_one() -> None:
    """MOOV-BAI2 test/testdata/errors/sample-parseError.txt: record code 00."""
    with pytest.raises(FormatError) as caught:
        _parse("malformed/moov_sample-parseError.bai2")

    assert caught.value.line == 1
    assert "'00'" in str(caught.value)


def test_several_records_per_line_and_a_record_split_across_lines() -> None:
    """MOOV-BAI2 test/testdata/sample3.txt: `.../   02,...`, `49,-1600,11/  03,...`, 74 records."""
    bank_file = _parse("malformed/moov_sample3_multiple-records-per-line.bai2")

    first = bank_file.statements[0]
    split = bank_file.statements[7].entries[0]

    assert len(bank_file.statements) == 15
    assert sum(len(s.entries) for s in bank_file.statements) == 26
    assert _balances(first)["OPBD"] == Decimal("-35.00")
    assert _sums(first) == (Decimal("31.00"), Decimal("32.00"))
    assert (first.declared_entry_count, first.declared_entry_sum) == (6, Decimal("63.00"))
    assert [e.line for e in first.entries[:2]] == [3, 3]
    assert split.line == 18
    assert split.description.endswith("1111111111111111111111111 1111111111")
    assert all(s.reconciles for s in bank_file.statements)
    assert bank_file.warnings == ()  # 99,2508440,1,74/ checked against what was read


# --- synthetic files --------------------------------------------------------------------

_GOOD = """01,SENDER,RECEIVER,240105,1200,F1,,,2/
02,RECEIVER,SENDER,1,240104,2400,EUR,/
03,ACC1,JPY,010,1000,,,015,1500,,/
16,175,700,0,BREF,CREF,PAYMENT, WITH COMMAS/
16,475,200,Z,,,FEE/
49,3400,4/
98,3400,1,6/
99,3400,1,8/
"""


def test_account_currency_overrides_group_and_jpy_has_no_decimals() -> None:
    """Synthetic: group EUR, account JPY; JPY amounts are whole yen; text keeps its commas."""
    (statement,) = parse_bai2(_GOOD.encode()).statements

    credit, debit = statement.entries

    assert statement.account.currency == "JPY"
    assert _balances(statement) == {"OPBD": Decimal(1000), "CLBD": Decimal(1500)}
    assert (credit.amount, credit.currency, credit.credit_debit) == (
        Decimal(700),
        "JPY",
        CreditDebit.CREDIT,
    )
    assert credit.description == "PAYMENT, WITH COMMAS"
    assert (debit.amount, debit.credit_debit) == (Decimal(200), CreditDebit.DEBIT)
    assert statement.reconciles is True


def test_trailer_mismatch_is_a_warning_not_a_refusal() -> None:
    """Synthetic: an account trailer total off by one is reported, the file still imports."""
    bank_file = parse_bai2(_GOOD.replace("49,3400,4/", "49,3401,4/").encode())

    assert len(bank_file.statements) == 1
    assert any("line 6: account ACC1 control total is 3401" in w for w in bank_file.warnings)


@pytest.mark.parametrize(
    ("cut_after", "line", "message"),
    [
        ("49,3400,4/\n", 6, "the group at line 2 has no 98"),
        ("16,475,200,Z,,,FEE/\n", 5, "account ACC1 at line 3 has no 49"),
        ("98,3400,1,6/\n", 7, "there is no file trailer 99"),
    ],
)
def test_truncated_file_is_refused_naming_the_line(cut_after: str, line: int, message: str) -> None:
    """Synthetic: a file cut before its 49/98/99 trailers is refused whole."""
    truncated = _GOOD[: _GOOD.index(cut_after) + len(cut_after)]

    with pytest.raises(FormatError, match=message) as caught:
        parse_bai2(truncated.encode())

    assert caught.value.line == line


def test_missing_account_trailer_before_the_next_account_is_refused() -> None:
    """Synthetic: a second 03 while the first account has no 49."""
    data = _GOOD.replace("49,3400,4/\n", "03,ACC2,,010,1,,/\n49,1,1/\n")

    with pytest.raises(FormatError, match="account ACC1 at line 3 has no account trailer 49") as c:
        parse_bai2(data.encode())

    assert c.value.line == 6


def test_custom_type_code_detail_is_left_out_with_a_warning() -> None:
    """Synthetic: a 16 with type 890 has a bank-defined direction; it is not guessed."""
    data = _GOOD.replace("16,475,200,Z,,,FEE/", "16,890,200,Z,,,MEMO/")

    bank_file = parse_bai2(data.encode())

    assert [e.bank_transaction_code for e in bank_file.statements[0].entries] == ["175"]
    assert any("'890'" in w for w in bank_file.warnings)


def test_unknown_funds_type_is_refused_naming_the_line() -> None:
    """Synthetic: funds type X is not in the spec; the fields after it cannot be trusted."""
    with pytest.raises(FormatError, match="unknown funds type 'X'") as caught:
        parse_bai2(_GOOD.replace("16,475,200,Z", "16,475,200,X").encode())

    assert caught.value.line == 5


@pytest.mark.parametrize(
    ("good", "bad", "line", "message"),
    [
        ("16,175,700,", "16,175,٧٠٠,", 4, "invalid amount '٧٠٠' in record 16"),  # Arabic-Indic digits
        ("010,1000,", "010,१०००,", 3, "invalid amount '१०००' in record 03"),  # Devanagari digits
        ("16,175,700,", "16,175," + "7" * 5000 + ",", 4, "invalid amount '7777"),
        ("49,3400,4/", "49,3400,²/", 6, "invalid count '²' in record 49"),  # str.isdigit() says yes
        ("98,3400,1,6/", "98,3400,١,6/", 7, "invalid count '١' in record 98"),
    ],
)
def test_numbers_not_in_ascii_digits_or_too_long_are_refused_naming_line_and_record(
    good: str, bad: str, line: int, message: str
) -> None:
    """Synthetic: Python's int() reads Arabic-Indic digits and refuses superscripts and strings
    of thousands of digits; the reader refuses all of them itself."""
    data = _GOOD.replace(good, bad, 1).encode()

    with pytest.raises(FormatError, match=re.escape(message)) as caught:
        parse_bai2(data, filename="f.bai2")

    assert (caught.value.filename, caught.value.line) == ("f.bai2", line)


def test_a_detail_type_code_not_in_ascii_digits_is_left_out_with_a_warning() -> None:
    """Synthetic: type code 1²5 is no code of the spec; like a bank-defined one, not guessed."""
    bank_file = parse_bai2(_GOOD.replace("16,175,", "16,1²5,").encode())

    assert [e.bank_transaction_code for e in bank_file.statements[0].entries] == ["475"]
    assert any("'1²5'" in w for w in bank_file.warnings)


def test_a_nul_byte_is_refused_naming_its_line_column_and_record() -> None:
    with pytest.raises(FormatError, match=r"^f\.bai2, line 5: a NUL byte in record 16 at column 12") as caught:
        parse_bai2(_GOOD.replace("16,475,200,Z", "16,475,200,\x00Z").encode(), filename="f.bai2")

    assert caught.value.line == 5
