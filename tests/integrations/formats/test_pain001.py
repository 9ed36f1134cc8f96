"""pain.001 writer: every output valid against the official XSD, IBANs and amounts checked."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mockbank import validate as mock_bank

from integrations.formats import xsd
from integrations.formats.errors import ValidationError
from integrations.formats.pain001 import build_pain001, format_amount
from integrations.formats.types import CreditTransfer, Party, PaymentOrder
from integrations.formats.xmlsafe import Element, find_all, parse_xml, text
from tests.conftest import FIXTURES as SHARED_FIXTURES

FIXTURES = SHARED_FIXTURES
MOCK_BANK_INPUT = FIXTURES / "generated-mockbank" / "01_pain.001.001.09_sepaxml-input.xml"
CREATED_AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
VERSIONS = ["001.001.03", "001.001.09"]


def _sepa_order(**changes: Any) -> PaymentOrder:
    order = PaymentOrder(
        message_id="MSG-2026-0001",
        payment_info_id="PMT-2026-0001",
        created_at=CREATED_AT,
        execution_on=dt.date(2026, 11, 3),
        debtor=Party(name="ACME Corporation", iban="NL77 ABNA 0574 9087 65", bic="ABNANL2A"),
        transfers=(
            CreditTransfer(
                end_to_end_id="E2E-1",
                amount=Decimal("123.45"),
                currency="EUR",
                creditor=Party(name="Alice", iban="DE89370400440532013000"),
                remittance_info="INV-1001",
                instruction_id="INSTR-1",
            ),
            CreditTransfer(
                end_to_end_id="E2E-2",
                amount=Decimal("0.99"),
                currency="EUR",
                creditor=Party(name="Carol", iban="NL91ABNA0417164300", bic="ABNANL2A"),
            ),
        ),
        service_level="SEPA",
    )
    return dataclasses.replace(order, **changes)


def _usd_order(**changes: Any) -> PaymentOrder:
    order = PaymentOrder(
        message_id="ACH-2026-0001",
        payment_info_id="ACH-BATCH-1",
        created_at=CREATED_AT,
        execution_on=dt.date(2026, 11, 3),
        debtor=Party(name="ACME Inc", account_number="123456789", routing_number="021000021", country="US"),
        transfers=(
            CreditTransfer(
                end_to_end_id="US-E2E-1",
                amount=Decimal("510.24"),
                currency="USD",
                creditor=Party(
                    name="Vendor LLC",
                    account_number="987654321",
                    routing_number="011000015",
                    address_lines=("1 Main St", "Boston MA 02110"),
                ),
                remittance_info="INV 9",
            ),
        ),
        local_instrument="CCD",
        charge_bearer="DEBT",
    )
    return dataclasses.replace(order, **changes)


def _texts(root: Element, path: str) -> list[str]:
    return [text(e) for e in find_all(root, path)]


@pytest.mark.parametrize("version", VERSIONS)
def test_sepa_round_trip_is_xsd_valid_and_reads_back(version: str) -> None:
    order = _sepa_order()

    data = build_pain001(order, version=version)

    root = parse_xml(data)
    assert root.nsmap[None] == f"urn:iso:std:iso:20022:tech:xsd:pain.{version}"
    assert xsd.validate(root, f"pain.{version}") == []
    assert _texts(root, "CstmrCdtTrfInitn/GrpHdr/MsgId") == ["MSG-2026-0001"]
    assert _texts(root, "CstmrCdtTrfInitn/GrpHdr/CreDtTm") == ["2026-11-02T09:00:00+00:00"]
    assert _texts(root, "CstmrCdtTrfInitn/GrpHdr/NbOfTxs") == ["2"]
    assert _texts(root, "CstmrCdtTrfInitn/GrpHdr/CtrlSum") == ["124.44"]
    payment = "CstmrCdtTrfInitn/PmtInf"
    assert _texts(root, f"{payment}/PmtInfId") == ["PMT-2026-0001"]
    assert _texts(root, f"{payment}/NbOfTxs") == ["2"]
    assert _texts(root, f"{payment}/CtrlSum") == ["124.44"]
    assert _texts(root, f"{payment}/PmtTpInf/SvcLvl/Cd") == ["SEPA"]
    assert _texts(root, f"{payment}/DbtrAcct/Id/IBAN") == ["NL77ABNA0574908765"]
    transactions = f"{payment}/CdtTrfTxInf"
    assert _texts(root, f"{transactions}/PmtId/EndToEndId") == ["E2E-1", "E2E-2"]
    assert _texts(root, f"{transactions}/PmtId/InstrId") == ["INSTR-1"]
    assert _texts(root, f"{transactions}/Amt/InstdAmt") == ["123.45", "0.99"]
    assert _texts(root, f"{transactions}/CdtrAcct/Id/IBAN") == [
        "DE89370400440532013000",
        "NL91ABNA0417164300",
    ]
    # sepaxml writes an empty Ustrd for a transfer without text; the XSD refuses that.
    assert _texts(root, f"{transactions}/RmtInf/Ustrd") == ["INV-1001"]


@pytest.mark.parametrize("version", VERSIONS)
def test_sepa_output_satisfies_mock_bank(version: str) -> None:
    """mock-bank 0.9.0 (PyPI, MIT) reads pain.001 the way a bank front end does: an
    independent reader checking counts, sums and IBAN check digits."""
    data = build_pain001(_sepa_order(), version=version)

    findings = mock_bank.validate(data, today=dt.date(2026, 11, 2))

    assert mock_bank.errors(findings) == []


def test_mock_bank_input_bad_iban_is_refused_naming_the_transfer() -> None:
    """generated-mockbank/01_pain.001.001.09_sepaxml-input.xml (SYNTHETIC): sepaxml let
    E2E-BADIBAN-2 through with DE89370400440532013001 (bad check digits); we must not."""
    order = _order_from_mock_bank_input()

    with pytest.raises(ValidationError) as caught:
        build_pain001(order)

    assert "E2E-BADIBAN-2" in str(caught.value)
    assert "DE89370400440532013001" in str(caught.value)


def test_nb_of_txs_and_ctrl_sum_agree_with_sepaxml() -> None:
    """generated-mockbank/01 (built by sepaxml 2.7.0): same transfers, same NbOfTxs/CtrlSum at
    group and payment level, once the bad IBAN is replaced by a valid one."""
    fixture = parse_xml(MOCK_BANK_INPUT.read_bytes())
    order = _order_from_mock_bank_input(fix_ibans=True)

    ours = parse_xml(build_pain001(order, version="001.001.09"))

    for path in (
        "CstmrCdtTrfInitn/GrpHdr/NbOfTxs",
        "CstmrCdtTrfInitn/GrpHdr/CtrlSum",
        "CstmrCdtTrfInitn/PmtInf/NbOfTxs",
        "CstmrCdtTrfInitn/PmtInf/CtrlSum",
        "CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/Amt/InstdAmt",
    ):
        assert _texts(ours, path) == _texts(fixture, path), path
    assert _texts(ours, "CstmrCdtTrfInitn/GrpHdr/CtrlSum") == ["129.44"]


def _order_from_mock_bank_input(*, fix_ibans: bool = False) -> PaymentOrder:
    root = parse_xml(MOCK_BANK_INPUT.read_bytes())
    (payment,) = find_all(root, "CstmrCdtTrfInitn/PmtInf")
    transfers = []
    for node in find_all(payment, "CdtTrfTxInf"):
        iban = text(node, "CdtrAcct/Id/IBAN")
        if fix_ibans and iban == "DE89370400440532013001":
            iban = "DE02120300000000202051"
        transfers.append(
            CreditTransfer(
                end_to_end_id=text(node, "PmtId/EndToEndId"),
                amount=Decimal(text(node, "Amt/InstdAmt")),
                currency="EUR",
                creditor=Party(name=text(node, "Cdtr/Nm"), iban=iban),
                remittance_info=text(node, "RmtInf/Ustrd"),
            )
        )
    return PaymentOrder(
        message_id=text(root, "CstmrCdtTrfInitn/GrpHdr/MsgId"),
        payment_info_id=text(payment, "PmtInfId"),
        created_at=CREATED_AT,
        execution_on=dt.date.fromisoformat(text(payment, "ReqdExctnDt/Dt")),
        debtor=Party(
            name=text(payment, "Dbtr/Nm"),
            iban=text(payment, "DbtrAcct/Id/IBAN"),
            bic=text(payment, "DbtrAgt/FinInstnId/BICFI"),
        ),
        transfers=tuple(transfers),
        service_level="SEPA",
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_usd_ach_order_is_valid_against_the_xsd(version: str) -> None:
    """Layout after SVAPNIL goldman_sachs/pain_001_ach_credit.xml (a template): USABA
    routing numbers, LclInstrm, Othr/Id accounts; ours is consistent and XSD-valid."""
    data = build_pain001(_usd_order(), version=version)

    root = parse_xml(data)
    payment = "CstmrCdtTrfInitn/PmtInf"
    assert xsd.validate(root, f"pain.{version}") == []
    assert _texts(root, f"{payment}/PmtTpInf/LclInstrm/Cd") == ["CCD"]
    assert _texts(root, f"{payment}/PmtTpInf/SvcLvl/Cd") == []
    assert _texts(root, f"{payment}/DbtrAgt/FinInstnId/ClrSysMmbId/ClrSysId/Cd") == ["USABA"]
    assert _texts(root, f"{payment}/DbtrAgt/FinInstnId/ClrSysMmbId/MmbId") == ["021000021"]
    assert _texts(root, f"{payment}/DbtrAcct/Id/Othr/Id") == ["123456789"]
    assert _texts(root, f"{payment}/ChrgBr") == ["DEBT"]
    tx = f"{payment}/CdtTrfTxInf"
    assert _texts(root, f"{tx}/CdtrAgt/FinInstnId/ClrSysMmbId/MmbId") == ["011000015"]
    assert _texts(root, f"{tx}/CdtrAcct/Id/Othr/Id") == ["987654321"]
    assert _texts(root, f"{tx}/Amt/InstdAmt") == ["510.24"]
    assert find_all(root, f"{tx}/Amt/InstdAmt")[0].get("Ccy") == "USD"
    assert _texts(root, "CstmrCdtTrfInitn/GrpHdr/CtrlSum") == ["510.24"]


def test_schema_failure_blocks_the_export() -> None:
    # A service level code longer than the XSD's 4 characters passes our own checks.
    order = _usd_order(service_level="NOTACODE")

    with pytest.raises(ValidationError, match="fails its XSD"):
        build_pain001(order)


def test_more_decimals_than_the_currency_allows_are_refused() -> None:
    transfer = dataclasses.replace(_usd_order().transfers[0], amount=Decimal("10.005"))

    with pytest.raises(ValidationError, match=r"US-E2E-1.*more decimals than USD"):
        build_pain001(_usd_order(transfers=(transfer,)))


def test_minor_units_follow_the_currency() -> None:
    assert format_amount(Decimal("1000"), "JPY") == "1000"
    assert format_amount(Decimal("1.5"), "KWD") == "1.500"
    assert format_amount(Decimal("7"), "EUR") == "7.00"
    with pytest.raises(ValidationError):
        format_amount(Decimal("1000.5"), "JPY")
    with pytest.raises(ValidationError):
        format_amount(Decimal("0"), "EUR")


def test_bad_routing_number_is_refused() -> None:
    creditor = dataclasses.replace(_usd_order().transfers[0].creditor, routing_number="011000016")
    transfer = dataclasses.replace(_usd_order().transfers[0], creditor=creditor)

    with pytest.raises(ValidationError, match=r"US-E2E-1.*routing number 011000016"):
        build_pain001(_usd_order(transfers=(transfer,)))


def test_sepa_refuses_a_non_euro_transfer() -> None:
    transfer = dataclasses.replace(_sepa_order().transfers[1], currency="USD")

    with pytest.raises(ValidationError, match="E2E-2"):
        build_pain001(_sepa_order(transfers=(transfer,)))


def test_unsupported_version_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"001\.001\.05"):
        build_pain001(_sepa_order(), version="001.001.05")


@settings(max_examples=25, deadline=None)
@given(
    amounts=st.lists(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2),
        min_size=1,
        max_size=8,
    )
)
def test_ctrl_sum_is_the_sum_of_the_instructed_amounts(amounts: list[Decimal]) -> None:
    base = _usd_order().transfers[0]
    transfers = tuple(dataclasses.replace(base, end_to_end_id=f"E2E-{i}", amount=a) for i, a in enumerate(amounts))

    root = parse_xml(build_pain001(_usd_order(transfers=transfers)))

    (ctrl_sum,) = _texts(root, "CstmrCdtTrfInitn/GrpHdr/CtrlSum")
    assert Decimal(ctrl_sum) == sum(amounts, Decimal(0))
    assert _texts(root, "CstmrCdtTrfInitn/PmtInf/NbOfTxs") == [str(len(amounts))]
