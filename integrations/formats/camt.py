"""camt.052 (Rpt), camt.053 (Stmt) and camt.054 (Ntfctn) readers, versions .001.02 onwards.

The reader streams: each Ntry becomes an Entry as soon as its closing tag is read and its
element is then dropped, so a 100,000-entry statement never sits in memory as an XML tree.
parse_camt is the whole-file convenience: it returns every statement or raises, never half.

Rules the product relies on:
- the entry amount is Ntry/Amt; TxDtls amounts never override it (batch entries carry many);
- balances are signed, a DBIT balance is negative;
- a statement that does not reconcile is returned as is (Statement.reconciles says so);
- an account IBAN with a bad checksum is a warning, never a rejection.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Final

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from integrations.formats import xsd
from integrations.formats.errors import FileTooLargeError, FormatError, UnknownFormatError
from integrations.formats.types import (
    AccountRef,
    Balance,
    BankFile,
    CreditDebit,
    Entry,
    Statement,
    TransactionDetail,
)
from integrations.formats.xmlsafe import (
    DEFAULT_MAX_BYTES,
    Element,
    child,
    children,
    find,
    first_text,
    index,
    iterparse_xml,
    local_name,
    message_name,
    namespace,
    parse_xml,
    text,
)

# message element -> (format, statement element)
MESSAGE_KINDS: Final = {
    "BkToCstmrStmt": ("camt.053", "Stmt"),
    "BkToCstmrAcctRpt": ("camt.052", "Rpt"),
    "BkToCstmrDbtCdtNtfctn": ("camt.054", "Ntfctn"),
}
_AMOUNT = re.compile(r"^[0-9]{1,18}(\.[0-9]{1,18})?$")
_DATE = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?$")
_TRUE = frozenset({"true", "1"})
# XSD validation needs the whole tree in memory; above this size the file is only streamed.
SCHEMA_VALIDATION_MAX_BYTES: Final = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CamtHeader:
    """What the group header says about the whole file."""

    format: str
    version: str
    message_id: str = ""
    created_at: dt.datetime | None = None
    receiver: str = ""
    is_namespaced: bool = True


def parse_camt(
    data: bytes,
    filename: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    validate_schema: bool = True,
) -> BankFile:
    """Read a whole camt.052/.053/.054 file. Raises FormatError naming the element if any part
    of it is unusable; XSD failures become BankFile.warnings."""
    if len(data) > max_bytes:
        raise FileTooLargeError(f"file is {len(data)} bytes, above the limit of {max_bytes}", filename=filename)
    header: CamtHeader | None = None
    statements: list[Statement] = []
    for item in _iter_camt(io.BytesIO(data), filename=filename, max_bytes=max_bytes):
        if isinstance(item, CamtHeader):
            header = item
        else:
            statements.append(item)
    assert header is not None  # _iter_camt yields the header before any statement
    warnings = _iban_warnings(statements)
    if validate_schema:
        warnings = _schema_warnings(data, header, filename, max_bytes) + warnings
    return BankFile(
        format=header.format,
        version=header.version,
        message_id=header.message_id,
        created_at=header.created_at,
        receiver=header.receiver,
        statements=tuple(statements),
        warnings=tuple(warnings),
    )


def iter_camt_statements(
    stream: IO[bytes], *, filename: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Statement]:
    """Yield statements one by one from a binary stream, with flat memory.

    A FormatError can come after some statements were yielded (a truncated file): callers
    that store statements must do so in one transaction and roll back on error.
    """
    for item in _iter_camt(stream, filename=filename, max_bytes=max_bytes):
        if isinstance(item, Statement):
            yield item


# --- streaming core ------------------------------------------------------------------------


# Only these elements produce events; lxml filters the rest in C, which halves the cost of
# a large file. The tree under them is still built, and cleared once consumed.
_EVENT_TAGS: Final = tuple(
    f"{{*}}{name}" for name in ("Document", *MESSAGE_KINDS, "GrpHdr", "Stmt", "Rpt", "Ntfctn", "Ntry")
)


class _State:
    """Where the stream is: which statement, how many entries, for error messages."""

    def __init__(self) -> None:
        self.root: Element | None = None
        self.message: Element | None = None
        self.statement: Element | None = None
        self.format = ""
        self.version = ""
        self.is_namespaced = True
        self.message_tag = ""
        self.statement_tag = ""
        self.statement_index = 0
        self.statement_id = ""
        self.account_currency = ""
        self.entries: list[Entry] = []
        self.header: CamtHeader | None = None

    @property
    def statement_path(self) -> str:
        return f"{self.statement_tag}[{self.statement_index}]"

    def where(self) -> str:
        if not self.statement_index:
            return ""
        named = f" (Id {self.statement_id})" if self.statement_id else ""
        return f" in {self.statement_path}{named}"


def _iter_camt(stream: IO[bytes], *, filename: str | None, max_bytes: int) -> Iterator[CamtHeader | Statement]:
    state = _State()
    events = iterparse_xml(stream, filename=filename, max_bytes=max_bytes, tags=_EVENT_TAGS)
    try:
        for event, element in events:
            if event == "start":
                _on_start(state, element)
            else:
                yield from _on_end(state, element)
    except FormatError as exc:
        raise _locate(exc, state, filename) from exc
    _check_complete(state, filename)


def _check_complete(state: _State, filename: str | None) -> None:
    if state.root is None:
        raise UnknownFormatError("the root element is not an ISO 20022 Document", filename=filename)
    if state.message is None:
        found = local_name(state.root[0]) if len(state.root) else "nothing"
        raise UnknownFormatError(
            f"Document holds {found!r}, not a camt.052, camt.053 or camt.054 message",
            filename=filename,
            element=f"Document/{found}",
        )
    if state.statement_index == 0:
        raise FormatError(
            f"no {state.statement_tag} in the document: nothing to import",
            filename=filename,
            element=f"{state.message_tag}/{state.statement_tag}",
        )


def _locate(exc: FormatError, state: _State, filename: str | None) -> FormatError:
    """Add the file name, and name the statement a syntax error (a truncated file) is in."""
    message = exc.message if exc.element else f"{exc.message}{state.where()}"
    return type(exc)(message, filename=exc.filename or filename, line=exc.line, element=exc.element)


def _on_start(state: _State, element: Element) -> None:
    parent = element.getparent()
    name = local_name(element)
    if parent is None and name == "Document":
        state.root = element
        state.is_namespaced = bool(namespace(element))
        message = message_name(element)
        state.version = message.split(".", 2)[2] if message.startswith("camt.") else ""
    elif parent is not None and parent is state.root and name in MESSAGE_KINDS:
        state.message = element
        state.message_tag = name
        state.format, state.statement_tag = MESSAGE_KINDS[name]
    elif parent is not None and parent is state.message and name == state.statement_tag:
        state.statement = element
        state.statement_index += 1
        state.statement_id = ""
        state.entries = []


def _on_end(state: _State, element: Element) -> Iterator[CamtHeader | Statement]:
    parent = element.getparent()
    if parent is None:
        return
    if parent is state.statement and local_name(element) == "Ntry":
        if not state.entries:
            state.statement_id = text(parent, "Id")
            state.account_currency = text(parent, "Acct/Ccy")
        path = f"{state.statement_path}/Ntry[{len(state.entries) + 1}]"
        state.entries.append(_entry(element, path, state.account_currency))
        _discard(element)
    elif parent is state.message and local_name(element) == "GrpHdr":
        state.header = _header(state, element)
        yield state.header
        _discard(element)
    elif element is state.statement:
        if state.header is None:
            state.header = CamtHeader(state.format, state.version, is_namespaced=state.is_namespaced)
            yield state.header
        yield _statement(element, state.entries, state.statement_path)
        state.entries = []
        state.statement = None
        _discard(element)


def _discard(element: Element) -> None:
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


def _header(state: _State, group_header: Element) -> CamtHeader:
    return CamtHeader(
        format=state.format,
        version=state.version,
        message_id=text(group_header, "MsgId"),
        created_at=_optional_datetime(group_header, "CreDtTm", "GrpHdr/CreDtTm"),
        receiver=text(group_header, "MsgRcpt/Nm"),
        is_namespaced=state.is_namespaced,
    )


# --- statement -----------------------------------------------------------------------------


def _statement(element: Element, entries: list[Entry], path: str) -> Statement:
    document_id = text(element, "Id")
    if not document_id:
        raise FormatError("the statement has no Id", element=f"{path}/Id", line=element.sourceline)
    period = find(element, "FrToDt")
    return Statement(
        document_id=document_id,
        account=_account(element, path),
        entries=tuple(entries),
        balances=tuple(_balance(b, f"{path}/Bal[{i}]") for i, b in enumerate(children(element, "Bal"), 1)),
        sequence=first_text(element, ("ElctrncSeqNb", "LglSeqNb")),
        created_at=_optional_datetime(element, "CreDtTm", f"{path}/CreDtTm"),
        from_at=_optional_datetime(period, "FrDtTm", f"{path}/FrToDt/FrDtTm"),
        to_at=_optional_datetime(period, "ToDtTm", f"{path}/FrToDt/ToDtTm"),
        declared_entry_count=_declared_count(element, path),
        declared_entry_sum=_declared_sum(element, path),
        line=element.sourceline,
    )


def _account(statement: Element, path: str) -> AccountRef:
    account = child(statement, "Acct")
    if account is None:
        raise FormatError("the statement names no account", element=f"{path}/Acct", line=statement.sourceline)
    iban = text(account, "Id/IBAN").replace(" ", "")
    other_id = text(account, "Id/Othr/Id")
    if not iban and not other_id:
        raise FormatError(
            "the account has neither an IBAN nor an Othr/Id",
            element=f"{path}/Acct/Id",
            line=account.sourceline,
        )
    return AccountRef(
        iban=iban,
        other_id=other_id,
        currency=text(account, "Ccy"),
        bic=first_text(account, ("Svcr/FinInstnId/BICFI", "Svcr/FinInstnId/BIC")),
        name=first_text(account, ("Nm", "Ownr/Nm", "Ownr/Pty/Nm")),
    )


def _balance(element: Element, path: str) -> Balance:
    kind = first_text(element, ("Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry"))
    if not kind:
        raise FormatError("balance without a type", element=f"{path}/Tp", line=element.sourceline)
    amount, currency = _amount(element, path)
    sign = _credit_debit(element, path, required=amount != 0)
    return Balance(
        type=kind,
        amount=-amount if sign is CreditDebit.DEBIT else amount,
        currency=currency,
        on=_date_choice(child(element, "Dt"), f"{path}/Dt"),
    )


def _declared_count(statement: Element, path: str) -> int | None:
    raw = text(statement, "TxsSummry/TtlNtries/NbOfNtries")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise FormatError(
            f"NbOfNtries {raw!r} is not a count",
            element=f"{path}/TxsSummry/TtlNtries/NbOfNtries",
            line=statement.sourceline,
        )
    return int(raw)


def _declared_sum(statement: Element, path: str) -> Decimal | None:
    raw = text(statement, "TxsSummry/TtlNtries/Sum")
    if not raw:
        return None
    return _decimal(raw, f"{path}/TxsSummry/TtlNtries/Sum", statement.sourceline)


# --- entry ---------------------------------------------------------------------------------


def _entry(element: Element, path: str, account_currency: str) -> Entry:
    parts = index(element)
    get = parts.get
    amount, currency = _amount(element, path, fallback_currency=account_currency, parts=parts)
    direction = _required_credit_debit(element, path, parts=parts)
    code = get("BkTxCd")
    bank_transaction_code, proprietary_code = _bank_transaction_code(code)
    description = _text(get("AddtlNtryInf"))
    return Entry(
        amount=amount,
        currency=currency,
        credit_debit=direction,
        is_reversal=_text(get("RvslInd")).lower() in _TRUE,
        status=_status(get("Sts")),
        booking_on=_entry_date(get("BookgDt"), path, "BookgDt"),
        value_on=_entry_date(get("ValDt"), path, "ValDt"),
        account_servicer_ref=_text(get("AcctSvcrRef")),
        bank_ref=_text(get("NtryRef")),
        bank_transaction_code=bank_transaction_code,
        proprietary_code=proprietary_code,
        description=" ".join(description.split()) if description else "",
        details=_details(element, path, direction) if "NtryDtls" in parts else (),
        line=element.sourceline,
    )


# Lookups below take the first child of a local name in any namespace, as xmlsafe.find does
# step by step, but with the "{*}name" tags spelled once and no per-path helper calls.
_CD: Final = "{*}Cd"
_PRTRY: Final = "{*}Prtry"
_DT: Final = "{*}Dt"
_DTTM: Final = "{*}DtTm"
_DOMN: Final = "{*}Domn"
_FMLY: Final = "{*}Fmly"
_SUBFMLY: Final = "{*}SubFmlyCd"
_NTRY_DTLS: Final = "{*}NtryDtls"
_TX_DTLS: Final = "{*}TxDtls"
_AMT: Final = "{*}Amt"
_TX_AMT: Final = "{*}TxAmt"
_INSTD_AMT: Final = "{*}InstdAmt"
_USTRD: Final = "{*}Ustrd"
_STRD: Final = "{*}Strd"
_CDTR_REF_INF: Final = "{*}CdtrRefInf"
_REF: Final = "{*}Ref"
_NM: Final = "{*}Nm"
_PTY: Final = "{*}Pty"
_AGT: Final = "{*}Agt"
_FIN_INSTN_ID: Final = "{*}FinInstnId"
_BICFI: Final = "{*}BICFI"
_BIC: Final = "{*}BIC"
_ID: Final = "{*}Id"
_IBAN_TAG: Final = "{*}IBAN"
_OTHR: Final = "{*}Othr"
_RSN: Final = "{*}Rsn"


def _first(element: Element | None, tag: str) -> Element | None:
    """The first child matching a "{*}name" tag, or None (also when element is None)."""
    if element is None:
        return None
    return next(element.iterchildren(tag), None)


def _text(element: Element | None) -> str:
    """The stripped text of element, or "" when absent."""
    if element is None:
        return ""
    value = element.text
    return value.strip() if value else ""


def _status(status: Element | None) -> str:
    # .001.02 writes <Sts>BOOK</Sts>; .001.08 wraps it as <Sts><Cd>BOOK</Cd></Sts>.
    if status is None:
        return "BOOK"
    if len(status):
        found = _text(_first(status, _CD)) or _text(_first(status, _PRTRY))
        if found:
            return found
    return _text(status) or "BOOK"


def _bank_transaction_code(code: Element | None) -> tuple[str, str]:
    """(Domn/Cd/Fmly/Cd/SubFmlyCd, or Prtry/Cd when the domain is empty; Prtry/Cd)."""
    if code is None:
        return "", ""
    proprietary = _text(_first(_first(code, _PRTRY), _CD))
    domain = _first(code, _DOMN)
    if domain is not None:
        family = _first(domain, _FMLY)
        parts = (_text(_first(domain, _CD)), _text(_first(family, _CD)), _text(_first(family, _SUBFMLY)))
        if any(parts):
            return "/".join(parts), proprietary
    return proprietary, proprietary


def _details(entry: Element, path: str, direction: CreditDebit) -> tuple[TransactionDetail, ...]:
    found = [d for group in entry.iterchildren(_NTRY_DTLS) for d in group.iterchildren(_TX_DTLS)]
    # The other side of the movement: who paid us on a credit, whom we paid on a debit.
    party, agent = ("Dbtr", "DbtrAgt") if direction is CreditDebit.CREDIT else ("Cdtr", "CdtrAgt")
    return tuple(_detail(d, path, i, party, agent) for i, d in enumerate(found, 1))


def _detail(element: Element, entry_path: str, number: int, party: str, agent: str) -> TransactionDetail:
    parts = index(element)
    get = parts.get
    amount, currency = _detail_amount(element, entry_path, number, parts)
    refs = get("Refs")
    ref = index(refs).get if refs is not None else _EMPTY.get
    remittance = get("RmtInf")
    parties = get("RltdPties")
    agents = get("RltdAgts")
    return_info = get("RtrInf")
    iban = ""
    other_account = ""
    name = ""
    if parties is not None:
        party_parts = index(parties)
        name = _party_name(party_parts.get(party))
        account_id = _first(party_parts.get(f"{party}Acct"), _ID)
        if account_id is not None:
            iban = _text(_first(account_id, _IBAN_TAG)).replace(" ", "")
            other_account = _text(_first(_first(account_id, _OTHR), _ID))
    bic = ""
    if agents is not None:
        institution = _first(index(agents).get(agent), _FIN_INSTN_ID)
        bic = _text(_first(institution, _BICFI)) or _text(_first(institution, _BIC))
    creditor_ref = ""
    remittance_info = ""
    if remittance is not None:
        creditor_ref = " ".join(
            t
            for s in remittance.iterchildren(_STRD)
            for c in s.iterchildren(_CDTR_REF_INF)
            for r in c.iterchildren(_REF)
            if (t := _text(r))
        )
        remittance_info = " ".join(t for u in remittance.iterchildren(_USTRD) if (t := _text(u)))
    return_reason = ""
    if return_info is not None:
        reason = _first(return_info, _RSN)
        return_reason = _text(_first(reason, _CD)) or _text(_first(reason, _PRTRY))
    return TransactionDetail(
        amount=amount,
        currency=currency,
        end_to_end_id=_text(ref("EndToEndId")),
        tx_id=_text(ref("TxId")),
        instruction_id=_text(ref("InstrId")),
        account_servicer_ref=_text(ref("AcctSvcrRef")),
        uetr=_text(ref("UETR")),
        mandate_id=_text(ref("MndtId")),
        creditor_ref=creditor_ref,
        remittance_info=remittance_info,
        counterparty_name=name,
        counterparty_iban=iban,
        counterparty_account=other_account,
        counterparty_bic=bic,
        return_reason=return_reason,
    )


_EMPTY: Final[dict[str, Element]] = {}


def _detail_amount(
    element: Element, entry_path: str, number: int, parts: dict[str, Element]
) -> tuple[Decimal | None, str]:
    # .001.02 puts the amount under AmtDtls; .001.03+ also has TxDtls/Amt.
    sub = "Amt"
    target = parts.get("Amt")
    if target is None:
        details = parts.get("AmtDtls")
        if details is None:
            return None, ""
        sub = "AmtDtls/TxAmt/Amt"
        target = _first(_first(details, _TX_AMT), _AMT)
        if target is None:
            sub = "AmtDtls/InstdAmt/Amt"
            target = _first(_first(details, _INSTD_AMT), _AMT)
            if target is None:
                return None, ""
    raw = _text(target)
    if _AMOUNT.match(raw):
        value = Decimal(raw)
    else:
        value = _decimal(raw, f"{entry_path}/NtryDtls/TxDtls[{number}]/{sub}", target.sourceline)
    return value, target.get("Ccy", "")


def _party_name(party: Element | None) -> str:
    if party is None:
        return ""
    # .001.02 has Dbtr/Nm; .001.08 wraps it as Dbtr/Pty/Nm (or Dbtr/Agt for a bank).
    return (
        _text(_first(party, _NM))
        or _text(_first(_first(party, _PTY), _NM))
        or _text(_first(_first(_first(party, _AGT), _FIN_INSTN_ID), _NM))
    )


# Entries of one statement share a handful of dates: parse each spelling once.
_DATE_CACHE: Final[dict[str, dt.date]] = {}
_DATE_CACHE_SIZE: Final = 1024


def _entry_date(element: Element | None, entry_path: str, name: str) -> dt.date | None:
    """_date_choice for an entry's BookgDt/ValDt, with the Dt spelling cached."""
    if element is None:
        return None
    raw = _text(_first(element, _DT))
    if not raw:
        return _date_choice(element, f"{entry_path}/{name}")
    found = _DATE_CACHE.get(raw)
    if found is None:
        found = _date(raw, f"{entry_path}/{name}/Dt", element.sourceline)
        if len(_DATE_CACHE) >= _DATE_CACHE_SIZE:
            _DATE_CACHE.clear()
        _DATE_CACHE[raw] = found
    return found


# --- values --------------------------------------------------------------------------------


def _amount(
    element: Element,
    path: str,
    fallback_currency: str = "",
    parts: dict[str, Element] | None = None,
) -> tuple[Decimal, str]:
    amount = parts.get("Amt") if parts is not None else child(element, "Amt")
    if amount is None:
        raise FormatError("missing amount", element=f"{path}/Amt", line=element.sourceline)
    raw = text(amount)
    value = Decimal(raw) if _AMOUNT.match(raw) else _decimal(raw, f"{path}/Amt", amount.sourceline)
    currency = amount.get("Ccy", "").strip() or fallback_currency
    if not currency:
        raise FormatError("amount without a currency", element=f"{path}/Amt", line=amount.sourceline)
    return value, currency


def _decimal(raw: str, path: str, line: int | None) -> Decimal:
    if not _AMOUNT.match(raw):
        raise FormatError(f"{raw!r} is not an amount", element=path, line=line)
    try:
        return Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already excludes it
        raise FormatError(f"{raw!r} is not an amount", element=path, line=line) from exc


def _credit_debit(
    element: Element, path: str, *, required: bool, parts: dict[str, Element] | None = None
) -> CreditDebit | None:
    raw = text(parts.get("CdtDbtInd")) if parts is not None else text(element, "CdtDbtInd")
    if raw in ("CRDT", "DBIT"):
        return CreditDebit(raw)
    if raw or required:
        raise FormatError(
            f"CdtDbtInd is {raw!r}, expected CRDT or DBIT",
            element=f"{path}/CdtDbtInd",
            line=element.sourceline,
        )
    return None


def _required_credit_debit(element: Element, path: str, *, parts: dict[str, Element] | None = None) -> CreditDebit:
    direction = _credit_debit(element, path, required=True, parts=parts)
    if direction is None:  # pragma: no cover - required=True raises instead
        raise FormatError("missing CdtDbtInd", element=f"{path}/CdtDbtInd")
    return direction


def _date_choice(element: Element | None, path: str) -> dt.date | None:
    """A DateAndDateTimeChoice (Dt or DtTm), as the calendar date written in the file."""
    if element is None:
        return None
    raw_date = text(element, "Dt")
    if raw_date:
        return _date(raw_date, f"{path}/Dt", element.sourceline)
    raw_datetime = text(element, "DtTm")
    if raw_datetime:
        return _datetime(raw_datetime, f"{path}/DtTm", element.sourceline).date()
    return None


def _date(raw: str, path: str, line: int | None) -> dt.date:
    match = _DATE.match(raw)
    try:
        if match is None:
            raise ValueError(raw)
        return dt.date.fromisoformat(match.group(1))
    except ValueError as exc:
        raise FormatError(f"{raw!r} is not a date", element=path, line=line) from exc


def _datetime(raw: str, path: str, line: int | None) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise FormatError(f"{raw!r} is not a date and time", element=path, line=line) from exc
    # A time without offset is the bank's local time, which the file does not name; UTC keeps
    # the wall-clock digits and satisfies the "datetimes are aware" rule of the types.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _optional_datetime(element: Element | None, name: str, path: str) -> dt.datetime | None:
    raw = text(element, name) if element is not None else ""
    return _datetime(raw, path, element.sourceline if element is not None else None) if raw else None


# --- warnings ------------------------------------------------------------------------------


def _schema_warnings(data: bytes, header: CamtHeader, filename: str | None, max_bytes: int) -> list[str]:
    name = f"{header.format}.{header.version}" if header.version else ""
    if not header.is_namespaced or not name:
        return ["the document is in no ISO namespace: XSD validation skipped"]
    if not xsd.has_schema(name):
        return [f"no vendored XSD for {name}: not validated"]
    if len(data) > SCHEMA_VALIDATION_MAX_BYTES:
        return [f"file above {SCHEMA_VALIDATION_MAX_BYTES} bytes: XSD validation skipped"]
    root = parse_xml(data, filename=filename, max_bytes=max_bytes)
    return [f"XSD {name}: {error}" for error in xsd.validate(root, name)]


def _iban_warnings(statements: list[Statement]) -> list[str]:
    warnings = []
    for number, statement in enumerate(statements, 1):
        iban = statement.account.iban
        if iban and not _iban_is_valid(iban):
            warnings.append(
                f"statement {number} ({statement.document_id}): account IBAN {iban} fails its checksum; imported anyway"
            )
    return warnings


def _iban_is_valid(iban: str) -> bool:
    try:
        IBAN(iban)
    except SchwiftyException:
        return False
    return True
