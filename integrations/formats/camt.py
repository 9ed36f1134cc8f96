"""camt.052 (Rpt), camt.053 (Stmt) and camt.054 (Ntfctn) readers, versions .001.02 onwards.

The reader streams: each Ntry is read in one pass over its elements as soon as its closing tag
is parsed, yielded as an Entry and dropped, so neither the file's tree nor a statement's entries
pile up in memory. iter_camt_entries is that stream (each statement's start, its entries, its
end); iter_camt_statements gathers each statement whole; parse_camt is the whole-file
convenience: it returns every statement or raises, never half.

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
from typing import Final

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from integrations.formats import xsd
from integrations.formats.checks import ascii_digits
from integrations.formats.errors import FileTooLargeError, FormatError, UnknownFormatError
from integrations.formats.namespaces import message_in_namespace
from integrations.formats.types import (
    AccountRef,
    Balance,
    BankFile,
    CreditDebit,
    Entry,
    Statement,
    StatementEnd,
    StatementEvent,
    StatementStart,
    TransactionDetail,
    statements_from,
)
from integrations.formats.xmlsafe import (
    DEFAULT_MAX_BYTES,
    LOCAL_NAMES,
    Element,
    Readable,
    child,
    children,
    find,
    first_text,
    iterparse_xml,
    local_name,
    message_name,
    namespace,
    parse_xml,
    text,
    without_default_namespace,
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
_DIRECTIONS: Final = {"CRDT": CreditDebit.CREDIT, "DBIT": CreditDebit.DEBIT}
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
    headers: list[CamtHeader] = []
    events = _iter_camt(io.BytesIO(data), filename=filename, max_bytes=max_bytes, headers=headers)
    statements = list(statements_from(events))
    header = headers[-1]  # _iter_camt gives a header before any statement; a late GrpHdr wins
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
    stream: Readable, *, filename: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Statement]:
    """Yield statements one by one from a binary stream; memory grows with the largest statement
    (iter_camt_entries does not).

    A FormatError can come after some statements were yielded (a truncated file): callers
    that store statements must do so in one transaction and roll back on error.
    """
    return statements_from(iter_camt_entries(stream, filename=filename, max_bytes=max_bytes))


def iter_camt_entries(
    stream: Readable, *, filename: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[StatementEvent]:
    """Yield each statement's StatementStart, its entries as they are read, then its StatementEnd,
    with memory flat in the size of the file and of its statements.

    The schema puts a statement's Id, account, balances and summary before its entries, so the
    start carries them; a statement that names its Id or account only after its entries (not
    schema-valid, but read all the same) has its entries held back until its end. A FormatError
    can come after entries were yielded: store them in one transaction and roll back on error.
    """
    return _iter_camt(stream, filename=filename, max_bytes=max_bytes, headers=[])


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
        self.root_namespace = ""  # what without_default_namespace took off the root
        self.message_tag = ""
        self.statement_tag = ""
        self.statement_index = 0
        self.statement_path = ""  # "Stmt[2]", for error messages
        self.statement_id = ""
        self.account_currency = ""
        self.entry_count = 0
        self.held: list[Entry] | None = None  # entries of a statement whose start could not be read yet
        self.header: CamtHeader | None = None

    def where(self) -> str:
        if not self.statement_index:
            return ""
        named = f" (Id {self.statement_id})" if self.statement_id else ""
        return f" in {self.statement_path}{named}"


def _iter_camt(
    stream: Readable, *, filename: str | None, max_bytes: int, headers: list[CamtHeader]
) -> Iterator[StatementEvent]:
    """The statement events; every header read (or made up, before the first statement when
    there is no GrpHdr) is appended to headers."""
    state = _State()
    names = LOCAL_NAMES
    # Elements are looked up by local name, so the document's namespace is only read, once.
    stream, state.root_namespace = without_default_namespace(stream)
    events = iterparse_xml(stream, filename=filename, max_bytes=max_bytes, tags=_EVENT_TAGS, remove_blank_text=True)
    try:
        for event, element in events:
            if names[element.tag] == "Ntry":
                statement = state.statement
                if event == "end" and statement is not None and element.getparent() is statement:
                    if not state.entry_count:
                        yield from _first_entry(state, statement, headers)
                    state.entry_count += 1
                    entry = _entry(element, f"{state.statement_path}/Ntry[{state.entry_count}]", state.account_currency)
                    element.clear(keep_tail=False)
                    statement.remove(element)
                    if state.held is None:
                        yield entry
                    else:
                        state.held.append(entry)
            elif event == "start":
                _on_start(state, element)
            else:
                yield from _on_end(state, element, headers)
    except FormatError as exc:
        raise _locate(exc, state, filename) from exc
    _check_complete(state, filename)


def _first_entry(state: _State, statement: Element, headers: list[CamtHeader]) -> Iterator[StatementEvent]:
    """At a statement's first entry everything before it is read: yield its start, or hold its
    entries back when the start is incomplete (its error, if any, then comes at the end, where
    the whole statement is read)."""
    state.statement_id = text(statement, "Id")
    state.account_currency = text(statement, "Acct/Ccy")
    try:
        head = _statement(statement, state.statement_path)
    except FormatError:
        state.held = []
        return
    _header_once(state, headers)
    yield StatementStart(head)


def _header_once(state: _State, headers: list[CamtHeader]) -> None:
    """A file without GrpHdr still has a header (format and version), before its first statement."""
    if state.header is None:
        state.header = CamtHeader(state.format, state.version, is_namespaced=state.is_namespaced)
        headers.append(state.header)


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
        state.is_namespaced = bool(state.root_namespace or namespace(element))
        message = message_name(element, state.root_namespace)
        state.version = message.split(".", 2)[2] if message.startswith("camt.") else ""
    elif parent is not None and parent is state.root and name in MESSAGE_KINDS:
        root_attributes = [str(value) for value in parent.attrib.values()]
        message_in_namespace(name, state.root_namespace or namespace(element), attributes=root_attributes)
        state.message = element
        state.message_tag = name
        state.format, state.statement_tag = MESSAGE_KINDS[name]
    elif parent is not None and parent is state.message and name == state.statement_tag:
        state.statement = element
        state.statement_index += 1
        state.statement_path = f"{name}[{state.statement_index}]"
        state.statement_id = ""
        state.entry_count = 0
        state.held = None


def _on_end(state: _State, element: Element, headers: list[CamtHeader]) -> Iterator[StatementEvent]:
    parent = element.getparent()
    if parent is None:
        return
    if parent is state.message and local_name(element) == "GrpHdr":
        state.header = _header(state, element)
        headers.append(state.header)
        _discard(element)
    elif element is state.statement:
        statement = _statement(element, state.statement_path)
        if not state.entry_count or state.held is not None:
            _header_once(state, headers)
            yield StatementStart(statement)
            if state.held:
                yield from state.held
        yield StatementEnd(statement)
        state.held = None
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


def _statement(element: Element, path: str) -> Statement:
    """The statement's own fields (its entries are streamed separately)."""
    document_id = text(element, "Id")
    if not document_id:
        raise FormatError("the statement has no Id", element=f"{path}/Id", line=element.sourceline)
    period = find(element, "FrToDt")
    return Statement(
        document_id=document_id,
        account=_account(element, path),
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
    if not ascii_digits(raw):
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
#
# The hot path, some 35 elements per entry: each is visited once, children by a plain loop that
# keeps the first child of each local name, as find() does (an lxml path search costs about a
# microsecond, a visit a fifth of that).


def _entry(element: Element, path: str, account_currency: str) -> Entry:
    names = LOCAL_NAMES
    amount_el = direction_el = status_el = booked_el = value_el = None
    servicer_el = reference_el = code_el = info_el = reversal_el = None
    groups: list[Element] = []
    for node in element:
        name = names[node.tag]
        if name == "Amt":
            if amount_el is None:
                amount_el = node
        elif name == "CdtDbtInd":
            if direction_el is None:
                direction_el = node
        elif name == "Sts":
            if status_el is None:
                status_el = node
        elif name == "BookgDt":
            if booked_el is None:
                booked_el = node
        elif name == "ValDt":
            if value_el is None:
                value_el = node
        elif name == "AcctSvcrRef":
            if servicer_el is None:
                servicer_el = node
        elif name == "BkTxCd":
            if code_el is None:
                code_el = node
        elif name == "NtryDtls":
            groups.append(node)
        elif name == "AddtlNtryInf":
            if info_el is None:
                info_el = node
        elif name == "NtryRef":
            if reference_el is None:
                reference_el = node
        elif name == "RvslInd" and reversal_el is None:
            reversal_el = node
    if amount_el is None:
        raise FormatError("missing amount", element=f"{path}/Amt", line=element.sourceline)
    raw = amount_el.text
    raw = raw.strip() if raw else ""
    amount = Decimal(raw) if _AMOUNT.match(raw) else _decimal(raw, f"{path}/Amt", amount_el.sourceline)
    currency = amount_el.get("Ccy")
    currency = (currency.strip() if currency else "") or account_currency
    if not currency:
        raise FormatError("amount without a currency", element=f"{path}/Amt", line=amount_el.sourceline)
    raw = _text(direction_el)
    direction = _DIRECTIONS.get(raw)
    if direction is None:
        raise FormatError(
            f"CdtDbtInd is {raw!r}, expected CRDT or DBIT", element=f"{path}/CdtDbtInd", line=element.sourceline
        )
    if status_el is None:
        status = "BOOK"
    elif len(status_el):
        status = _status(status_el)
    else:
        status = _text(status_el) or "BOOK"
    bank_transaction_code, proprietary_code = _bank_transaction_code(code_el)
    description = _text(info_el)
    # Positional, in field order: on this path a keyword call costs a quarter more.
    return Entry(
        amount,
        currency,
        direction,
        _text(reversal_el).lower() in _TRUE if reversal_el is not None else False,  # is_reversal
        status,
        _entry_date(booked_el, path, "BookgDt") if booked_el is not None else None,  # booking_on
        _entry_date(value_el, path, "ValDt") if value_el is not None else None,  # value_on
        _text(servicer_el),  # account_servicer_ref
        _text(reference_el),  # bank_ref
        "",  # customer_ref
        bank_transaction_code,
        proprietary_code,
        " ".join(description.split()) if description else "",
        _details(groups, path, direction) if groups else (),
        element.sourceline,
    )


def _text(element: Element | None) -> str:
    """The stripped text of element, or "" when absent."""
    if element is None:
        return ""
    value = element.text
    return value.strip() if value else ""


def _child(element: Element | None, name: str) -> Element | None:
    """The first child of a local name, or None (also when element is None)."""
    if element is not None:
        names = LOCAL_NAMES
        for node in element:
            if names[node.tag] == name:
                return node
    return None


def _child_text(element: Element | None, name: str) -> str:
    return _text(_child(element, name))


def _status(status: Element) -> str:
    # .001.02 writes <Sts>BOOK</Sts>; .001.08 wraps it as <Sts><Cd>BOOK</Cd></Sts>.
    found = _child_text(status, "Cd") or _child_text(status, "Prtry")
    return found or _text(status) or "BOOK"


def _bank_transaction_code(code: Element | None) -> tuple[str, str]:
    """(Domn/Cd/Fmly/Cd/SubFmlyCd, or Prtry/Cd when the domain is empty; Prtry/Cd)."""
    if code is None:
        return "", ""
    names = LOCAL_NAMES
    domain = proprietary = None
    for node in code:
        name = names[node.tag]
        if name == "Domn":
            if domain is None:
                domain = node
        elif name == "Prtry" and proprietary is None:
            proprietary = node
    proprietary_code = _child_text(proprietary, "Cd") if proprietary is not None else ""
    if domain is not None:
        domain_code = family = family_code = sub_family_code = None
        for node in domain:
            name = names[node.tag]
            if name == "Cd":
                if domain_code is None:
                    domain_code = node
            elif name == "Fmly" and family is None:
                family = node
        if family is not None:
            for node in family:
                name = names[node.tag]
                if name == "Cd":
                    if family_code is None:
                        family_code = node
                elif name == "SubFmlyCd" and sub_family_code is None:
                    sub_family_code = node
        parts = (_text(domain_code), _text(family_code), _text(sub_family_code))
        if any(parts):
            return "/".join(parts), proprietary_code
    return proprietary_code, proprietary_code


def _details(groups: list[Element], path: str, direction: CreditDebit) -> tuple[TransactionDetail, ...]:
    """Every NtryDtls/TxDtls of the entry, in document order."""
    names = LOCAL_NAMES
    # The other side of the movement: who paid us on a credit, whom we paid on a debit.
    party, agent = ("Dbtr", "DbtrAgt") if direction is CreditDebit.CREDIT else ("Cdtr", "CdtrAgt")
    found: list[TransactionDetail] = []
    for group in groups:
        for node in group:
            if names[node.tag] == "TxDtls":
                found.append(_detail(node, path, len(found) + 1, party, agent))
    return tuple(found)


def _detail(element: Element, entry_path: str, number: int, party: str, agent: str) -> TransactionDetail:
    names = LOCAL_NAMES
    refs = amount_el = amount_details = parties = agents = remittance = return_info = None
    for node in element:
        name = names[node.tag]
        if name == "Refs":
            if refs is None:
                refs = node
        elif name == "AmtDtls":
            if amount_details is None:
                amount_details = node
        elif name == "RltdPties":
            if parties is None:
                parties = node
        elif name == "RltdAgts":
            if agents is None:
                agents = node
        elif name == "RmtInf":
            if remittance is None:
                remittance = node
        elif name == "Amt":
            if amount_el is None:
                amount_el = node
        elif name == "RtrInf" and return_info is None:
            return_info = node
    amount, currency = _detail_amount(amount_el, amount_details, entry_path, number)
    # The references, each the text of the first element of its name (None: no such element).
    end_to_end_id = tx_id = instruction_id = servicer_ref = uetr = mandate_id = None
    if refs is not None:
        for node in refs:
            name = names[node.tag]
            if name == "EndToEndId":
                if end_to_end_id is None:
                    end_to_end_id = _text(node)
            elif name == "TxId":
                if tx_id is None:
                    tx_id = _text(node)
            elif name == "InstrId":
                if instruction_id is None:
                    instruction_id = _text(node)
            elif name == "AcctSvcrRef":
                if servicer_ref is None:
                    servicer_ref = _text(node)
            elif name == "UETR":
                if uetr is None:
                    uetr = _text(node)
            elif name == "MndtId" and mandate_id is None:
                mandate_id = _text(node)
    counterparty = iban = other_account = ""
    if parties is not None:
        party_el = account_el = None
        party_account = f"{party}Acct"
        for node in parties:
            name = names[node.tag]
            if name == party:
                if party_el is None:
                    party_el = node
            elif name == party_account and account_el is None:
                account_el = node
        if party_el is not None:
            counterparty = _party_name(party_el)
        if account_el is not None:
            iban, other_account = _account_id(account_el)
    bic = ""
    if agents is not None:
        bic = _agent_bic(agents, agent)
    creditor_ref = remittance_info = ""
    if remittance is not None:
        creditor_ref, remittance_info = _remittance(remittance)
    return_reason = ""
    if return_info is not None:
        reason = _child(return_info, "Rsn")
        return_reason = _child_text(reason, "Cd") or _child_text(reason, "Prtry")
    return TransactionDetail(  # positional, in field order, as Entry above
        amount,
        currency,
        end_to_end_id or "",
        tx_id or "",
        instruction_id or "",
        servicer_ref or "",  # account_servicer_ref
        uetr or "",
        mandate_id or "",
        creditor_ref,
        remittance_info,
        counterparty,  # counterparty_name
        iban,  # counterparty_iban
        other_account,  # counterparty_account
        bic,  # counterparty_bic
        return_reason,
    )


def _agent_bic(agents: Element, agent: str) -> str:
    """RltdAgts/{agent}/FinInstnId/BICFI (.001.08), else .../BIC (.001.02)."""
    names = LOCAL_NAMES
    institution = _child(_child(agents, agent), "FinInstnId")
    if institution is None:
        return ""
    bicfi = bic = None
    for node in institution:
        name = names[node.tag]
        if name == "BICFI":
            if bicfi is None:
                bicfi = node
        elif name == "BIC" and bic is None:
            bic = node
    return _text(bicfi) or _text(bic)


def _account_id(account: Element) -> tuple[str, str]:
    """(Id/IBAN without blanks, Id/Othr/Id) of a CashAccount."""
    names = LOCAL_NAMES
    for account_id in account:
        if names[account_id.tag] == "Id":
            break
    else:
        return "", ""
    iban = other = None
    for node in account_id:
        name = names[node.tag]
        if name == "IBAN":
            if iban is None:
                iban = node
        elif name == "Othr" and other is None:
            other = node
    return _text(iban).replace(" ", ""), _child_text(other, "Id") if other is not None else ""


def _remittance(remittance: Element) -> tuple[str, str]:
    """(every Strd/CdtrRefInf/Ref, every Ustrd), each joined with a space."""
    names = LOCAL_NAMES
    references: list[str] = []
    unstructured: list[str] = []
    for node in remittance:
        name = names[node.tag]
        if name == "Ustrd":
            value = node.text
            if value and (value := value.strip()):
                unstructured.append(value)
        elif name == "Strd":
            references.extend(
                value
                for info in node
                if names[info.tag] == "CdtrRefInf"
                for reference in info
                if names[reference.tag] == "Ref" and (value := _text(reference))
            )
    return " ".join(references), " ".join(unstructured)


def _detail_amount(
    amount_el: Element | None, amount_details: Element | None, entry_path: str, number: int
) -> tuple[Decimal | None, str]:
    # .001.02 puts the amount under AmtDtls; .001.03+ also has TxDtls/Amt.
    sub = "Amt"
    target = amount_el
    if target is None:
        if amount_details is None:
            return None, ""
        sub = "AmtDtls/TxAmt/Amt"
        target = _child(_child(amount_details, "TxAmt"), "Amt")
        if target is None:
            sub = "AmtDtls/InstdAmt/Amt"
            target = _child(_child(amount_details, "InstdAmt"), "Amt")
            if target is None:
                return None, ""
    raw = target.text
    raw = raw.strip() if raw else ""
    if _AMOUNT.match(raw):
        value = Decimal(raw)
    else:
        value = _decimal(raw, f"{entry_path}/NtryDtls/TxDtls[{number}]/{sub}", target.sourceline)
    return value, target.get("Ccy", "")


def _party_name(party: Element) -> str:
    # .001.02 has Dbtr/Nm; .001.08 wraps it as Dbtr/Pty/Nm (or Dbtr/Agt for a bank).
    names = LOCAL_NAMES
    name_el = wrapped = agent = None
    for node in party:
        name = names[node.tag]
        if name == "Nm":
            if name_el is None:
                name_el = node
        elif name == "Pty":
            if wrapped is None:
                wrapped = node
        elif name == "Agt" and agent is None:
            agent = node
    return (
        _text(name_el)
        or _child_text(wrapped, "Nm")
        or (_child_text(_child(agent, "FinInstnId"), "Nm") if agent is not None else "")
    )


# Entries of one statement share a handful of dates: parse each spelling once.
_DATE_CACHE: Final[dict[str, dt.date]] = {}
_DATE_CACHE_SIZE: Final = 1024


def _entry_date(element: Element, entry_path: str, name: str) -> dt.date | None:
    """_date_choice for an entry's BookgDt/ValDt, with the Dt spelling cached."""
    names = LOCAL_NAMES
    raw = None
    for node in element:
        if names[node.tag] == "Dt":
            raw = node.text
            break
    raw = raw.strip() if raw else ""
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


def _amount(element: Element, path: str) -> tuple[Decimal, str]:
    amount = child(element, "Amt")
    if amount is None:
        raise FormatError("missing amount", element=f"{path}/Amt", line=element.sourceline)
    raw = text(amount)
    value = Decimal(raw) if _AMOUNT.match(raw) else _decimal(raw, f"{path}/Amt", amount.sourceline)
    currency = amount.get("Ccy", "").strip()
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


def _credit_debit(element: Element, path: str, *, required: bool) -> CreditDebit | None:
    raw = text(element, "CdtDbtInd")
    direction = _DIRECTIONS.get(raw)
    if direction is None and (raw or required):
        raise FormatError(
            f"CdtDbtInd is {raw!r}, expected CRDT or DBIT",
            element=f"{path}/CdtDbtInd",
            line=element.sourceline,
        )
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
