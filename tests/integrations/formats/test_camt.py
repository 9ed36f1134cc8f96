"""camt.052 / .053 / .054 reader against the shared fixtures (see shared/fixtures/MANIFEST.md)."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.formats.camt import iter_camt_entries, iter_camt_statements, parse_camt
from integrations.formats.errors import FileTooLargeError, FormatError, UnknownFormatError
from integrations.formats.types import BankFile, CreditDebit, Entry, Statement, StatementEnd, StatementStart
from integrations.formats.xmlsafe import without_default_namespace
from tests.conftest import FIXTURES as SHARED_FIXTURES

FIXTURES = SHARED_FIXTURES
REPO = Path(__file__).resolve().parents[3]


def _read(relative: str) -> BankFile:
    path = FIXTURES / relative
    return parse_camt(path.read_bytes(), path.name)


def _credits(statement: Statement) -> Decimal:
    return sum((e.amount for e in statement.entries if e.credit_debit is CreditDebit.CREDIT), Decimal(0))


def _debits(statement: Statement) -> Decimal:
    return sum((e.amount for e in statement.entries if e.credit_debit is CreditDebit.DEBIT), Decimal(0))


def _balances(statement: Statement) -> list[tuple[str, Decimal, str]]:
    return [(b.type, b.amount, b.currency) for b in statement.balances]


# --- camt.053 fixtures ----------------------------------------------------------------------


def test_genkgo_multi_statement_reads_both_statements() -> None:
    """GENKGO test/data/camt053.v2.multi.statement.xml: 2 Stmt on one IBAN, both reconcile."""
    bank_file = _read("camt053/genkgo_camt053.v2.multi.statement.xml")

    first, second = bank_file.statements
    assert (bank_file.format, bank_file.version) == ("camt.053", "001.02")
    assert first.document_id.startswith("253EUR")
    assert second.document_id.startswith("254EUR")
    assert {first.account.iban, second.account.iban} == {"NL26VAYB8060476890"}
    assert _balances(first) == [
        ("OPBD", Decimal("18.15"), "EUR"),
        ("CLBD", Decimal("27.00"), "EUR"),
    ]
    assert _balances(second) == [
        ("OPBD", Decimal("27.00"), "EUR"),
        ("CLBD", Decimal("20.00"), "EUR"),
    ]
    assert [(e.credit_debit, e.amount) for e in first.entries] == [(CreditDebit.CREDIT, Decimal("8.85"))]
    assert second.entries[0].signed_amount == Decimal("-7.00")  # genkgo: "getAmount": "-700"
    assert [first.entries[0].end_to_end_id, second.entries[0].end_to_end_id] == [
        "000000001",
        "000000002",
    ]
    assert first.reconciles is True
    assert second.reconciles is True
    assert bank_file.warnings == ()


def test_genkgo_v8_statement_matches_the_genkgo_end_to_end_test() -> None:
    """GENKGO test/data/camt053.v8.xml, values from genkgo's EndToEndTest (cents there)."""
    bank_file = _read("camt053/genkgo_camt053.v8.xml")

    (statement,) = bank_file.statements
    (entry,) = statement.entries
    (detail,) = entry.details
    assert bank_file.message_id == "CAMT053RIB000000000001"
    assert bank_file.version == "001.08"
    assert statement.document_id == "253EURNL26VAYB8060476890"
    assert statement.account.identifier == "NL26VAYB8060476890"
    assert statement.account.other_id == "NL26VAYB8060476890"  # given as Othr/Id, not IBAN
    assert _balances(statement) == [
        ("OPBD", Decimal("18.15"), "EUR"),
        ("CLBD", Decimal("-27.00"), "SEK"),
        ("OPAV", Decimal("35.00"), "CHF"),
        ("CLAV", Decimal("-2700"), "JPY"),
    ]
    assert (entry.amount, entry.currency, entry.credit_debit) == (
        Decimal("8.85"),
        "EUR",
        CreditDebit.CREDIT,
    )
    assert entry.booking_on == dt.date(2014, 12, 31)  # BookgDt/DtTm 2014-12-31T13:15:00+01:00
    assert entry.value_on == dt.date(2015, 1, 2)
    assert entry.account_servicer_ref == "AAAASESS-FP-CN_98765/01"
    assert entry.bank_transaction_code == "PMNT/RCDT/BOOK"
    assert detail.end_to_end_id == "MUELL/FINP/RA12345"
    assert detail.creditor_ref == "4654654654654654"
    # The TxDtls <Amt Ccy="SEK">0</Amt> is kept as the detail's, never as the entry's.
    assert (detail.amount, detail.currency) == (Decimal("0"), "SEK")
    assert (detail.counterparty_name, detail.counterparty_iban) == (
        "NAME NAME",
        "NL56AGDH9619008421",
    )
    assert bank_file.warnings == ()


def test_genkgo_five_decimals_keeps_every_digit_and_does_not_reconcile() -> None:
    """GENKGO test/data/camt053.v2.five.decimals.xml: 3-decimal amounts, off by 0.050."""
    (statement,) = _read("camt053/genkgo_camt053.v2.five.decimals.xml").statements

    assert _balances(statement) == [
        ("OPBD", Decimal("18.150"), "EUR"),
        ("CLBD", Decimal("27.050"), "EUR"),
    ]
    assert statement.entries[0].amount == Decimal("8.850")
    assert str(statement.entries[0].amount) == "8.850"
    assert statement.reconciles is False
    closing = statement.closing_balance
    assert closing is not None
    assert closing.amount - (Decimal("18.150") + Decimal("8.850")) == Decimal("0.050")


def test_abn_amro_sample_is_imported_with_schema_warnings() -> None:
    """SVAPNIL test/assets/abn_amro/example_camt.xml: XSD INVALID (7 Ustrd > 140), PRCD opening.

    The MANIFEST counts 29 TxDtls; the file holds 26 <TxDtls> elements, which is what we read.
    """
    bank_file = _read("camt053/svapnil_abn-amro_example_camt.xml")

    (statement,) = bank_file.statements
    first = statement.entries[0]
    assert bank_file.message_id == "0574908765.2013-04-02"
    assert statement.document_id == "0574908765.2013-04-02"
    assert (statement.account.iban, statement.account.currency) == ("NL77ABNA0574908765", "EUR")
    assert len(bank_file.warnings) == 7
    assert all("Ustrd" in w and "140" in w for w in bank_file.warnings)
    opening = statement.opening_balance
    assert opening is not None
    assert (opening.type, opening.amount, opening.on) == (
        "PRCD",
        Decimal("1000.01"),
        dt.date(2013, 3, 28),
    )
    assert [b.type for b in statement.balances].count("FWAV") == 5
    assert statement.balance("CLAV") is not None
    assert len(statement.entries) == 13
    assert sum(len(e.details) for e in statement.entries) == 26
    assert (_credits(statement), _debits(statement)) == (Decimal("28.00"), Decimal("928.00"))
    assert sum(e.is_reversal for e in statement.entries) == 2
    assert statement.reconciles is True
    assert (first.credit_debit, first.amount) == (CreditDebit.CREDIT, Decimal("1.00"))
    assert first.proprietary_code == "N196"
    assert first.account_servicer_ref == "2102830989503100038"
    assert first.bank_transaction_code == "PMNT/RCDT/NTAV"


def test_ing_sample_reads_prcd_and_opbd_and_the_summary() -> None:
    """SVAPNIL test/assets/ing/example_camt.xml: ING NL, 9 entries, 1 reversal, recon ✓."""
    bank_file = _read("camt053/svapnil_ing_example_camt.xml")

    (statement,) = bank_file.statements
    first = statement.entries[0]
    assert bank_file.message_id == "201401030009999_20140104015504378"
    assert statement.document_id == "201401030009999"
    assert statement.account.iban == "NL08INGB0000001234"
    assert [b.type for b in statement.balances][:3] == ["PRCD", "OPBD", "CLBD"]
    opening, closing = statement.opening_balance, statement.closing_balance
    assert opening is not None
    assert closing is not None
    assert (opening.type, opening.amount, closing.amount) == (
        "OPBD",
        Decimal("1000.00"),
        Decimal("1605.00"),
    )
    assert len(statement.entries) == 9
    assert [e.credit_debit for e in statement.entries].count(CreditDebit.CREDIT) == 5
    assert (_credits(statement), _debits(statement)) == (Decimal("990.00"), Decimal("385.00"))
    assert sum(e.is_reversal for e in statement.entries) == 1
    assert (statement.declared_entry_count, statement.declared_entry_sum) == (9, Decimal("1375.00"))
    assert statement.reconciles is True
    assert (first.credit_debit, first.amount) == (CreditDebit.CREDIT, Decimal("350.00"))
    assert first.bank_ref == "011111333306999888000000008"  # NtryRef
    assert first.account_servicer_ref == "59999208N9"
    assert first.bank_transaction_code == "PMNT/RCDT/ESCT"
    assert bank_file.warnings == ()


def test_goldman_sachs_us_sample_keeps_debit_balances_and_foreign_currency_entry() -> None:
    """SVAPNIL test/assets/goldman_sachs/camt_053_us_v2_sample.xml: Othr/Id account, USD,
    debit balances, an EUR entry on the USD account, a summary that disagrees, no recon."""
    bank_file = _read("camt053/svapnil_goldman-sachs_camt_053_us_v2_sample.xml")

    (statement,) = bank_file.statements
    first = statement.entries[0]
    foreign = [e for e in statement.entries if e.currency != "USD"]
    assert statement.document_id == "258158850"
    assert statement.account.other_id == "DD01100056869"
    assert (statement.account.currency, statement.account.name) == ("USD", "Sample Name 123")
    assert _balances(statement)[:2] == [
        ("OPBD", Decimal("-843686.20"), "USD"),
        ("CLBD", Decimal("-846665.15"), "USD"),
    ]
    assert len(statement.balances) == 4
    assert all(b.amount > 0 for b in statement.balances if b.type in ("OPAV", "CLAV"))
    assert len(statement.entries) == 15
    assert sum(e.is_reversal for e in statement.entries) == 3
    assert (_credits(statement), _debits(statement)) == (Decimal("100.00"), Decimal("69.06"))
    assert [(e.amount, e.currency) for e in foreign] == [(Decimal("29.06"), "EUR")]
    assert (statement.declared_entry_count, statement.declared_entry_sum) == (14, Decimal("140.00"))
    assert statement.reconciles is False
    assert (first.credit_debit, first.amount) == (CreditDebit.CREDIT, Decimal("10.00"))
    assert first.proprietary_code == "ACH Credit Reject"
    assert first.end_to_end_id == "GSGWGDNCTAHQM8"
    assert bank_file.warnings == ()


def test_genkgo_wrong_document_is_refused_naming_the_missing_stmt() -> None:
    """GENKGO test/data/camt053.v2.wrong.xml: BkToCstmrStmt without GrpHdr children or Stmt;
    genkgo's testWrongDocument expects InvalidMessageException."""
    with pytest.raises(FormatError) as caught:
        _read("camt053/malformed/genkgo_camt053.v2.wrong.xml")

    assert caught.value.element == "BkToCstmrStmt/Stmt"
    assert "genkgo_camt053.v2.wrong.xml" in str(caught.value)


# --- camt.052 / camt.054 fixtures -----------------------------------------------------------


@pytest.mark.parametrize("name", ["genkgo_camt052.v2.xml", "genkgo_camt052.v8.xml"])
def test_genkgo_camt052_report(name: str) -> None:
    """GENKGO test/data/camt052.v{2,8}.xml, values from genkgo's EndToEndTest."""
    bank_file = _read(f"camt052/{name}")

    (report,) = bank_file.statements
    (entry,) = report.entries
    assert bank_file.format == "camt.052"
    assert report.document_id == "AAAASESS-FP-ACCR001"
    assert report.account.identifier == "CH2801234000123456789"
    assert entry.signed_amount == Decimal("-200000")  # genkgo: -20000000 cents
    assert entry.currency == "SEK"
    assert entry.booking_on == entry.value_on == dt.date(2007, 10, 18)
    assert entry.description == "Credit"
    assert report.balances == ()
    assert report.reconciles is None
    assert bank_file.warnings == ()


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("genkgo_camt054.v2.xml", "001.02"),
        ("genkgo_camt054.v4.xml", "001.04"),
        ("genkgo_camt054.v8.xml", "001.08"),
    ],
)
def test_genkgo_camt054_notification(name: str, version: str) -> None:
    """GENKGO test/data/camt054.v{2,4,8}.xml: ISO MDR example, XSD VALID."""
    bank_file = _read(f"camt054/{name}")

    (notification,) = bank_file.statements
    (entry,) = notification.entries
    assert (bank_file.format, bank_file.version) == ("camt.054", version)
    assert bank_file.message_id == notification.document_id == "AAAASESS-FP-ACCR001"
    assert notification.account.identifier == "CH2801234000123456789"
    assert (entry.credit_debit, entry.amount, entry.currency) == (
        CreditDebit.DEBIT,
        Decimal("200000"),
        "SEK",
    )
    assert entry.bank_transaction_code == "PMNT/ICDT/DMCT"
    assert len(entry.details) == 3
    assert bank_file.warnings == ()


def test_genkgo_camt054_with_uetr() -> None:
    """GENKGO test/data/camt054.v8-with-UETR.xml: a small .08 notification carrying a UETR."""
    bank_file = _read("camt054/genkgo_camt054.v8-with-UETR.xml")

    (entry,) = bank_file.statements[0].entries
    assert entry.details[0].uetr == "255ae394-9965-4438-ac86-f406feada396"
    assert entry.bank_transaction_code == ""  # the file's BkTxCd is empty
    assert bank_file.warnings == ()


def test_mock_bank_camt054_debit_notification() -> None:
    """generated-mockbank/03_camt.054.001.08_debits.xml (SYNTHETIC, mock-bank 0.9.0)."""
    (notification,) = _read("generated-mockbank/03_camt.054.001.08_debits.xml").statements

    assert [e.credit_debit for e in notification.entries] == [CreditDebit.DEBIT] * 2
    assert _debits(notification) == Decimal("124.44")
    assert [e.account_servicer_ref for e in notification.entries] == ["MB-PMT-1", "MB-PMT-3"]
    assert [e.end_to_end_id for e in notification.entries] == ["E2E-OK-1", "E2E-OK-3"]
    # On a debit the counterparty is the creditor.
    assert [e.details[0].counterparty_name for e in notification.entries] == ["Alice", "Carol"]
    assert notification.entries[0].details[0].counterparty_iban == "DE89370400440532013000"


def test_mock_bank_camt053_day_statement() -> None:
    """generated-mockbank/04_camt.053.001.08_day.xml (SYNTHETIC, mock-bank 0.9.0)."""
    bank_file = _read("generated-mockbank/04_camt.053.001.08_day.xml")

    (statement,) = bank_file.statements
    assert statement.document_id == "MB-C053-ACME-1"
    assert _balances(statement) == [
        ("OPBD", Decimal("125000.00"), "EUR"),
        ("CLBD", Decimal("124875.56"), "EUR"),
    ]
    assert _debits(statement) == Decimal("124.44")
    assert len(statement.entries) == 2
    assert statement.reconciles is True
    assert (statement.declared_entry_count, statement.declared_entry_sum) == (2, Decimal("124.44"))
    assert bank_file.warnings == ()


# --- refusals on synthetic documents --------------------------------------------------------

ENTRY = (
    '<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>'
    "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{booked}</Dt></BookgDt></Ntry>"
)


def _statement_xml(
    entries: str,
    *,
    statement_id: str = "S1",
    account: str = "<Acct><Id><IBAN>NL77ABNA0574908765</IBAN></Id><Ccy>EUR</Ccy></Acct>",
    balances: str = "",
) -> str:
    return f"<Stmt><Id>{statement_id}</Id>{account}{balances}{entries}</Stmt>"


def _document(*statements: str, namespace: str = "camt.053.001.08") -> bytes:
    xmlns = f' xmlns="urn:iso:std:iso:20022:tech:xsd:{namespace}"' if namespace else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document{xmlns}><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-01-05T10:00:00</CreDtTm></GrpHdr>"
        f"{''.join(statements)}</BkToCstmrStmt></Document>"
    ).encode()


def _balance_xml(kind: str, amount: Decimal) -> str:
    sign = "DBIT" if amount < 0 else "CRDT"
    return (
        f'<Bal><Tp><CdOrPrtry><Cd>{kind}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{abs(amount)}</Amt>'
        f"<CdtDbtInd>{sign}</CdtDbtInd><Dt><Dt>2026-01-05</Dt></Dt></Bal>"
    )


def _entry(amount: str = "1.00", direction: str = "CRDT", booked: str = "2026-01-05") -> str:
    return ENTRY.format(amount=amount, direction=direction, booked=booked)


def test_missing_amount_is_refused_naming_the_entry() -> None:
    broken = _entry().replace('<Amt Ccy="EUR">1.00</Amt>', "")
    data = _document(_statement_xml(_entry() * 2 + broken))

    with pytest.raises(FormatError) as caught:
        parse_camt(data, "x.xml")

    assert caught.value.element == "Stmt[1]/Ntry[3]/Amt"


def test_missing_credit_debit_indicator_is_refused() -> None:
    broken = _entry().replace("<CdtDbtInd>CRDT</CdtDbtInd>", "")
    data = _document(_statement_xml(_entry()), _statement_xml(broken, statement_id="S2"))

    with pytest.raises(FormatError) as caught:
        parse_camt(data)

    assert caught.value.element == "Stmt[2]/Ntry[1]/CdtDbtInd"


@pytest.mark.parametrize("amount", ["1,00", "-5.00", "NaN", "1e3", ""])
def test_unparseable_amount_is_refused(amount: str) -> None:
    data = _document(_statement_xml(_entry(amount=amount)))

    with pytest.raises(FormatError) as caught:
        parse_camt(data)

    assert caught.value.element == "Stmt[1]/Ntry[1]/Amt"


def test_unparseable_date_is_refused() -> None:
    data = _document(_statement_xml(_entry(booked="2026-02-30")))

    with pytest.raises(FormatError) as caught:
        parse_camt(data)

    assert caught.value.element == "Stmt[1]/Ntry[1]/BookgDt/Dt"


def test_missing_account_is_refused() -> None:
    data = _document(_statement_xml(_entry(), account=""))

    with pytest.raises(FormatError) as caught:
        parse_camt(data)

    assert caught.value.element == "Stmt[1]/Acct"


def test_truncated_file_is_refused_naming_the_statement() -> None:
    whole = _document(_statement_xml(_entry()), _statement_xml(_entry() * 3, statement_id="S2"))
    truncated = whole[: whole.rindex(b"<Ntry>") + 20]

    with pytest.raises(FormatError) as caught:
        parse_camt(truncated, "cut.xml")

    assert caught.value.line is not None
    assert "Stmt[2] (Id S2)" in str(caught.value)


def test_not_a_camt_message_is_unknown() -> None:
    data = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt/></Document>'

    with pytest.raises(UnknownFormatError, match="CstmrPmtStsRpt"):
        parse_camt(data)


def test_oversize_file_is_refused() -> None:
    data = _document(_statement_xml(_entry()))

    with pytest.raises(FileTooLargeError):
        parse_camt(data, max_bytes=len(data) - 1)


def test_bad_account_iban_checksum_is_a_warning_not_a_rejection() -> None:
    account = "<Acct><Id><IBAN>NL00ABNA0574908765</IBAN></Id><Ccy>EUR</Ccy></Acct>"
    data = _document(_statement_xml(_entry(), account=account))

    bank_file = parse_camt(data)

    assert bank_file.statements[0].account.iban == "NL00ABNA0574908765"
    assert any("NL00ABNA0574908765" in w and "checksum" in w for w in bank_file.warnings)


def test_document_in_no_namespace_reads_like_a_namespaced_one() -> None:
    entries = _entry("2.50", "DBIT")
    plain = parse_camt(_document(_statement_xml(entries), namespace=""))
    namespaced = parse_camt(_document(_statement_xml(entries)))

    assert plain.statements == namespaced.statements
    assert any("no ISO namespace" in w for w in plain.warnings)


def test_naive_times_are_made_aware() -> None:
    bank_file = parse_camt(_document(_statement_xml(_entry())))

    assert bank_file.created_at == dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)


def test_entry_without_ccy_takes_the_account_currency() -> None:
    entry = _entry().replace(' Ccy="EUR"', "")

    bank_file = parse_camt(_document(_statement_xml(entry)), validate_schema=False)

    assert bank_file.statements[0].entries[0].currency == "EUR"


# --- streaming ---------------------------------------------------------------------------------


def test_iter_camt_statements_yields_statement_by_statement() -> None:
    data = _document(*(_statement_xml(_entry(), statement_id=f"S{i}") for i in range(1, 4)))

    ids = [s.document_id for s in iter_camt_statements(io.BytesIO(data))]

    assert ids == ["S1", "S2", "S3"]


def test_streaming_memory_stays_flat() -> None:
    """20,000 entries in 400 statements, streamed from a generator: peak RSS must not grow
    with the file (keeping the consumed tree costs about 50 MB here)."""
    script = textwrap.dedent(
        """
        import io, resource
        from integrations.formats.camt import iter_camt_statements

        NTRY = (b'<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>'
                b'2026-01-01</Dt></BookgDt><NtryDtls><TxDtls><Refs><EndToEndId>E-%d</EndToEndId>'
                b'</Refs><RmtInf><Ustrd>Invoice %d with some words of padding after it</Ustrd>'
                b'</RmtInf></TxDtls></NtryDtls></Ntry>')

        def chunks():
            yield (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
                   b'<BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr>')
            for s in range(400):
                yield (b'<Stmt><Id>S%d</Id><Acct><Id><Othr><Id>1</Id></Othr></Id></Acct>' % s
                       + b''.join(NTRY % (i, i) for i in range(50)) + b'</Stmt>')
            yield b'</BkToCstmrStmt></Document>'

        class Stream(io.RawIOBase):
            def __init__(self):
                self.parts, self.buffer = chunks(), b''
            def readable(self):
                return True
            def read(self, size=-1):
                while len(self.buffer) < size:
                    try:
                        self.buffer += next(self.parts)
                    except StopIteration:
                        break
                out, self.buffer = self.buffer[:size], self.buffer[size:]
                return out

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        count = sum(len(s.entries) for s in iter_camt_statements(Stream()))
        growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        print(count, growth)
        """
    )

    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)

    count, growth_kib = (int(x) for x in result.stdout.split())
    assert count == 20_000
    assert growth_kib < 20 * 1024


def test_iter_camt_entries_yields_each_statement_start_entries_and_end() -> None:
    balances = _balance_xml("OPBD", Decimal("10.00")) + _balance_xml("CLBD", Decimal("11.00"))
    data = _document(
        _statement_xml(_entry("1.00"), statement_id="S1", balances=balances),
        _statement_xml(_entry("2.00") + _entry("3.00", "DBIT"), statement_id="S2"),
    )

    events = list(iter_camt_entries(io.BytesIO(data)))

    assert [type(e).__name__ for e in events] == [
        "StatementStart",
        "Entry",
        "StatementEnd",
        "StatementStart",
        "Entry",
        "Entry",
        "StatementEnd",
    ]
    first_start, first_end = events[0], events[2]
    assert isinstance(first_start, StatementStart)
    assert isinstance(first_end, StatementEnd)
    # Balances come before the entries in the schema: the start already carries them.
    assert first_start.statement.balances == first_end.statement.balances
    assert [b.type for b in first_start.statement.balances] == ["OPBD", "CLBD"]
    assert first_end.statement.entries == ()
    assert [e.amount for e in events if isinstance(e, Entry)] == [Decimal("1.00"), Decimal("2.00"), Decimal("3.00")]


def test_statement_whose_id_follows_its_entries_reads_as_when_it_leads() -> None:
    """Not schema-valid, but read all the same: the entries wait for the statement's end."""
    account = "<Acct><Id><IBAN>NL77ABNA0574908765</IBAN></Id><Ccy>EUR</Ccy></Acct>"
    leading = _document(f"<Stmt><Id>S1</Id>{account}{_entry('1.00')}{_entry('2.00')}</Stmt>")
    trailing = _document(f"<Stmt>{account}{_entry('1.00')}{_entry('2.00')}<Id>S1</Id></Stmt>")

    events = list(iter_camt_entries(io.BytesIO(trailing)))

    assert [type(e).__name__ for e in events] == ["StatementStart", "Entry", "Entry", "StatementEnd"]
    assert (
        parse_camt(trailing, validate_schema=False).statements == parse_camt(leading, validate_schema=False).statements
    )


def test_entry_streaming_memory_stays_flat_within_one_statement() -> None:
    """One statement of 50,000 entries streamed with iter_camt_entries: peak RSS must not grow
    with the statement (holding its entries, as iter_camt_statements does, costs 17 MB here)."""
    script = textwrap.dedent(
        """
        import io, resource
        from integrations.formats.camt import iter_camt_entries
        from integrations.formats.types import Entry

        NTRY = (b'<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>'
                b'2026-01-01</Dt></BookgDt><NtryDtls><TxDtls><Refs><EndToEndId>E-%d</EndToEndId>'
                b'</Refs><RmtInf><Ustrd>Invoice %d with some words of padding after it</Ustrd>'
                b'</RmtInf></TxDtls></NtryDtls></Ntry>')
        data = (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
                b'<GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt><Id>S</Id><Acct><Id><Othr><Id>1</Id></Othr></Id>'
                b'</Acct>' + b''.join(NTRY % (i, i) for i in range(50000)) + b'</Stmt></BkToCstmrStmt></Document>')

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        count = sum(isinstance(event, Entry) for event in iter_camt_entries(io.BytesIO(data)))
        growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        print(count, growth)
        """
    )

    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)

    count, growth_kib = (int(x) for x in result.stdout.split())
    assert count == 50_000
    assert growth_kib < 4 * 1024


# --- the root's default namespace -----------------------------------------------------------


def test_default_namespace_is_taken_off_the_stream_without_moving_a_line() -> None:
    data = (
        b'<?xml version="1.0"?>\n<!-- x -->\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"\n a="b">'
    )

    stream, found = without_default_namespace(io.BytesIO(data + b"<rest/>"))

    rewritten = stream.read(-1)
    assert found == "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
    assert len(rewritten) == len(data) + len(b"<rest/>")
    assert rewritten.count(b"\n") == data.count(b"\n")
    assert b"xmlns" not in rewritten
    assert rewritten.endswith(b' a="b"><rest/>')


@pytest.mark.parametrize(
    "document",
    [
        b'<ns:Document xmlns:ns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>',  # prefixed root
        b"<Document xmlns='urn:x&amp;y'/>",  # an entity in the declaration
        b"<Document a='xmlns=\"urn:x\"'/>",  # only an attribute value that looks like one
        "<Document xmlns='urn:x'/>".encode("utf-16"),  # not ASCII-compatible
    ],
)
def test_unusual_roots_are_left_as_they_are(document: bytes) -> None:
    stream, found = without_default_namespace(io.BytesIO(document))

    assert (stream.read(-1), found) == (document, "")


def test_namespaced_document_keeps_its_version_header_and_error_lines() -> None:
    single_quoted = _document(_statement_xml(_entry())).replace(
        b'xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"',
        b"\n  xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.08'",
    )
    broken = single_quoted.replace(b"<CdtDbtInd>CRDT</CdtDbtInd>", b"<CdtDbtInd>CRDT</Cdt>")

    bank_file = parse_camt(b"\xef\xbb\xbf" + single_quoted, validate_schema=False)
    with pytest.raises(FormatError) as caught:
        parse_camt(broken)

    assert (bank_file.format, bank_file.version) == ("camt.053", "001.08")
    assert not any("namespace" in w for w in parse_camt(single_quoted).warnings)
    assert caught.value.line == 3  # the declaration's own line break is kept


# --- property ----------------------------------------------------------------------------------

movements = st.lists(
    st.tuples(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2),
        st.sampled_from(["CRDT", "DBIT"]),
    ),
    min_size=0,
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(
    opening=st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2),
    moves=movements,
)
def test_generated_statements_parse_back_to_the_same_sums(opening: Decimal, moves: list[tuple[Decimal, str]]) -> None:
    credits = sum((a for a, d in moves if d == "CRDT"), Decimal(0))
    debits = sum((a for a, d in moves if d == "DBIT"), Decimal(0))
    closing = opening + credits - debits
    balances = _balance_xml("OPBD", opening) + _balance_xml("CLBD", closing)
    entries = "".join(_entry(f"{a:f}", d) for a, d in moves)
    data = _document(_statement_xml(entries, balances=balances))

    (statement,) = parse_camt(data, validate_schema=False).statements

    assert len(statement.entries) == len(moves)
    assert (_credits(statement), _debits(statement)) == (credits, debits)
    assert [e.amount for e in statement.entries] == [a for a, _ in moves]
    assert statement.reconciles is True
    closing_balance = statement.closing_balance
    assert closing_balance is not None
    assert closing_balance.amount == closing


@pytest.mark.parametrize(
    ("namespace", "message"),
    [("urn:example:ledger", "not one of"), ("urn:iso:std:iso:20022:tech:xsd:pain.002.001.03", r"is that of pain\.002")],
)
def test_the_reader_refuses_a_namespace_we_do_not_read(namespace: str, message: str) -> None:
    """The reader checks the namespace itself, for callers that do not detect first."""
    data = _document(_statement_xml(_entry()))
    foreign = data.replace(b"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08", namespace.encode())

    with pytest.raises(UnknownFormatError, match=message) as caught:
        parse_camt(foreign, "x.xml")
    with pytest.raises(UnknownFormatError, match=message):
        list(iter_camt_entries(io.BytesIO(foreign), filename="x.xml"))

    assert caught.value.element == "Document/BkToCstmrStmt"


def test_a_count_of_thousands_of_digits_is_refused_naming_its_element() -> None:
    summary = "<TxsSummry><TtlNtries><NbOfNtries>" + "9" * 5000 + "</NbOfNtries></TtlNtries></TxsSummry>"
    data = _document(_statement_xml(_entry(), balances=summary))

    with pytest.raises(FormatError, match="is not a count") as caught:
        parse_camt(data, validate_schema=False)

    assert caught.value.element == "Stmt[1]/TxsSummry/TtlNtries/NbOfNtries"
