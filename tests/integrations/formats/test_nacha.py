"""NACHA ACH reader and writer, against the moov-io/ach fixtures (see fixtures/MANIFEST.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.formats.errors import FormatError, ValidationError
from integrations.formats.nacha import (
    AchBatchOrder,
    AchEntryOrder,
    AchFile,
    build_nacha,
    is_valid_routing_number,
    notifications_of_change,
    parse_nacha,
    returns,
)
from tests.conftest import FIXTURES as SHARED_FIXTURES
from tests.integrations.formats.nacha_samples import noc_file

FIXTURES = SHARED_FIXTURES / "nacha"


def _parse(name: str, *, allow_invalid_check_digit: bool = False) -> AchFile:
    path = FIXTURES / name
    return parse_nacha(path.read_bytes(), path.name, allow_invalid_check_digit=allow_invalid_check_digit)


def test_ppd_debit_with_trimmed_lines() -> None:
    """MOOV-ACH test/testdata/ppd-debit.ach: 1 PPD debit of 1,000,000.00; lines 1 and 5 trimmed."""
    ach_file = _parse("moov_ppd-debit.ach")

    (batch,) = ach_file.batches
    (entry,) = batch.entries

    assert (batch.service_class, batch.sec_code) == (225, "PPD")
    assert entry.transaction_code == 27
    assert entry.amount == Decimal("1000000.00")
    assert (entry.rdfi_routing, entry.account_number) == ("231380104", "12345678")
    assert entry.name == "Receiver Account Name"
    assert entry.trace_number == "121042880000001"
    assert (ach_file.batch_count, ach_file.entry_addenda_count) == (1, 1)
    assert ach_file.entry_hash == 23138010  # 0023138010
    assert (ach_file.total_debit, ach_file.total_credit) == (Decimal("1000000.00"), Decimal(0))
    assert ach_file.immediate_destination == "231380104"
    assert ach_file.destination_name == "Federal Reserve Bank"
    assert ach_file.origin_name == "My Bank Name"  # from a 75-character line
    assert ach_file.warnings == ()


def test_ppd_mixed_debit_credit_batch() -> None:
    """MOOV-ACH ppd-mixedDebitCredit.ach: svc 200, tc 27 2,000,000.00 and 2 x tc 22 1,000,000.00."""
    ach_file = _parse("moov_ppd-mixedDebitCredit.ach")

    (batch,) = ach_file.batches

    assert batch.service_class == 200
    assert [(e.transaction_code, e.amount) for e in batch.entries] == [
        (27, Decimal("2000000.00")),
        (22, Decimal("1000000.00")),
        (22, Decimal("1000000.00")),
    ]
    assert [e.is_credit for e in batch.entries] == [False, True, True]
    assert ach_file.entry_hash == 69414030
    assert (batch.total_debit, batch.total_credit) == (Decimal("2000000.00"), Decimal("2000000.00"))


def test_20110805a_iat_batches_and_the_file_control_batch_count_warning() -> None:
    """MOOV-ACH 20110805A.ach: 4 batches (2 PPD, 2 IAT); the file control says 5 batches."""
    ach_file = _parse("moov_20110805A.ach")

    ppd_debit, ppd_credit, iat_debit, iat_credit = ach_file.batches

    assert (ach_file.destination_name, ach_file.origin_name) == ("US BANK NA", "EXAMPLE COMPANY")
    assert [b.sec_code for b in ach_file.batches] == ["PPD", "PPD", "IAT", "IAT"]
    assert (len(ppd_debit.entries), ppd_debit.total_debit) == (25, Decimal("46100.00"))
    assert ppd_debit.entry_description == "BUY WIDGET"
    assert (len(ppd_credit.entries), ppd_credit.total_credit) == (18, Decimal("1.76"))
    assert ppd_credit.entry_description == "VERIFY"
    assert (len(iat_debit.entries), iat_debit.entry_addenda_count) == (3, 24)
    assert iat_debit.total_debit == Decimal("4910.00")
    assert (len(iat_credit.entries), iat_credit.entry_addenda_count) == (2, 16)
    assert iat_credit.total_credit == Decimal("0.24")
    assert (iat_debit.originating_currency, iat_debit.destination_currency) == ("USD", "CAD")
    assert iat_debit.entries[0].name == "HAYDEN BANKS"  # from IAT addenda 10
    assert iat_debit.entries[0].account_number == "998412345"
    assert (ach_file.batch_count, len(ach_file.batches)) == (5, 4)
    assert (ach_file.total_debit, ach_file.total_credit) == (Decimal("51010.00"), Decimal("2.00"))
    assert ach_file.entry_addenda_count == 83
    assert ach_file.warnings == ("line 93: file control declares 5 batches, the file has 4",)


def test_return_web_file_yields_r01_and_r03() -> None:
    """MOOV-ACH return-WEB.ach: tc 26 12354 cents R01, tc 21 4565 cents R03."""
    ach_file = _parse("moov_return-WEB.ach")

    first, second = returns(ach_file)

    assert (first.reason_code, first.amount, first.transaction_code) == (
        "R01",
        Decimal("123.54"),
        26,
    )
    assert first.original_trace == "091400600000001"
    assert first.trace_number == "091000017611242"
    assert first.name == "Paul Jones"
    assert (second.reason_code, second.amount, second.transaction_code) == (
        "R03",
        Decimal("45.65"),
        21,
    )
    assert second.original_trace == "091400600000003"
    assert (ach_file.total_debit, ach_file.total_credit) == (Decimal("123.54"), Decimal("45.65"))
    assert [b.sec_code for b in ach_file.batches] == ["WEB", "WEB"]
    assert notifications_of_change(ach_file) == []
    assert all(e.is_return_or_noc for e in ach_file.entries)


def test_web_debit_three_batches_and_filler_block() -> None:
    """MOOV-ACH web-debit.ach: WEB credits 93.20 (4), WEB credit 175.00, PPD debit 150.00."""
    ach_file = _parse("moov_web-debit.ach")

    credits, single, debit = ach_file.batches

    assert (credits.sec_code, len(credits.entries), credits.total_credit) == (
        "WEB",
        4,
        Decimal("93.20"),
    )
    assert (single.sec_code, single.total_credit) == ("WEB", Decimal("175.00"))
    assert (debit.sec_code, debit.total_debit) == ("PPD", Decimal("150.00"))
    assert ach_file.block_count == 2  # 20 lines including the 9-filler
    assert (ach_file.total_debit, ach_file.total_credit) == (Decimal("150.00"), Decimal("268.20"))
    assert ach_file.warnings == ()


def test_bad_rdfi_check_digit_is_refused_naming_the_line() -> None:
    """MOOV-ACH ppd-debit-invalid-entryDetail-checkDigit.ach: RDFI 231380105 (valid is ...104)."""
    with pytest.raises(FormatError) as caught:
        _parse("malformed/moov_ppd-debit-invalid-entryDetail-checkDigit.ach")

    assert caught.value.line == 3
    assert "231380105" in str(caught.value)


def test_bad_rdfi_check_digit_is_read_when_allowed() -> None:
    """MOOV-ACH ppd-debit-invalid-entryDetail-checkDigit.ach, AllowInvalidCheckDigit: 1 entry."""
    ach_file = _parse(
        "malformed/moov_ppd-debit-invalid-entryDetail-checkDigit.ach",
        allow_invalid_check_digit=True,
    )

    assert [e.rdfi_routing for e in ach_file.entries] == ["231380105"]
    assert any("231380105" in w for w in ach_file.warnings)


def test_mixed_debit_credit_invalid_origin_reads_with_a_warning() -> None:
    """MOOV-ACH ppd-mixedDebitCredit-invalid.ach: origin 000TESTER; 1 batch with 2 entries."""
    ach_file = _parse("malformed/moov_ppd-mixedDebitCredit-invalid.ach")

    (batch,) = ach_file.batches

    assert len(batch.entries) == 2
    assert (batch.total_debit, batch.total_credit) == (Decimal("1000.00"), Decimal("1000.00"))
    assert ach_file.immediate_origin == "000TESTER"
    assert ach_file.warnings == ("line 1: immediate origin ' 000TESTER' is not a valid routing number",)


def test_short_line_is_padded_and_read() -> None:
    """MOOV-ACH short-line.ach: one 74-character record; TestReader__ShortLines reads 1 batch."""
    ach_file = _parse("malformed/moov_short-line.ach")

    assert len(ach_file.batches) == 1
    assert ach_file.total_debit == Decimal("1000000.00")


def test_missing_file_control_is_refused() -> None:
    """MOOV-ACH adv-noFileControl.ach: an ADV file with no file control (9) record."""
    with pytest.raises(FormatError, match=r"missing file control record \(9\)") as caught:
        _parse("malformed/moov_adv-noFileControl.ach")

    assert caught.value.line == 5


def test_batch_control_hash_mismatch_is_refused_naming_the_line() -> None:
    """MOOV-ACH ppd-debit.ach with its batch entry hash changed from 0023138010 to ...011."""
    data = (FIXTURES / "moov_ppd-debit.ach").read_bytes()
    broken = data.replace(b"82250000010023138010", b"82250000010023138011", 1)

    with pytest.raises(FormatError, match="entry hash is 23138011") as caught:
        parse_nacha(broken)

    assert caught.value.line == 4


def test_file_control_total_mismatch_is_refused() -> None:
    """MOOV-ACH ppd-mixedDebitCredit.ach with the file control's credit total off by a cent."""
    lines = (FIXTURES / "moov_ppd-mixedDebitCredit.ach").read_text().split("\n")
    control = lines[6]
    lines[6] = control[:54] + "1" + control[55:]  # credit total 200000000 -> 200000001 cents
    broken = "\n".join(lines).encode()

    with pytest.raises(FormatError, match="total credit") as caught:
        parse_nacha(broken)

    assert caught.value.line == 7


def test_file_without_line_breaks_is_split_into_records() -> None:
    """MOOV-ACH return-WEB.ach with its line breaks removed (some systems send it so)."""
    data = (FIXTURES / "moov_return-WEB.ach").read_bytes().replace(b"\n", b"")

    assert [r.reason_code for r in returns(parse_nacha(data))] == ["R01", "R03"]


# --- notifications of change ----------------------------------------------------------------


def test_notification_of_change_c01_with_corrected_account() -> None:
    """Synthetic COR batch: a zero-dollar tc 21 entry with addenda 98, change code C01."""
    ach_file = parse_nacha(noc_file())

    (notice,) = notifications_of_change(ach_file)

    assert notice.change_code == "C01"
    assert notice.corrected_data == "987654321"
    assert notice.original_trace == "121042880000007"
    assert (notice.transaction_code, notice.account_number) == (21, "12345678")
    assert returns(ach_file) == []


# --- writer ---------------------------------------------------------------------------------

_ROUTINGS = ("231380104", "121042882", "021200025", "091050234", "101000019")


def _order(*entries: AchEntryOrder, sec_code: str = "PPD") -> AchBatchOrder:
    return AchBatchOrder(
        sec_code=sec_code,
        company_name="ACME PAYROLL",
        company_id="1234567890",
        entry_description="PAYROLL",
        effective_on=dt.date(2026, 11, 3),
        odfi_routing="121042882",
        entries=entries,
    )


def _build(*batches: AchBatchOrder) -> bytes:
    return build_nacha(
        immediate_destination="231380104",
        immediate_origin="121042882",
        destination_name="Federal Reserve Bank",
        origin_name="ACME Inc",
        created_at=dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC),
        batches=batches,
    )


def test_build_then_parse_round_trips_entries_and_totals() -> None:
    """Writer: a PPD credit/debit batch and a CCD batch read back with the same entries."""
    payroll = _order(
        AchEntryOrder(22, "231380104", "12345678", Decimal("1500.00"), "Jane Doe", "E1"),
        AchEntryOrder(37, "021200025", "998412345", Decimal("0.01"), "John Roe", "E2"),
    )
    supplier = _order(
        AchEntryOrder(
            22,
            "091050234",
            "555",
            Decimal("12345.67"),
            "Widgets Corporation International",
            payment_related_information="INV 2026-001",
        ),
        sec_code="CCD",
    )

    data = _build(payroll, supplier)
    ach_file = parse_nacha(data)
    lines = data.decode().splitlines()

    assert [b.service_class for b in ach_file.batches] == [200, 220]
    assert [(e.transaction_code, e.rdfi_routing, e.amount) for e in ach_file.entries] == [
        (22, "231380104", Decimal("1500.00")),
        (37, "021200025", Decimal("0.01")),
        (22, "091050234", Decimal("12345.67")),
    ]
    assert ach_file.entries[2].name == "Widgets Corporation In"  # cut to 22 characters
    assert ach_file.entries[2].addenda[0].payment_related_information == "INV 2026-001"
    assert [e.trace_number for e in ach_file.entries] == [
        "121042880000001",
        "121042880000002",
        "121042880000003",
    ]
    assert ach_file.entry_hash == 23138010 + 2120002 + 9105023
    assert (ach_file.total_debit, ach_file.total_credit) == (Decimal("0.01"), Decimal("13845.67"))
    assert (ach_file.batch_count, ach_file.entry_addenda_count) == (2, 4)
    assert len(lines) == 10  # exactly one block: no filler needed
    assert lines[-1].startswith("9000002000001")
    assert all(len(line) == 94 for line in lines)
    assert ach_file.block_count == 1
    assert ach_file.warnings == ()


def test_entry_hash_keeps_the_last_ten_digits() -> None:
    """Writer: 120 entries to an RDFI 99999999x overflow 10 digits; the hash keeps the last 10."""
    routing = next(f"99999999{d}" for d in "0123456789" if is_valid_routing_number(f"99999999{d}"))
    entries = [AchEntryOrder(22, routing, str(i), Decimal("1.00"), f"R{i}") for i in range(120)]

    data = _build(_order(*entries))
    ach_file = parse_nacha(data)

    assert ach_file.entry_hash == (120 * 99999999) % 10**10
    assert ach_file.entry_hash == 1999999880
    assert ach_file.block_count == 13  # 1 + 1 + 120 + 1 + 1 = 124 records, filled to 130
    assert data.decode().splitlines()[124:] == ["9" * 94] * 6


def test_build_refuses_a_routing_number_with_a_bad_check_digit() -> None:
    """Writer: 231380105 fails the ABA check (valid is 231380104); the error names it."""
    bad = _order(AchEntryOrder(22, "231380105", "1", Decimal("1.00"), "X"))

    with pytest.raises(ValidationError, match=r"231380105.*expected check digit 4") as caught:
        _build(bad)

    assert caught.value.element == "batches[0].entries[0].routing_number"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("1.001"), "more than 2 decimals"),
        (Decimal("0.00"), "must be positive"),
        (Decimal("-5.00"), "must be positive"),
        (Decimal("100000000.00"), "10-digit"),
        (Decimal("NaN"), "more than 2 decimals"),
    ],
)
def test_build_refuses_amounts_the_file_cannot_hold(amount: Decimal, message: str) -> None:
    """Writer: amounts are whole cents, positive, at most 10 digits."""
    with pytest.raises(ValidationError, match=message):
        _build(_order(AchEntryOrder(22, "231380104", "1", amount, "X")))


def test_build_refuses_a_service_class_that_contradicts_the_entries() -> None:
    """Writer: a credits-only (220) batch holding a debit (27) is refused."""
    order = AchBatchOrder(
        sec_code="PPD",
        company_name="ACME",
        company_id="1234567890",
        entry_description="PAYROLL",
        effective_on=dt.date(2026, 11, 3),
        odfi_routing="121042882",
        entries=(AchEntryOrder(27, "231380104", "1", Decimal("1.00"), "X"),),
        service_class=220,
    )

    with pytest.raises(ValidationError, match="service class 220"):
        _build(order)


_ENTRY = st.builds(
    AchEntryOrder,
    transaction_code=st.sampled_from([22, 27, 32, 37]),
    routing_number=st.sampled_from(_ROUTINGS),
    account_number=st.text("0123456789", min_size=1, max_size=17),
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2),
    name=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ ", min_size=1, max_size=30).filter(str.strip),
)


@settings(database=None, max_examples=60)
@given(st.lists(st.lists(_ENTRY, min_size=1, max_size=12), min_size=1, max_size=4))
def test_random_batches_round_trip_with_consistent_totals(
    batches: list[list[AchEntryOrder]],
) -> None:
    """Property: build -> parse gives the same entries, and every control total adds up."""
    orders = [_order(*entries) for entries in batches]

    ach_file = parse_nacha(_build(*orders))

    flat = [entry for entries in batches for entry in entries]
    assert [(e.transaction_code, e.rdfi_routing, e.amount) for e in ach_file.entries] == [
        (o.transaction_code, o.routing_number, o.amount) for o in flat
    ]
    assert [e.account_number for e in ach_file.entries] == [o.account_number for o in flat]
    assert ach_file.total_credit == sum((o.amount for o in flat if o.transaction_code in (22, 32)), Decimal(0))
    assert ach_file.total_debit == sum((o.amount for o in flat if o.transaction_code in (27, 37)), Decimal(0))
    assert ach_file.entry_hash == sum(int(o.routing_number[:8]) for o in flat) % 10**10
    assert ach_file.batch_count == len(batches)
    assert ach_file.warnings == ()


# --- what no reader may crash on -------------------------------------------------------------


@pytest.mark.parametrize(
    ("good", "bad", "line", "message"),
    [
        # a Latin-1 superscript two, which str.isdigit() takes for a digit and int() refuses
        (b"0100000000", b"01000\xb20000", 3, "amount '01000²0000' is not a number"),
        (b"627231380104", b"62723138\xb2104", 3, "RDFI routing number '23138²104' is not numeric"),
        (b"9000001", b"900000\xb2", 5, "batch count '00000²' is not a number"),
    ],
)
def test_digits_other_than_ascii_are_refused_naming_the_line(good: bytes, bad: bytes, line: int, message: str) -> None:
    """MOOV-ACH ppd-debit.ach with one digit turned into a superscript."""
    data = (FIXTURES / "moov_ppd-debit.ach").read_bytes().replace(good, bad, 1)

    with pytest.raises(FormatError, match=message) as caught:
        parse_nacha(data, "ppd.ach")

    assert (caught.value.filename, caught.value.line) == ("ppd.ach", line)


def test_an_addenda_type_in_other_digits_is_no_return() -> None:
    """MOOV-ACH return-WEB.ach whose first return addenda type 99 became 9²: not a return."""
    data = (FIXTURES / "moov_return-WEB.ach").read_bytes().replace(b"799R01", b"79\xb2R01", 1)

    assert [r.reason_code for r in returns(parse_nacha(data))] == ["R03"]


@pytest.mark.parametrize("flat", [False, True])
def test_a_nul_byte_is_refused_naming_its_record(flat: bool) -> None:
    """MOOV-ACH return-WEB.ach with a NUL in the first entry's name, with and without line breaks."""
    data = (FIXTURES / "moov_return-WEB.ach").read_bytes()
    entry = data.splitlines()[2]
    data = data.replace(entry, entry[:60] + b"\x00" + entry[61:], 1)
    if flat:
        data = data.replace(b"\n", b"")

    with pytest.raises(FormatError, match="a NUL byte in a record of type '6' at column 61") as caught:
        parse_nacha(data, "returns.ach")

    assert caught.value.line == 3
