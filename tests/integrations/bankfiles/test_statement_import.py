"""Importing statement files through `manage.py import_bank_file`: every statement-type fixture of
/work/shared/fixtures, checked against the facts its MANIFEST row gives (entries, credit and
debit sums by currency, balances, whether it reconciles), and imported twice to show that the
second time changes nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from finops.treasury.models import BankStatement, StatementLine
from integrations.bankfiles.models import InboundFile
from reconciliation.exceptions.models import ExceptionItem
from tests.integrations.bankfiles.helpers import own_account, row_counts, run_cli

D = Decimal


@dataclass(frozen=True)
class Case:
    path: str
    source: str  # as MANIFEST.md names it
    accounts: tuple[dict[str, str], ...]
    statements: int
    entries: int
    credits: dict[str, str]
    debits: dict[str, str]
    mismatches: int = 0  # statements that do not reconcile (balance_mismatch exceptions)
    extra: dict[str, Any] = field(default_factory=dict)


EUR_NL26 = ({"iban": "NL26VAYB8060476890", "currency": "EUR"},)
SEK_CH28 = ({"iban": "CH2801234000123456789", "currency": "SEK"},)

CASES = [
    Case(
        "camt053/genkgo_camt053.v2.multi.statement.xml",
        "GENKGO test/data/camt053.v2.multi.statement.xml",
        EUR_NL26,
        statements=2,
        entries=2,
        credits={"EUR": "8.85"},
        debits={"EUR": "7.00"},
    ),
    Case(
        "camt053/genkgo_camt053.v8.xml",
        "GENKGO test/data/camt053.v8.xml (balances in four currencies)",
        EUR_NL26,
        statements=1,
        entries=1,
        credits={"EUR": "8.85"},
        debits={},
        mismatches=1,
    ),
    Case(
        "camt053/genkgo_camt053.v2.five.decimals.xml",
        "GENKGO test/data/camt053.v2.five.decimals.xml (3-decimal amounts, off by 0.050)",
        EUR_NL26,
        statements=1,
        entries=1,
        credits={"EUR": "8.850"},
        debits={},
        mismatches=1,
    ),
    Case(
        "camt053/svapnil_abn-amro_example_camt.xml",
        "SVAPNIL test/assets/abn_amro/example_camt.xml",
        ({"iban": "NL77ABNA0574908765", "currency": "EUR"},),
        statements=1,
        entries=13,
        credits={"EUR": "28.00"},
        debits={"EUR": "928.00"},
    ),
    Case(
        "camt053/svapnil_ing_example_camt.xml",
        "SVAPNIL test/assets/ing/example_camt.xml",
        ({"iban": "NL08INGB0000001234", "currency": "EUR"},),
        statements=1,
        entries=9,
        credits={"EUR": "990.00"},
        debits={"EUR": "385.00"},
    ),
    Case(
        "camt053/svapnil_goldman-sachs_camt_053_us_v2_sample.xml",
        "SVAPNIL test/assets/goldman_sachs/camt_053_us_v2_sample.xml",
        ({"number": "DD01100056869", "currency": "USD"},),
        statements=1,
        entries=15,
        credits={"USD": "100.00"},
        debits={"EUR": "29.06", "USD": "40.00"},
        mismatches=1,
    ),
    Case(
        "camt052/genkgo_camt052.v2.xml",
        "GENKGO test/data/camt052.v2.xml",
        SEK_CH28,
        statements=1,
        entries=1,
        credits={},
        debits={"SEK": "200000"},
    ),
    Case(
        "camt052/genkgo_camt052.v8.xml",
        "GENKGO test/data/camt052.v8.xml",
        SEK_CH28,
        statements=1,
        entries=1,
        credits={},
        debits={"SEK": "200000"},
    ),
    *[
        Case(
            f"camt054/genkgo_camt054.{version}.xml",
            f"GENKGO test/data/camt054.{version}.xml",
            SEK_CH28,
            statements=1,
            entries=1,
            credits={},
            debits={"SEK": "200000"},
        )
        for version in ("v2", "v4", "v8", "v8-with-UETR")
    ],
    Case(
        "generated-mockbank/03_camt.054.001.08_debits.xml",
        "generated-mockbank (SYNTHETIC, mock-bank 0.9.0) 03_camt.054.001.08_debits.xml",
        ({"iban": "NL41MOCK0000000001", "currency": "EUR"},),
        statements=1,
        entries=2,
        credits={},
        debits={"EUR": "124.44"},
    ),
    Case(
        "generated-mockbank/04_camt.053.001.08_day.xml",
        "generated-mockbank (SYNTHETIC, mock-bank 0.9.0) 04_camt.053.001.08_day.xml",
        ({"iban": "NL41MOCK0000000001", "currency": "EUR"},),
        statements=1,
        entries=2,
        credits={},
        debits={"EUR": "124.44"},
    ),
    Case(
        "mt940/wolph_jejik_abnamro.sta",
        "WOLPH mt940_tests/jejik/abnamro.sta (neither statement reconciles)",
        ({"number": "517852257", "currency": "EUR"},),
        statements=2,
        entries=10,
        credits={},
        debits={"EUR": "345.93"},
        mismatches=2,
    ),
    Case(
        "mt940/wolph_jejik_ing.sta",
        "WOLPH jejik/ing.sta (does not reconcile)",
        ({"number": "0001234567", "currency": "EUR"},),
        statements=1,
        entries=7,
        credits={"EUR": "4.68"},
        debits={"EUR": "50.27"},
        mismatches=1,
    ),
    Case(
        "mt940/wolph_jejik_rabobank-iban.sta",
        "WOLPH jejik/rabobank-iban.sta",
        ({"iban": "NL71RABO0123456789", "currency": "EUR"},),
        statements=2,
        entries=4,
        credits={},
        debits={"EUR": "70.00"},
    ),
    Case(
        "mt940/wolph_jejik_triodos.sta",
        "WOLPH jejik/triodos.sta (does not reconcile)",
        ({"number": "0390123456", "currency": "EUR"},),  # the :25: is TRIODOSBANK/0390123456
        statements=1,
        entries=2,
        credits={},
        debits={"EUR": "715.70"},
        mismatches=1,
    ),
    Case(
        "mt940/wolph_cmxl_mt940.sta",
        "WOLPH cmxl/mt940.sta (three accounts, three currencies)",
        (
            {"number": "45050050/76198810", "currency": "DEM"},
            {"number": "1234567", "currency": "EUR"},
            {"number": "320000546101", "currency": "PLN"},
        ),
        statements=3,
        entries=16,
        credits={"DEM": "49396.74", "EUR": "3000", "PLN": "20040.00"},
        debits={"DEM": "49309.44", "EUR": "800", "PLN": "10000.00"},
    ),
    Case(
        "bai2/moj_citi_example.bai2",
        "MOJ tests/data/citi_example.bai2 (010 = 015 = 100.00 around a 0.01 credit)",
        ({"number": "77777777", "currency": "GBP"},),
        statements=1,
        entries=1,
        credits={"GBP": "0.01"},
        debits={},
        mismatches=1,
    ),
    Case(
        "bai2/moj_nwb_example.bai2",
        "MOJ tests/data/nwb_example.bai2",
        ({"number": "88888888 600004", "currency": "GBP"},),
        statements=1,
        entries=5,
        credits={"GBP": "0.89"},
        debits={"GBP": "27.65"},
    ),
    Case(
        "bai2/moov_sample1.bai2",
        "MOOV-BAI2 test/testdata/sample1.txt (two 03 records for one account)",
        ({"number": "10200123456", "currency": "CAD"},),
        statements=2,
        entries=17,
        credits={"CAD": "3200.00"},
        debits={"CAD": "3200.00"},
    ),
    Case(
        "bai2/moov_sample2_bai-spec-example.bai2",
        "MOOV-BAI2 test/testdata/sample2.txt (the BAI2 spec's own example)",
        tuple(
            {"number": n, "currency": "USD", "routing": "122099999"}
            for n in ("0123456789", "9876543210", "4589761203", "0975312468", "7890654321")
        ),
        statements=5,
        entries=4,
        credits={"USD": "309500.00"},
        debits={},
    ),
    Case(
        "bai2/malformed/moj_account_trailer_amount_blank_example.bai2",
        "MOJ tests/data/account_trailer_amount_blank_example.bai2 (blank 49 total: must parse)",
        ({"number": "12345", "currency": "USD"}, {"number": "54321", "currency": "USD"}),
        statements=2,
        entries=0,
        credits={},
        debits={},
    ),
    Case(
        "bai2/malformed/moov_sample3_multiple-records-per-line.bai2",
        "MOOV-BAI2 test/testdata/sample3.txt (several records per line; moov accepts it)",
        (
            {"number": "1111111", "currency": "USD", "routing": "103100195"},
            {"number": "11111111", "currency": "USD", "routing": "103100195"},
        ),
        statements=15,
        entries=26,
        credits={"USD": "397.13"},
        debits={"USD": "594.18"},
    ),
]


def _accounts_for(case: Case, entity: Any) -> None:
    for spec in case.accounts:
        own_account(entity, **spec)


@pytest.mark.parametrize("case", CASES, ids=[Path(c.path).name for c in CASES])
def test_cli_imports_statement_fixture_with_manifest_facts_then_reports_duplicates(
    case: Case, entity_de: Any, fixtures_dir: Path
) -> None:
    """Each case cites its MANIFEST source. First import: the summary's counts and sums by entry
    currency are the MANIFEST's, and the rows are there; second import: duplicates, no new rows."""
    _accounts_for(case, entity_de)
    path = fixtures_dir / case.path

    first = run_cli(path)
    after_first = row_counts()

    assert first["status"] == "imported"
    assert first["statements"] == case.statements
    assert first["entries"] == case.entries
    assert first["credits"] == case.credits
    assert first["debits"] == case.debits
    assert first["duplicates"] == 0
    assert BankStatement.objects.count() == case.statements
    assert StatementLine.objects.count() == case.entries
    assert ExceptionItem.objects.filter(kind="balance_mismatch").count() == case.mismatches
    assert InboundFile.objects.get().status == "imported"

    second = run_cli(path)

    assert second["status"] == "duplicate"
    assert second["duplicates"] == case.statements
    assert (second["statements"], second["entries"]) == (0, 0)
    assert row_counts() == after_first


def test_ing_camt053_balances_totals_and_lines_are_stored(entity_de: Any, fixtures_dir: Path) -> None:
    """SVAPNIL ing/example_camt.xml: PRCD and OPBD 1000.00 → CLBD 1605.00, 9 entries C 990.00 /
    D 385.00 (5 and 4), one reversal; reconciles, so no exception."""
    account = own_account(entity_de, iban="NL08INGB0000001234")

    run_cli(fixtures_dir / "camt053/svapnil_ing_example_camt.xml")

    statement = BankStatement.objects.get()
    assert statement.external_id == "201401030009999"
    assert statement.bank_account == account
    assert statement.entity == entity_de
    assert (statement.opening_balance, statement.closing_balance) == (D("1000.00"), D("1605.00"))
    assert (statement.total_credits, statement.total_debits, statement.entry_count) == (D("990"), D("385"), 9)
    assert statement.reconciles is True
    assert statement.format == "camt.053"
    assert statement.currency == "EUR"
    assert str(statement.statement_on) == "2014-01-03"
    lines = list(statement.lines.order_by("line_no"))
    assert [line.line_no for line in lines] == list(range(1, 10))
    assert sum(1 for line in lines if line.credit_debit == "CRDT") == 5
    assert sum(line.is_reversal for line in lines) == 1
    assert lines[0].amount == D("350.00")  # the repo asserts a first credit of 35000 cents
    assert not ExceptionItem.objects.exists()


def test_abn_amro_opening_balance_comes_from_prcd(entity_de: Any, fixtures_dir: Path) -> None:
    """SVAPNIL abn_amro/example_camt.xml: no OPBD, the opening is PRCD 1000.01 → CLBD 100.01."""
    own_account(entity_de, iban="NL77ABNA0574908765")

    summary = run_cli(fixtures_dir / "camt053/svapnil_abn-amro_example_camt.xml")

    statement = BankStatement.objects.get()
    assert (statement.opening_balance, statement.closing_balance) == (D("1000.01"), D("100.01"))
    assert statement.reconciles is True
    assert any("XSD" in w for w in summary["warnings"])  # 7 × Ustrd > 140: a warning, not a refusal


def test_goldman_sachs_debit_balances_foreign_entry_and_mismatch(entity_de: Any, fixtures_dir: Path) -> None:
    """SVAPNIL goldman_sachs/camt_053_us_v2_sample.xml: Othr/Id DD01100056869, USD, debit balances
    −843686.20 → −846665.15; one entry is EUR 29.06 on the USD account; it does not reconcile."""
    own_account(entity_de, number="DD01100056869", currency="USD")

    summary = run_cli(fixtures_dir / "camt053/svapnil_goldman-sachs_camt_053_us_v2_sample.xml")

    statement = BankStatement.objects.get()
    assert (statement.opening_balance, statement.closing_balance) == (D("-843686.20"), D("-846665.15"))
    assert (statement.total_credits, statement.total_debits) == (D("100.00"), D("40.00"))  # USD only
    assert statement.lines.filter(currency="EUR").get().amount == D("29.06")
    assert any("not in the statement currency USD" in w for w in summary["warnings"])
    item = ExceptionItem.objects.get(kind="balance_mismatch")
    # −843686.20 + 100.00 − 40.00 − (−846665.15)
    assert (item.amount, item.currency) == (D("3038.95"), "USD")
    assert item.entity == entity_de
    assert item.dedupe_key == f"balance_mismatch:treasury.BankStatement:{statement.pk}"


def test_camt053_v8_closing_balance_in_another_currency_is_not_stored_and_opens_a_mismatch(
    entity_de: Any, fixtures_dir: Path
) -> None:
    """GENKGO camt053.v8.xml: OPBD 18.15 EUR but CLBD −27.00 SEK (deliberately four currencies)."""
    own_account(entity_de, iban="NL26VAYB8060476890")

    run_cli(fixtures_dir / "camt053/genkgo_camt053.v8.xml")

    statement = BankStatement.objects.get()
    assert statement.opening_balance == D("18.15")
    assert statement.closing_balance is None
    item = ExceptionItem.objects.get(kind="balance_mismatch")
    assert item.amount is None
    assert "SEK" in item.detail["reasons"]


def test_five_decimals_mismatch_is_off_by_the_three_decimal_difference(entity_de: Any, fixtures_dir: Path) -> None:
    """GENKGO camt053.v2.five.decimals.xml: 18.150 + 8.850 = 27.000, the closing says 27.050."""
    own_account(entity_de, iban="NL26VAYB8060476890")

    run_cli(fixtures_dir / "camt053/genkgo_camt053.v2.five.decimals.xml")

    item = ExceptionItem.objects.get(kind="balance_mismatch")
    assert item.amount == D("-0.050")
    assert BankStatement.objects.get().lines.get().amount == D("8.850")


@pytest.mark.parametrize(
    ("name", "number", "differences"),
    [
        ("wolph_jejik_abnamro.sta", "517852257", [D("2038.00"), D("1002.60")]),
        ("wolph_jejik_ing.sta", "0001234567", [D("-49.06")]),
        ("wolph_jejik_triodos.sta", "0390123456", [D("-111.40")]),
    ],
)
def test_mt940_statements_that_do_not_reconcile_open_one_exception_each(
    name: str, number: str, differences: list[Decimal], entity_de: Any, fixtures_dir: Path
) -> None:
    """WOLPH jejik/abnamro.sta (3236.28 − 321.44 ≠ 876.84; 2876.84 − 24.49 ≠ 1849.75), jejik/ing.sta
    (0.00 + 4.68 − 50.27 ≠ 3.47) and jejik/triodos.sta (4975.09 − 715.70 ≠ 4370.79): imported,
    and each opens a balance_mismatch exception for the difference."""
    own_account(entity_de, number=number)

    run_cli(fixtures_dir / "mt940" / name)
    run_cli(fixtures_dir / "mt940" / name)  # a second delivery opens nothing new

    items = ExceptionItem.objects.filter(kind="balance_mismatch").order_by("object_id")
    assert [item.amount for item in items] == differences
    assert all(item.state == "open" and item.entity == entity_de for item in items)


def test_betterplace_26_statements_reconcile_with_rc_as_debit(entity_de: Any, fixtures_dir: Path) -> None:
    """WOLPH betterplace/sepa_mt9401.sta: 26 statements, 97 lines, 20 accounts 50880050/…, two RC
    (reversal of credit) lines of 204.88; every statement reconciles only when RC is a debit;
    net −9269135.90."""
    path = fixtures_dir / "mt940/wolph_betterplace_sepa_mt9401.sta"
    for number in sorted(set(re.findall(r"^:25:(\S+)", path.read_text("latin-1"), re.MULTILINE))):
        own_account(entity_de, number=number)

    summary = run_cli(path)

    assert (summary["statements"], summary["entries"]) == (26, 97)
    assert D(summary["credits"]["EUR"]) - D(summary["debits"]["EUR"]) == D("-9269135.90")
    assert not ExceptionItem.objects.filter(kind="balance_mismatch").exists()
    reversals = StatementLine.objects.filter(is_reversal=True)
    assert [(r.credit_debit, r.amount) for r in reversals] == [("DBIT", D("204.88"))] * 2


def test_two_identical_genuine_lines_are_both_kept(entity_de: Any, fixtures_dir: Path, tmp_path: Path) -> None:
    """WOLPH jejik/triodos.sta with its first :61:/:86: pair repeated: the bank booked 15.70 twice.
    Both lines are kept, with the same fingerprint and occurrences 1 and 2."""
    own_account(entity_de, number="0390123456")
    text = (fixtures_dir / "mt940/wolph_jejik_triodos.sta").read_text()
    pair = ":61:110101D15,70N000NONREF\n:86:000>100987654321\n"
    assert pair in text
    doubled = tmp_path / "triodos-doubled.sta"
    doubled.write_text(text.replace(pair, pair + pair, 1))

    summary = run_cli(doubled)

    assert summary["entries"] == 3
    first, second = StatementLine.objects.filter(amount=D("15.70")).order_by("line_no")
    assert first.fingerprint == second.fingerprint
    assert (first.occurrence, second.occurrence) == (1, 2)


def test_same_statement_in_other_bytes_is_a_duplicate(entity_de: Any, fixtures_dir: Path, tmp_path: Path) -> None:
    """SVAPNIL ing/example_camt.xml delivered again with a trailing newline: another sha256, the same
    statement; it is counted as a duplicate and the file is recorded as a duplicate."""
    own_account(entity_de, iban="NL08INGB0000001234")
    original = fixtures_dir / "camt053/svapnil_ing_example_camt.xml"
    resent = tmp_path / "ing-resent.xml"
    resent.write_bytes(original.read_bytes() + b"\n")
    run_cli(original)
    before = row_counts()

    summary = run_cli(resent)

    assert (summary["status"], summary["statements"], summary["duplicates"]) == ("duplicate", 0, 1)
    assert row_counts() == before | {
        "inbound_files": before["inbound_files"] + 1,
        "audit_events": before["audit_events"] + 1,
    }
    assert InboundFile.objects.filter(status="duplicate").count() == 1


def test_camt052_and_camt054_with_the_same_id_are_different_documents(entity_de: Any, fixtures_dir: Path) -> None:
    """GENKGO camt052.v2.xml (Rpt) and camt054.v2.xml (Ntfctn) both carry id AAAASESS-FP-ACCR001 for
    CH2801234000123456789: a report and a notification, so both are stored."""
    own_account(entity_de, iban="CH2801234000123456789", currency="SEK")

    run_cli(fixtures_dir / "camt052/genkgo_camt052.v2.xml")
    run_cli(fixtures_dir / "camt054/genkgo_camt054.v2.xml")

    assert sorted(BankStatement.objects.values_list("format", "external_id")) == [
        ("camt.052", "AAAASESS-FP-ACCR001"),
        ("camt.054", "AAAASESS-FP-ACCR001"),
    ]


def test_statement_import_writes_audit_events_and_links_the_file(entity_de: Any, fixtures_dir: Path) -> None:
    """GENKGO camt053.v2.multi.statement.xml: one audit event for the file, one per statement."""
    from finops.audit.models import AuditEvent

    own_account(entity_de, iban="NL26VAYB8060476890")

    summary = run_cli(fixtures_dir / "camt053/genkgo_camt053.v2.multi.statement.xml")

    inbound = InboundFile.objects.get()
    assert summary["inbound_file"] == inbound.pk
    assert set(inbound.statements.values_list("external_id", flat=True)) == {
        "253EURNL26VAYB8060476890",
        "254EURNL26VAYB8060476890",
    }
    assert list(inbound.entities.all()) == [entity_de]
    assert inbound.source == "cli"
    assert inbound.received_by is None
    assert bytes(inbound.content) == (fixtures_dir / "camt053/genkgo_camt053.v2.multi.statement.xml").read_bytes()
    assert AuditEvent.objects.filter(action="bank_file.imported", object_id=str(inbound.pk)).count() == 1
    assert AuditEvent.objects.filter(action="statement.imported", entity=entity_de).count() == 2


def test_mt940_reader_warnings_come_before_the_writer_warnings(entity_de: Any, fixtures_dir: Path) -> None:
    """WOLPH jejik/abnamro.sta on an account we keep in USD: the reader's warning (60M/62M)
    comes first, then one "the file says EUR" per statement, the order the summary always had."""
    own_account(entity_de, number="517852257", currency="USD")

    summary = run_cli(fixtures_dir / "mt940/wolph_jejik_abnamro.sta")

    warnings = summary["warnings"]
    assert len(warnings) == 3
    assert ":60M:/:62M:" in warnings[0]
    assert all("the file says the account is in EUR" in w for w in warnings[1:])


def test_statement_totals_are_set_once_its_lines_are_streamed(entity_de: Any, fixtures_dir: Path) -> None:
    """WOLPH cmxl/mt940.sta: three statements on three accounts, each inserted before its lines
    and completed after them; every stored total agrees with the lines stored."""
    for number, currency in (("45050050/76198810", "DEM"), ("1234567", "EUR"), ("320000546101", "PLN")):
        own_account(entity_de, number=number, currency=currency)

    run_cli(fixtures_dir / "mt940/wolph_cmxl_mt940.sta")

    for statement in BankStatement.objects.all():
        lines = list(statement.lines.all())
        assert statement.entry_count == len(lines)
        assert statement.total_credits == sum((x.amount for x in lines if x.credit_debit == "CRDT"), D(0))
        assert statement.total_debits == sum((x.amount for x in lines if x.credit_debit == "DBIT"), D(0))
        assert statement.reconciles is True
        assert len(statement.content_sha256) == 64
