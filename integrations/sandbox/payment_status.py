"""The bank's answer to a payment file: a pain.002.001.03 Customer Payment Status Report."""

from __future__ import annotations

import datetime as dt
from typing import Final

from lxml import etree

from integrations.sandbox.iso_xml import IsoWriter
from integrations.sandbox.payment_intake import Decision, PaymentFile, TransferStatus

MESSAGE: Final = "pain.002.001.03"
NAMESPACE: Final = f"urn:iso:std:iso:20022:tech:xsd:{MESSAGE}"
RECEIVED: Final = "RCVD"
MAX_INFO: Final = 105  # AddtlInf is Max105Text


class _Writer(IsoWriter):
    namespace = NAMESPACE

    def reason(self, parent: etree._Element, code: str, info: str) -> None:
        if not code:
            return
        reason = self.add(parent, "StsRsnInf")
        self.add(self.add(reason, "Rsn"), "Cd", code)
        if info:
            self.add(reason, "AddtlInf", info[:MAX_INFO])


def build_pain002(payment: PaymentFile, decision: Decision | None, *, report_id: str, created_at: dt.datetime) -> bytes:
    """The status report for payment: with decision, the final report with a status per block and
    per transfer; without, the acknowledgement that the file was received (group status RCVD)."""
    w = _Writer()
    report = w.add(w.root, "CstmrPmtStsRpt")
    header = w.add(report, "GrpHdr")
    w.add(header, "MsgId", report_id)
    w.add(header, "CreDtTm", created_at.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat())
    group = w.add(report, "OrgnlGrpInfAndSts")
    w.add(group, "OrgnlMsgId", payment.message_id)
    w.add(group, "OrgnlMsgNmId", payment.message)
    w.add(group, "OrgnlNbOfTxs", str(len(payment.transfers)))
    if payment.declared_sum:
        w.add(group, "OrgnlCtrlSum", payment.declared_sum)
    w.add(group, "GrpSts", decision.status if decision else RECEIVED)
    if decision is None:
        return _serialize(w.root)
    w.reason(group, decision.reason, decision.info)
    for block_status in decision.blocks:
        block = block_status.block
        node = w.add(report, "OrgnlPmtInfAndSts")
        w.add(node, "OrgnlPmtInfId", block.payment_info_id)
        w.add(node, "OrgnlNbOfTxs", str(len(block.transfers)))
        w.add(node, "PmtInfSts", block_status.status)
        w.reason(node, block_status.reason, block_status.info)
        for n, status in enumerate(block_status.transfers, 1):
            _transaction(w, node, status, f"{report_id}-{n}"[-35:], block.execution_on)
    return _serialize(w.root)


def _transaction(w: _Writer, parent: etree._Element, status: TransferStatus, status_id: str, execution_on: str) -> None:
    transfer = status.transfer
    node = w.add(parent, "TxInfAndSts")
    w.add(node, "StsId", status_id)
    if transfer.instruction_id:
        w.add(node, "OrgnlInstrId", transfer.instruction_id)
    w.add(node, "OrgnlEndToEndId", transfer.end_to_end_id)
    w.add(node, "TxSts", status.status)
    w.reason(node, status.reason, status.info)
    original = w.add(node, "OrgnlTxRef")
    w.add(w.add(original, "Amt"), "InstdAmt", transfer.amount_text).set("Ccy", transfer.currency)
    if execution_on:
        w.add(original, "ReqdExctnDt", execution_on)
    w.add(w.add(original, "Cdtr"), "Nm", transfer.creditor_name or "NOTPROVIDED")
    account = w.add(w.add(original, "CdtrAcct"), "Id")
    if transfer.creditor_iban:
        w.add(account, "IBAN", transfer.creditor_iban)
    else:
        w.add(w.add(account, "Othr"), "Id", transfer.creditor_account or "NOTPROVIDED")


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
