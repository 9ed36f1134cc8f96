"""pain.001 (Customer Credit Transfer Initiation) writer, versions .001.001.03 and .001.001.09.

SEPA EUR orders go through `sepaxml` (it takes integer cents); everything else (USD over
ACH, cross-border, accounts without IBAN) is built here with lxml. Both paths are checked
before and after: every IBAN against its checksum (sepaxml checks none), every amount against
its currency's minor units (more decimals are refused, never rounded away), and the finished
document against the official XSD. Nothing leaves this module unvalidated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from lxml import etree
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaTransfer

from integrations.formats import xsd
from integrations.formats.errors import ValidationError
from integrations.formats.types import CreditTransfer, Party, PaymentOrder
from integrations.formats.xmlsafe import Element, child, find, parse_xml

SUPPORTED_VERSIONS: Final = ("001.001.03", "001.001.09")
SEPA_SERVICE_LEVEL: Final = "SEPA"
NOT_PROVIDED: Final = "NOTPROVIDED"
MAX_ID_LENGTH: Final = 35
MAX_REMITTANCE_LENGTH: Final = 140

# ISO 4217 currencies whose minor unit is not 2 (all others have 2).
MINOR_UNITS: Final[dict[str, int]] = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI"), 0),
    **dict.fromkeys(("VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_ROUTING_NUMBER = re.compile(r"^\d{9}$")


def build_pain001(order: PaymentOrder, *, version: str = "001.001.09") -> bytes:
    """The pain.001 for order, valid against the official XSD, or ValidationError."""
    if version not in SUPPORTED_VERSIONS:
        raise ValidationError(f"pain.{version} is not supported; use one of {SUPPORTED_VERSIONS}")
    _check_order(order)
    if order.service_level == SEPA_SERVICE_LEVEL:
        _check_sepa(order)
        document = _build_sepa(order, version)
    else:
        document = _build_generic(order, version)
    return _validated(document, f"pain.{version}")


def minor_units(currency: str) -> int:
    if not _CURRENCY.match(currency):
        raise ValidationError(f"{currency!r} is not an ISO 4217 currency code")
    return MINOR_UNITS.get(currency, 2)


def format_amount(amount: Decimal, currency: str, *, end_to_end_id: str = "") -> str:
    """amount with exactly the currency's decimals; refuses a finer amount or a non-positive one."""
    places = minor_units(currency)
    quantum = Decimal(1).scaleb(-places)
    where = f"transfer {end_to_end_id}: " if end_to_end_id else ""
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(f"{where}amount {amount} must be a positive number")
    if amount != amount.quantize(quantum):
        raise ValidationError(f"{where}amount {amount} has more decimals than {currency} allows ({places})")
    return f"{amount.quantize(quantum):f}"


# --- checks before building ---------------------------------------------------------------


def _check_order(order: PaymentOrder) -> None:
    if not order.transfers:
        raise ValidationError(f"payment order {order.message_id} has no transfers")
    for name, value in (
        ("message_id", order.message_id),
        ("payment_info_id", order.payment_info_id),
    ):
        _check_id(name, value, "payment order")
    _check_party(order.debtor, "debtor account")
    for transfer in order.transfers:
        _check_transfer(transfer)


def _check_transfer(transfer: CreditTransfer) -> None:
    e2e = transfer.end_to_end_id
    _check_id("end_to_end_id", e2e, "transfer")
    if transfer.instruction_id:
        _check_id("instruction_id", transfer.instruction_id, f"transfer {e2e}")
    format_amount(transfer.amount, transfer.currency, end_to_end_id=e2e)
    if len(transfer.remittance_info) > MAX_REMITTANCE_LENGTH:
        raise ValidationError(f"transfer {e2e}: remittance information is longer than {MAX_REMITTANCE_LENGTH}")
    _check_party(transfer.creditor, f"transfer {e2e}")


def _check_id(name: str, value: str, where: str) -> None:
    if not value or len(value) > MAX_ID_LENGTH:
        raise ValidationError(f"{where}: {name} {value!r} must be 1 to {MAX_ID_LENGTH} characters")


def _check_party(party: Party, where: str) -> None:
    if not party.name:
        raise ValidationError(f"{where}: the account holder has no name")
    if party.iban:
        try:
            IBAN(party.iban)
        except SchwiftyException as exc:
            raise ValidationError(f"{where}: IBAN {party.iban} is not valid ({exc})") from exc
    elif not party.account_number:
        raise ValidationError(f"{where}: neither an IBAN nor an account number")
    if party.bic:
        try:
            BIC(party.bic)
        except SchwiftyException as exc:
            raise ValidationError(f"{where}: BIC {party.bic} is not valid ({exc})") from exc
    if party.routing_number and not _aba_is_valid(party.routing_number):
        raise ValidationError(f"{where}: routing number {party.routing_number} is not valid")


def _aba_is_valid(routing_number: str) -> bool:
    if not _ROUTING_NUMBER.match(routing_number):
        return False
    digits = [int(d) for d in routing_number]
    weighted = 3 * sum(digits[0::3]) + 7 * sum(digits[1::3]) + sum(digits[2::3])
    return weighted % 10 == 0


def _check_sepa(order: PaymentOrder) -> None:
    if not order.debtor.iban:
        raise ValidationError("SEPA order: the debtor account has no IBAN")
    if order.charge_bearer != "SLEV":
        raise ValidationError(f"SEPA order: charge bearer must be SLEV, not {order.charge_bearer}")
    for transfer in order.transfers:
        if transfer.currency != "EUR" or not transfer.creditor.iban:
            raise ValidationError(f"transfer {transfer.end_to_end_id}: a SEPA transfer needs EUR and an IBAN")


# --- SEPA, through sepaxml ----------------------------------------------------------------


def _build_sepa(order: PaymentOrder, version: str) -> Element:
    config: dict[str, object] = {
        "name": order.debtor.name,
        "IBAN": _compact(order.debtor.iban),
        "batch": True,  # one PmtInf per execution date: our order has exactly one
        "currency": "EUR",
    }
    if order.debtor.bic:
        config["BIC"] = order.debtor.bic
    transfer = SepaTransfer(config, schema=f"pain.{version}", clean=True)
    for item in order.transfers:
        transfer.add_payment(_sepa_payment(item, order))
    # sepaxml invents ids and the creation time; _adopt_ids puts ours in before validation.
    document = parse_xml(transfer.export(validate=False))
    _adopt_ids(document, order)
    return document


def _sepa_payment(item: CreditTransfer, order: PaymentOrder) -> dict[str, object]:
    payment: dict[str, object] = {
        "name": item.creditor.name,
        "IBAN": _compact(item.creditor.iban),
        "amount": int(item.amount.scaleb(2)),  # exact: format_amount refused finer amounts
        "execution_date": order.execution_on,
        "description": item.remittance_info,
        "endtoend_id": item.end_to_end_id,
    }
    if item.creditor.bic:
        payment["BIC"] = item.creditor.bic
    return payment


def _adopt_ids(document: Element, order: PaymentOrder) -> None:
    initiation = document[0]
    _set_text(find(initiation, "GrpHdr/MsgId"), order.message_id)
    _set_text(find(initiation, "GrpHdr/CreDtTm"), _timestamp(order))
    _set_text(find(initiation, "GrpHdr/InitgPty/Nm"), order.initiating_party or order.debtor.name)
    payment_info = child(initiation, "PmtInf")
    if payment_info is None:
        raise ValidationError("sepaxml produced no PmtInf")
    _set_text(child(payment_info, "PmtInfId"), order.payment_info_id)
    _set_text(child(payment_info, "BtchBookg"), _boolean(order.batch_booking))
    if order.local_instrument:
        _add_local_instrument(payment_info, order.local_instrument)
    for node, item in zip(_transactions(payment_info), order.transfers, strict=True):
        _adopt_transaction(node, item)


def _adopt_transaction(node: Element, item: CreditTransfer) -> None:
    payment_id = child(node, "PmtId")
    if payment_id is not None and item.instruction_id:
        instruction = etree.Element(etree.QName(payment_id, "InstrId").text)
        instruction.text = item.instruction_id
        payment_id.insert(0, instruction)
    remittance = child(node, "RmtInf")
    if remittance is not None and not "".join(remittance.itertext()).strip():
        node.remove(remittance)  # sepaxml writes an empty Ustrd, which the XSD refuses


def _add_local_instrument(payment_info: Element, code: str) -> None:
    # sepaxml writes only the service level; SCT Inst and the like also need LclInstrm/Cd.
    service_level = find(payment_info, "PmtTpInf/SvcLvl")
    if service_level is None:
        raise ValidationError("sepaxml output lacks PmtTpInf/SvcLvl")
    local = etree.Element(etree.QName(service_level, "LclInstrm").text)
    etree.SubElement(local, etree.QName(service_level, "Cd").text).text = code
    service_level.addnext(local)


def _transactions(payment_info: Element) -> list[Element]:
    return [c for c in payment_info if etree.QName(c).localname == "CdtTrfTxInf"]


def _set_text(node: Element | None, value: str) -> None:
    if node is None:
        raise ValidationError("sepaxml output lacks an element this writer fills in")
    node.text = value


# --- everything else, built here ------------------------------------------------------------


class _Writer:
    """Builds one pain.001 tree in the element order the XSD prescribes."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.ns = f"urn:iso:std:iso:20022:tech:xsd:pain.{version}"
        self.is_v03 = version == "001.001.03"

    def element(self, parent: Element | None, name: str, value: str | None = None) -> Element:
        tag = f"{{{self.ns}}}{name}"
        node = etree.Element(tag, nsmap={None: self.ns}) if parent is None else etree.SubElement(parent, tag)
        if value is not None:
            node.text = value
        return node

    def party(self, parent: Element, name: str, party: Party) -> None:
        node = self.element(parent, name)
        self.element(node, "Nm", party.name)
        if party.country or party.address_lines:
            address = self.element(node, "PstlAdr")
            if party.country:
                self.element(address, "Ctry", party.country)
            for line in party.address_lines[:7]:
                self.element(address, "AdrLine", line)

    def account(self, parent: Element, name: str, party: Party) -> None:
        identification = self.element(self.element(parent, name), "Id")
        if party.iban:
            self.element(identification, "IBAN", _compact(party.iban))
        else:
            self.element(self.element(identification, "Othr"), "Id", party.account_number)

    def agent(self, parent: Element, name: str, party: Party, *, required: bool) -> None:
        if not (party.bic or party.routing_number or required):
            return
        institution = self.element(self.element(parent, name), "FinInstnId")
        if party.bic:
            self.element(institution, "BIC" if self.is_v03 else "BICFI", party.bic)
        if party.routing_number:
            member = self.element(institution, "ClrSysMmbId")
            self.element(self.element(member, "ClrSysId"), "Cd", "USABA")
            self.element(member, "MmbId", party.routing_number)
        if not (party.bic or party.routing_number):
            self.element(self.element(institution, "Othr"), "Id", NOT_PROVIDED)


def _build_generic(order: PaymentOrder, version: str) -> Element:
    w = _Writer(version)
    document = w.element(None, "Document")
    initiation = w.element(document, "CstmrCdtTrfInitn")
    header = w.element(initiation, "GrpHdr")
    w.element(header, "MsgId", order.message_id)
    w.element(header, "CreDtTm", _timestamp(order))
    _write_totals(w, header, order.transfers)
    w.element(w.element(header, "InitgPty"), "Nm", order.initiating_party or order.debtor.name)
    _write_payment_info(w, initiation, order)
    return document


def _write_payment_info(w: _Writer, parent: Element, order: PaymentOrder) -> None:
    payment_info = w.element(parent, "PmtInf")
    w.element(payment_info, "PmtInfId", order.payment_info_id)
    w.element(payment_info, "PmtMtd", "TRF")
    w.element(payment_info, "BtchBookg", _boolean(order.batch_booking))
    _write_totals(w, payment_info, order.transfers)
    if order.service_level or order.local_instrument:
        payment_type = w.element(payment_info, "PmtTpInf")
        if order.service_level:
            w.element(w.element(payment_type, "SvcLvl"), "Cd", order.service_level)
        if order.local_instrument:
            w.element(w.element(payment_type, "LclInstrm"), "Cd", order.local_instrument)
    execution = order.execution_on.isoformat()
    if w.is_v03:
        w.element(payment_info, "ReqdExctnDt", execution)
    else:
        w.element(w.element(payment_info, "ReqdExctnDt"), "Dt", execution)
    w.party(payment_info, "Dbtr", order.debtor)
    w.account(payment_info, "DbtrAcct", order.debtor)
    w.agent(payment_info, "DbtrAgt", order.debtor, required=True)
    w.element(payment_info, "ChrgBr", order.charge_bearer)
    for transfer in order.transfers:
        _write_transaction(w, payment_info, transfer)


def _write_transaction(w: _Writer, parent: Element, transfer: CreditTransfer) -> None:
    node = w.element(parent, "CdtTrfTxInf")
    payment_id = w.element(node, "PmtId")
    if transfer.instruction_id:
        w.element(payment_id, "InstrId", transfer.instruction_id)
    w.element(payment_id, "EndToEndId", transfer.end_to_end_id)
    amount = format_amount(transfer.amount, transfer.currency, end_to_end_id=transfer.end_to_end_id)
    w.element(w.element(node, "Amt"), "InstdAmt", amount).set("Ccy", transfer.currency)
    w.agent(node, "CdtrAgt", transfer.creditor, required=False)
    w.party(node, "Cdtr", transfer.creditor)
    w.account(node, "CdtrAcct", transfer.creditor)
    if transfer.remittance_info:
        w.element(w.element(node, "RmtInf"), "Ustrd", transfer.remittance_info)


def _write_totals(w: _Writer, parent: Element, transfers: Iterable[CreditTransfer]) -> None:
    items = list(transfers)
    w.element(parent, "NbOfTxs", str(len(items)))
    w.element(parent, "CtrlSum", control_sum(items))


def control_sum(transfers: Iterable[CreditTransfer]) -> str:
    """ISO CtrlSum: the plain sum of the instructed amounts as written, whatever their
    currencies."""
    amounts = (Decimal(format_amount(t.amount, t.currency)) for t in transfers)
    return f"{sum(amounts, Decimal(0)):f}"


# --- shared ----------------------------------------------------------------------------------


def _validated(document: Element, message: str) -> bytes:
    errors = xsd.validate(document, message)
    if errors:
        raise ValidationError(f"the {message} we built fails its XSD: " + "; ".join(errors))
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _timestamp(order: PaymentOrder) -> str:
    return order.created_at.replace(microsecond=0).isoformat()


def _boolean(value: bool) -> str:
    return "true" if value else "false"


def _compact(iban: str) -> str:
    return iban.replace(" ", "").upper()
