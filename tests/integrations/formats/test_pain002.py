"""pain.002 reader against the shared fixtures (see shared/fixtures/MANIFEST.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from integrations.formats.errors import FormatError, UnknownFormatError
from integrations.formats.pain002 import parse_pain002
from integrations.formats.types import PaymentStatusReport, StatusReason
from tests.conftest import FIXTURES as SHARED_FIXTURES

FIXTURES = SHARED_FIXTURES


def _read(relative: str) -> PaymentStatusReport:
    path = FIXTURES / relative
    return parse_pain002(path.read_bytes(), path.name)


def test_nordea_transaction_reject_keeps_every_transaction() -> None:
    """SVAPNIL test/assets/nordea/pain_002_v3_txn_reject.xml: 1 PmtInf RJCT with 2 TxInfAndSts
    RJCT NARR (the packaged parser keeps only the first)."""
    report = _read("pain002/svapnil_nordea_pain002_v3_txn_reject.xml")

    (payment,) = report.payments
    assert report.original_message_id == "MSGID-950-TEST2-2807-01"
    assert (payment.payment_info_id, payment.status) == ("PMTINFID-950-TEST2-2807-01", "RJCT")
    assert [t.original_end_to_end_id for t in report.transactions] == [
        "ENDTOENDID-950-TEST2-2807-02",
        "ENDTOENDID-950-TEST2-2807-01",
    ]
    assert {t.status for t in report.transactions} == {"RJCT"}
    assert [r.code for t in report.transactions for r in t.reasons] == ["NARR", "NARR"]
    assert all(t.payment_info_id == payment.payment_info_id for t in report.transactions)
    assert report.warnings == ()  # MANIFEST: XSD VALID


def test_nordea_payment_reject_is_at_payment_level() -> None:
    """SVAPNIL test/assets/nordea/pain_002_v3_payment_reject.xml: PmtInfSts RJCT, no txs."""
    report = _read("pain002/svapnil_nordea_pain002_v3_payment_reject.xml")

    (payment,) = report.payments
    assert payment.status == "RJCT"
    assert payment.reasons == (
        StatusReason(
            code="NARR",
            additional_info="CAP Invalid code or combinations in CategoryPurpose or ServiceLevel",
        ),
    )
    assert payment.transactions == ()
    assert report.group_status == ""
    assert report.created_at == dt.datetime(2015, 7, 17, 15, 8, 14, tzinfo=dt.UTC)


def test_goldman_sachs_accepted_is_read_despite_failing_its_xsd() -> None:
    """SVAPNIL test/assets/goldman_sachs/pain_002_v3_accepted.xml: XSD INVALID (OrgnlNbOfTxs
    misplaced) yet read; 1 tx ACCP, 10.00 USD."""
    report = _read("pain002/svapnil_goldman_sachs_pain002_v3_accepted.xml")

    (transaction,) = report.transactions
    assert report.message_id == "1036XXX"
    assert report.initiating_party == "Goldman Sachs Bank"
    assert report.original_message_id == "10280093XXXX"
    assert (transaction.original_end_to_end_id, transaction.status) == ("GSDGFKfLURaHb", "ACCP")
    assert (transaction.amount, transaction.currency) == (Decimal("10.00"), "USD")
    assert len(report.warnings) == 1
    assert "OrgnlNbOfTxs" in report.warnings[0]


def test_cross_river_rejection_in_no_namespace() -> None:
    """SVAPNIL test/assets/cross_river/pain_002_transaction_rejected.xml: root spelled
    `Xmlns=`, so no namespace; GrpSts ACTC, PmtInf missing2 RJCT, 3 tx RJCT NARR."""
    report = _read("pain002/svapnil_cross_river_pain002_transaction_rejected.xml")

    (payment,) = report.payments
    assert report.version == "001.03"  # read from the misspelt declaration
    assert report.group_status == "ACTC"
    assert (payment.payment_info_id, payment.status) == ("missing2", "RJCT")
    assert len(payment.transactions) == 3
    assert {t.status for t in payment.transactions} == {"RJCT"}
    assert {r.code for t in payment.transactions for r in t.reasons} == {"NARR"}
    assert payment.transactions[2].reasons[0].additional_info == ("Instruction ID example012345678 already exist")
    assert any("no namespace" in w for w in report.warnings)


def test_cross_river_credit_accepted() -> None:
    """SVAPNIL test/assets/cross_river/pain_002_credit_accepted.xml: GrpSts ACTC, PmtInf ACTC,
    1 tx ACSP (same `Xmlns=` quirk)."""
    report = _read("pain002/svapnil_cross_river_pain002_credit_accepted.xml")

    assert report.group_status == "ACTC"
    assert [p.status for p in report.payments] == ["ACTC"]
    assert [t.status for t in report.transactions] == ["ACSP"]


def test_mock_bank_partial_acceptance_in_version_10() -> None:
    """generated-mockbank/02_pain.002.001.10_part.xml (SYNTHETIC, mock-bank 0.9.0)."""
    report = _read("generated-mockbank/02_pain.002.001.10_part.xml")

    (payment,) = report.payments
    assert report.version == "001.10"
    assert report.original_message_type == "pain.001.001.09"
    assert (report.group_status, payment.status) == ("PART", "PART")
    assert [(t.original_end_to_end_id, t.status) for t in payment.transactions] == [
        ("E2E-OK-1", "ACCP"),
        ("E2E-BADIBAN-2", "RJCT"),
        ("E2E-OK-3", "ACCP"),
    ]
    rejected = payment.transactions[1]
    assert rejected.reasons[0].code == "AC01"
    assert "fails its check digits" in rejected.reasons[0].additional_info


def test_group_level_reasons_and_proprietary_codes() -> None:
    data = b"""<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
    <GrpHdr><MsgId>R1</MsgId><CreDtTm>2026-01-05T10:00:00+01:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts><OrgnlMsgId>O1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>
    <GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Prtry>X99</Prtry></Rsn><AddtlInf>file</AddtlInf>
    <AddtlInf>refused</AddtlInf></StsRsnInf></OrgnlGrpInfAndSts></CstmrPmtStsRpt></Document>"""

    report = parse_pain002(data)

    assert report.group_status == "RJCT"
    assert report.group_reasons == (StatusReason(code="X99", additional_info="file refused"),)
    assert report.payments == ()
    assert report.warnings == ()


def test_missing_message_id_is_refused() -> None:
    data = b"""<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
    <GrpHdr><CreDtTm>2026-01-05T10:00:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts><OrgnlMsgId>O1</OrgnlMsgId></OrgnlGrpInfAndSts>
    </CstmrPmtStsRpt></Document>"""

    with pytest.raises(FormatError) as caught:
        parse_pain002(data, "x.xml")

    assert caught.value.element == "CstmrPmtStsRpt/GrpHdr/MsgId"


def test_a_statement_is_not_a_status_report() -> None:
    """GENKGO test/data/camt053.v8.xml is a camt.053, not a pain.002."""
    with pytest.raises(UnknownFormatError):
        parse_pain002((FIXTURES / "camt053/genkgo_camt053.v8.xml").read_bytes())


def test_a_status_report_in_a_foreign_namespace_is_unknown() -> None:
    """generated-mockbank 02_pain.002.001.10_part.xml moved into another namespace: same elements."""
    data = (FIXTURES / "generated-mockbank/02_pain.002.001.10_part.xml").read_bytes()
    foreign = data.replace(b"urn:iso:std:iso:20022:tech:xsd:pain.002.001.10", b"urn:example:status", 1)

    with pytest.raises(UnknownFormatError, match="'urn:example:status' is not one of") as caught:
        parse_pain002(foreign, "status.xml")

    assert (caught.value.filename, caught.value.element) == ("status.xml", "Document/CstmrPmtStsRpt")
