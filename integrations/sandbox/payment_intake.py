"""The bank's intake of a pain.001: read it safely, check it against the official XSD, then
decide per transfer what a bank would (accept, or reject with an ISO reason code)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Final

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from integrations.formats import xsd
from integrations.formats.errors import FormatError
from integrations.formats.xmlsafe import (
    Element,
    child,
    children,
    find,
    local_name,
    message_name,
    parse_xml,
    text,
    texts,
)

ACCEPTED: Final = "ACCP"
REJECTED: Final = "RJCT"
PARTLY: Final = "PART"
# ISO 20022 external status reason codes the sandbox bank uses.
WRONG_ACCOUNT: Final = "AC01"  # IncorrectAccountNumber: the creditor IBAN fails its checksum or format
WRONG_DEBTOR_ACCOUNT: Final = "AC02"  # InvalidDebtorAccountNumber
WRONG_BANK_CODE: Final = "RC01"  # BankIdentifierIncorrect: an ABA routing number fails its check digit
WRONG_CONTROL_SUM: Final = "AM10"
WRONG_COUNT: Final = "AM18"
DUPLICATE: Final = "DU01"  # DuplicateMessageID
_ELEMENT = re.compile(r"Element '(?:\{[^}]*\})?([^']+)'")
_ROUTING_NUMBER = re.compile(r"^\d{9}$")


class IntakeError(ValueError):
    """The document is refused outright (422): not XML, not pain.001, or not valid against its XSD."""

    def __init__(self, message: str, element: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.element = element


@dataclasses.dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    instruction_id: str
    amount: Decimal
    amount_text: str
    currency: str
    creditor_name: str
    creditor_iban: str
    creditor_account: str
    creditor_routing: str
    remittance_info: str


@dataclasses.dataclass(frozen=True)
class PaymentBlock:
    payment_info_id: str
    debtor_iban: str
    execution_on: str
    declared_count: str
    declared_sum: str
    transfers: tuple[Transfer, ...]


@dataclasses.dataclass(frozen=True)
class PaymentFile:
    message: str  # e.g. "pain.001.001.09"
    message_id: str
    created_at: str
    declared_count: str
    declared_sum: str
    blocks: tuple[PaymentBlock, ...]

    @property
    def transfers(self) -> tuple[Transfer, ...]:
        return tuple(t for b in self.blocks for t in b.transfers)


@dataclasses.dataclass(frozen=True)
class TransferStatus:
    transfer: Transfer
    status: str
    reason: str = ""
    info: str = ""


@dataclasses.dataclass(frozen=True)
class BlockStatus:
    block: PaymentBlock
    status: str
    transfers: tuple[TransferStatus, ...]
    reason: str = ""
    info: str = ""


@dataclasses.dataclass(frozen=True)
class Decision:
    status: str
    blocks: tuple[BlockStatus, ...]
    reason: str = ""
    info: str = ""


def read_pain001(data: bytes, *, max_bytes: int) -> PaymentFile:
    """The payment file in data; IntakeError naming the element at fault when it cannot be taken."""
    try:
        root = parse_xml(data, max_bytes=max_bytes)
    except FormatError as exc:
        raise IntakeError(exc.message, None) from exc
    name = message_name(root)
    if not name.startswith("pain.001."):
        raise IntakeError(f"not a pain.001 document (namespace {name or 'none'})", local_name(root))
    if not xsd.has_schema(name):
        raise IntakeError(f"{name} is not supported; send pain.001.001.03 or pain.001.001.09", local_name(root))
    errors = xsd.validate(root, name)
    if errors:
        match = _ELEMENT.search(errors[0])
        raise IntakeError(f"{name} fails its XSD: {errors[0]}", match.group(1) if match else None)
    initiation = root[0]
    header = child(initiation, "GrpHdr")
    assert header is not None  # the XSD requires it
    return PaymentFile(
        message=name,
        message_id=text(header, "MsgId"),
        created_at=text(header, "CreDtTm"),
        declared_count=text(header, "NbOfTxs"),
        declared_sum=text(header, "CtrlSum"),
        blocks=tuple(_block(b) for b in children(initiation, "PmtInf")),
    )


def _block(block: Element) -> PaymentBlock:
    # pain.001.001.03 writes the date as the element's text, .09 inside Dt (or DtTm).
    execution = find(block, "ReqdExctnDt")
    execution_on = ""
    if execution is not None:
        execution_on = text(execution) or text(execution, "Dt") or text(execution, "DtTm")[:10]
    return PaymentBlock(
        payment_info_id=text(block, "PmtInfId"),
        debtor_iban=text(block, "DbtrAcct/Id/IBAN"),
        execution_on=execution_on,
        declared_count=text(block, "NbOfTxs"),
        declared_sum=text(block, "CtrlSum"),
        transfers=tuple(_transfer(t) for t in children(block, "CdtTrfTxInf")),
    )


def _transfer(node: Element) -> Transfer:
    amount = find(node, "Amt/InstdAmt")
    amount_text = text(amount)
    remittance = child(node, "RmtInf")
    return Transfer(
        end_to_end_id=text(node, "PmtId/EndToEndId"),
        instruction_id=text(node, "PmtId/InstrId"),
        amount=Decimal(amount_text),
        amount_text=amount_text,
        currency=amount.get("Ccy", "") if amount is not None else "",
        creditor_name=text(node, "Cdtr/Nm"),
        creditor_iban=text(node, "CdtrAcct/Id/IBAN"),
        creditor_account=text(node, "CdtrAcct/Id/Othr/Id"),
        creditor_routing=text(node, "CdtrAgt/FinInstnId/ClrSysMmbId/MmbId"),
        remittance_info=" ".join(texts(remittance, "Ustrd")) if remittance is not None else "",
    )


def assess(
    payment: PaymentFile, *, earlier_payment_id: str | None, refused: Mapping[str, tuple[str, str]] | None = None
) -> Decision:
    """What the bank makes of a file it has taken in: a whole-file rejection (a message id it has
    seen, totals that do not add up), or a status per transfer. `refused` maps a creditor IBAN or
    account number to the (reason code, text) the bank rejects transfers to it with (a closed
    account: AC04)."""
    transfers = payment.transfers
    file_problem: tuple[str, str] | None = None
    if earlier_payment_id is not None:
        file_problem = (DUPLICATE, f"message {payment.message_id} was received before as {earlier_payment_id}")
    elif payment.declared_count != str(len(transfers)):
        file_problem = (WRONG_COUNT, f"NbOfTxs {payment.declared_count} but {len(transfers)} transfers")
    elif payment.declared_sum and Decimal(payment.declared_sum) != sum((t.amount for t in transfers), Decimal(0)):
        file_problem = (WRONG_CONTROL_SUM, f"CtrlSum {payment.declared_sum} is not the sum of the transfers")
    if file_problem is not None:
        reason, info = file_problem
        blocks = tuple(
            BlockStatus(
                block,
                REJECTED,
                tuple(TransferStatus(t, REJECTED, reason, info) for t in block.transfers),
                reason,
                info,
            )
            for block in payment.blocks
        )
        return Decision(REJECTED, blocks, reason, info)
    blocks = tuple(_assess_block(block, refused or {}) for block in payment.blocks)
    return Decision(_summary([b.status for b in blocks]), blocks)


def _assess_block(block: PaymentBlock, refused: Mapping[str, tuple[str, str]]) -> BlockStatus:
    debtor_problem = _iban_problem(block.debtor_iban) if block.debtor_iban else None
    if debtor_problem is not None:
        info = f"debtor IBAN {block.debtor_iban}: {debtor_problem}"
        statuses = tuple(TransferStatus(t, REJECTED, WRONG_DEBTOR_ACCOUNT, info) for t in block.transfers)
        return BlockStatus(block, REJECTED, statuses, WRONG_DEBTOR_ACCOUNT, info)
    statuses = tuple(_assess_transfer(t, refused) for t in block.transfers)
    return BlockStatus(block, _summary([s.status for s in statuses]), statuses)


def _assess_transfer(transfer: Transfer, refused: Mapping[str, tuple[str, str]]) -> TransferStatus:
    account = transfer.creditor_iban or transfer.creditor_account
    if account in refused:
        reason, info = refused[account]
        return TransferStatus(transfer, REJECTED, reason, info)
    if transfer.creditor_iban:
        problem = _iban_problem(transfer.creditor_iban)
        if problem is not None:
            return TransferStatus(transfer, REJECTED, WRONG_ACCOUNT, f"IBAN {transfer.creditor_iban}: {problem}")
    if transfer.creditor_routing and not aba_is_valid(transfer.creditor_routing):
        info = f"routing number {transfer.creditor_routing} fails its check digit"
        return TransferStatus(transfer, REJECTED, WRONG_BANK_CODE, info)
    return TransferStatus(transfer, ACCEPTED)


def _iban_problem(iban: str) -> str | None:
    try:
        IBAN(iban)
    except SchwiftyException as exc:
        return str(exc) or type(exc).__name__
    return None


def aba_is_valid(routing_number: str) -> bool:
    if not _ROUTING_NUMBER.match(routing_number):
        return False
    digits = [int(d) for d in routing_number]
    return (3 * sum(digits[0::3]) + 7 * sum(digits[1::3]) + sum(digits[2::3])) % 10 == 0


def _summary(statuses: list[str]) -> str:
    if statuses and all(s == ACCEPTED for s in statuses):
        return ACCEPTED
    if all(s == REJECTED for s in statuses):
        return REJECTED
    return PARTLY
