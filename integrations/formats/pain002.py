"""pain.002 (Customer Payment Status Report) reader, .001.03 through .001.10 and later.

Banks report at three levels: the group (GrpSts), each payment-information block
(PmtInfSts) and each transaction (TxSts). Every level is kept, and every TxInfAndSts of a
block, not only the first. One bank spells the namespace declaration `Xmlns=`, which puts
the whole document in no namespace: elements are matched by local name, so it reads alike.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Final

from integrations.formats import xsd
from integrations.formats.errors import FormatError, UnknownFormatError
from integrations.formats.namespaces import message_in_namespace
from integrations.formats.types import (
    PaymentInfoStatus,
    PaymentStatusReport,
    StatusReason,
    TransactionStatus,
)
from integrations.formats.xmlsafe import (
    DEFAULT_MAX_BYTES,
    Element,
    child,
    children,
    find,
    first_text,
    local_name,
    message_name,
    namespace,
    parse_xml,
    text,
    texts,
)

MESSAGE_ELEMENT: Final = "CstmrPmtStsRpt"
_AMOUNT = re.compile(r"^[0-9]{1,18}(\.[0-9]{1,18})?$")


def parse_pain002(
    data: bytes,
    filename: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    validate_schema: bool = True,
) -> PaymentStatusReport:
    """Read a pain.002. Raises FormatError when it is not one or lacks its identifiers;
    XSD failures become warnings."""
    root = parse_xml(data, filename=filename, max_bytes=max_bytes)
    report = _message(root, filename)
    header = _required(report, "GrpHdr", filename)
    group = _required(report, "OrgnlGrpInfAndSts", filename)
    name = message_name(root)
    warnings = _schema_warnings(root, name) if validate_schema else []
    try:
        payments = tuple(
            _payment(block, f"{MESSAGE_ELEMENT}/OrgnlPmtInfAndSts[{i}]")
            for i, block in enumerate(children(report, "OrgnlPmtInfAndSts"), 1)
        )
        created_at = _optional_datetime(header, "CreDtTm", f"{MESSAGE_ELEMENT}/GrpHdr/CreDtTm")
    except FormatError as exc:
        raise FormatError(exc.message, filename=filename, line=exc.line, element=exc.element) from exc
    return PaymentStatusReport(
        message_id=_required_text(header, "MsgId", filename),
        original_message_id=_required_text(group, "OrgnlMsgId", filename),
        version=name.split(".", 2)[2] if name.startswith("pain.002.") else "",
        created_at=created_at,
        initiating_party=first_text(header, ("InitgPty/Nm", "InitgPty/Pty/Nm")),
        original_message_type=text(group, "OrgnlMsgNmId"),
        group_status=text(group, "GrpSts"),
        group_reasons=_reasons(group),
        payments=payments,
        warnings=tuple(warnings),
    )


def _message(root: Element, filename: str | None) -> Element:
    report = child(root, MESSAGE_ELEMENT) if local_name(root) == "Document" else None
    if report is None:
        raise UnknownFormatError(f"not a pain.002: expected Document/{MESSAGE_ELEMENT}", filename=filename, line=1)
    try:
        message_in_namespace(MESSAGE_ELEMENT, namespace(report), attributes=[str(v) for v in root.attrib.values()])
    except UnknownFormatError as error:
        if filename:
            raise error.with_filename(filename) from None
        raise
    return report


def _required(parent: Element, name: str, filename: str | None) -> Element:
    found = child(parent, name)
    if found is None:
        raise FormatError(
            f"missing {name}",
            filename=filename,
            element=f"{MESSAGE_ELEMENT}/{name}",
            line=parent.sourceline,
        )
    return found


def _required_text(parent: Element, name: str, filename: str | None) -> str:
    value = text(parent, name)
    if not value:
        raise FormatError(
            f"missing {name}",
            filename=filename,
            element=f"{MESSAGE_ELEMENT}/{local_name(parent)}/{name}",
            line=parent.sourceline,
        )
    return value


def _payment(block: Element, path: str) -> PaymentInfoStatus:
    payment_info_id = text(block, "OrgnlPmtInfId")
    return PaymentInfoStatus(
        payment_info_id=payment_info_id,
        status=text(block, "PmtInfSts"),
        reasons=_reasons(block),
        transactions=tuple(
            _transaction(tx, payment_info_id, f"{path}/TxInfAndSts[{i}]")
            for i, tx in enumerate(children(block, "TxInfAndSts"), 1)
        ),
    )


def _transaction(element: Element, payment_info_id: str, path: str) -> TransactionStatus:
    amount, currency = _original_amount(element, path)
    return TransactionStatus(
        status=text(element, "TxSts"),
        payment_info_id=payment_info_id,
        original_instruction_id=text(element, "OrgnlInstrId"),
        original_end_to_end_id=text(element, "OrgnlEndToEndId"),
        amount=amount,
        currency=currency,
        reasons=_reasons(element),
    )


def _original_amount(element: Element, path: str) -> tuple[Decimal | None, str]:
    for sub in ("OrgnlTxRef/Amt/InstdAmt", "OrgnlTxRef/Amt/EqvtAmt/Amt"):
        target = find(element, sub)
        if target is not None:
            raw = text(target)
            if not _AMOUNT.match(raw):
                raise FormatError(f"{raw!r} is not an amount", element=f"{path}/{sub}", line=target.sourceline)
            return Decimal(raw), target.get("Ccy", "")
    return None, ""


def _reasons(element: Element) -> tuple[StatusReason, ...]:
    return tuple(
        StatusReason(
            code=first_text(info, ("Rsn/Cd", "Rsn/Prtry")),
            additional_info=" ".join(" ".join(texts(info, "AddtlInf")).split()),
        )
        for info in children(element, "StsRsnInf")
    )


def _optional_datetime(element: Element, name: str, path: str) -> dt.datetime | None:
    raw = text(element, name)
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise FormatError(f"{raw!r} is not a date and time", element=path, line=element.sourceline) from exc
    # No offset means the bank's local time, which the file does not name: keep the digits.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _schema_warnings(root: Element, name: str) -> list[str]:
    if not namespace(root):
        return ["the document is in no namespace (misspelt xmlns?): XSD validation skipped"]
    if not xsd.has_schema(name):
        return [f"no vendored XSD for {name or 'this namespace'}: not validated"]
    return [f"XSD {name}: {error}" for error in xsd.validate(root, name)]
