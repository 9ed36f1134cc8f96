"""SWIFT MT940 customer statements: bytes in, a BankFile out.

Our own tokenizer, because the PyPI readers fail on real files (see FORMATS.md). The reader
is tolerant of what banks really send (header lines, SWIFT block wrappers, :NS: fields, a
trailing :86: after the closing balance, non-ASCII text) and strict about what would corrupt
the books: a statement without a closing balance, or a second :25: inside a statement, is
refused with the line number.

Mapping decisions:

* 60F and 60M both become an ``OPBD`` balance, 62F and 62M a ``CLBD`` balance, so every page
  of a paginated statement can be reconciled on its own. A page whose balances are
  intermediate (60M/62M) is reported in ``BankFile.warnings``; the sequence (:28C:) is kept
  unchanged because it is half of the dedupe key.
* :64: becomes ``CLAV`` and every :65: a ``FWAV`` balance.
* RC (reversal of a credit) is a DEBIT with ``is_reversal=True``; RD is a CREDIT.
* When a :61: has no entry date, the booking date is the value date.
* ``document_id`` is ``:20: + "/" + :28C:``; when two statements of one file share it (banks
  that send :28C:0 every day), the second gets ``#2`` appended, and so on, so that an importer
  keyed on the id never drops a genuine statement.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from integrations.formats.errors import FormatError
from integrations.formats.types import (
    AccountRef,
    Balance,
    BankFile,
    CreditDebit,
    Entry,
    Statement,
    TransactionDetail,
)

__all__ = ["parse_mt940", "parse_swift_amount"]

_TAG_RE = re.compile(r"^:(?P<tag>\d{2}[A-Z]?|NS):(?P<rest>.*)$")
_END_RE = re.compile(r"^-(\}.*|[A-Z]*)\s*$")
_LEADING_BLOCK_RE = re.compile(r"^\{[1-3]:(?:\{[^{}]*\}|[^{}])*\}")
_AMOUNT_RE = re.compile(r"^\d+(,\d*)?$")
_BALANCE_RE = re.compile(r"^(?P<dc>[CD])(?P<date>\d{6})(?P<ccy>[A-Z]{3})(?P<amount>[\d,]+)$")
_LINE_61_RE = re.compile(
    r"^(?P<value>\d{6})(?P<entry>\d{4})?(?P<mark>RC|RD|EC|ED|C|D)(?P<funds>[A-Z])?"
    r"(?P<amount>\d[\d,]*)(?P<ttype>[NSF][A-Z0-9]{3})(?P<refs>.*)$"
)
_IBAN_RE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_STRUCTURED_86_RE = re.compile(r"^(?P<gvc>\d{3})(?P<sep>[?>])\d{2}")
_SEPA_KEY_RE = re.compile(r"^(?P<key>[A-Z]{4})[+:]")
# Subfield splitters of a structured :86:, by separator (what _STRUCTURED_86_RE allows).
_SUBFIELD_SPLIT_RE = {separator: re.compile(re.escape(separator) + r"(\d{2})") for separator in "?>"}
_NO_DETAIL = TransactionDetail()
_MT940_LINE_WIDTH = 65
_SUBFIELD_WIDTH = 27

# Tags that carry nothing a statement import needs (MT942 extras, related reference).
_IGNORED_TAGS = frozenset({"NS", "21", "13", "13D", "34F", "90C", "90D"})
_OPENING_TAGS = frozenset({"60F", "60M"})
_CLOSING_TAGS = frozenset({"62F", "62M"})
# Tags that, after a closed statement and without a new :20:, begin the next statement.
_CONTINUING_TAGS = frozenset({"25", "28", "28C"}) | _OPENING_TAGS


@dataclass(frozen=True, slots=True)
class _Field:
    tag: str
    lines: tuple[str, ...]  # the text after the tag, then each continuation line
    line: int


@dataclass(frozen=True, slots=True)
class _EndOfMessage:
    line: int


@dataclass(slots=True)
class _PendingEntry:
    field: _Field
    info: _Field | None = None


@dataclass(slots=True)
class _Builder:
    """The statement being read; mutable only while its fields arrive."""

    reference: str
    line: int
    account: str = ""
    account_line: int = 0
    sequence: str = ""
    opening: Balance | None = None
    opening_tag: str = ""
    closing: Balance | None = None
    closing_tag: str = ""
    other_balances: list[Balance] = field(default_factory=list)
    entries: list[_PendingEntry] = field(default_factory=list)

    @property
    def is_closed(self) -> bool:
        return self.closing is not None

    def successor(self, line: int, tag: str) -> _Builder:
        """The next statement under the same :20: when no new :20: comes; it keeps the
        account and sequence that its first tag does not give anew."""
        keeps_account = tag != "25"
        keeps_sequence = tag in _OPENING_TAGS
        return _Builder(
            reference=self.reference,
            line=line,
            account=self.account if keeps_account else "",
            account_line=self.account_line if keeps_account else 0,
            sequence=self.sequence if keeps_sequence else "",
        )


def parse_swift_amount(text: str) -> Decimal:
    """A SWIFT amount (digits, decimal comma, no sign, no thousands separator) as Decimal."""
    cleaned = text.strip()
    if not _AMOUNT_RE.match(cleaned):
        raise ValueError(f"not a SWIFT amount: {text!r}")
    whole, _, fraction = cleaned.partition(",")
    return Decimal(f"{whole}.{fraction}") if fraction else Decimal(whole)


def parse_mt940(data: bytes, filename: str | None = None) -> BankFile:
    """Read every statement of an MT940 file; refuse the whole file if one is broken."""
    try:
        return _parse(_decode(data))
    except FormatError as error:
        if filename:
            raise error.with_filename(filename) from error
        raise


def _decode(data: bytes) -> str:
    # Banks send UTF-8, Latin-1 or CP1252 without saying which; Latin-1 never fails.
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _parse(text: str) -> BankFile:
    warnings: list[str] = []
    builders: list[_Builder] = []
    current: _Builder | None = None
    for token in _tokenize(text):
        if isinstance(token, _EndOfMessage):
            if current is not None and not current.is_closed:
                raise _unclosed(current, token.line)
            current = None
            continue
        current = _apply(token, current, builders, warnings)
    if current is not None and not current.is_closed:
        raise _unclosed(current, None)
    if not builders:
        raise FormatError("no MT940 statement found")
    statements = _number_duplicates([_statement(b, warnings) for b in builders])
    return BankFile(
        format="mt940",
        message_id=builders[0].reference,
        statements=tuple(statements),
        warnings=tuple(warnings),
    )


def _tokenize(text: str) -> Iterator[_Field | _EndOfMessage]:
    """Fields with their continuation lines; header lines outside a field are dropped."""
    tag = ""
    lines: list[str] = []
    start = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        # Trailing blanks stay: in wrapped :86: text they separate words.
        line = _strip_block_headers(raw)
        match = _TAG_RE.match(line)
        is_end = bool(_END_RE.match(line.rstrip()))
        if (match or is_end) and tag:
            yield _Field(tag, tuple(lines), start)
            tag = ""
        if match:
            tag, lines, start = match["tag"], [match["rest"]], number
        elif is_end:
            yield _EndOfMessage(number)
        elif tag and line.strip():
            lines.append(line)
    if tag:
        yield _Field(tag, tuple(lines), start)


def _strip_block_headers(line: str) -> str:
    # {1:...}{2:...}{3:{...}} wrap the message; the statement is inside {4: ... -}.
    while True:
        match = _LEADING_BLOCK_RE.match(line)
        if match is None:
            break
        line = line[match.end() :]
    return line.removeprefix("{4:")


def _apply(token: _Field, current: _Builder | None, builders: list[_Builder], warnings: list[str]) -> _Builder | None:
    tag = token.tag
    if tag == "20":
        if current is not None and not current.is_closed:
            raise _unclosed(current, token.line)
        current = _Builder(reference=_joined(token.lines), line=token.line)
        builders.append(current)
        return current
    if tag in _IGNORED_TAGS:
        return current
    if current is None:
        if tag == "86":
            return None  # a stray :86: between messages carries no booking
        raise FormatError(f":{tag}: outside a statement (no :20: before it)", line=token.line)
    if current.is_closed and tag in _CONTINUING_TAGS:
        current = current.successor(token.line, tag)
        builders.append(current)
    _apply_to_statement(token, current, warnings)
    return current


def _apply_to_statement(token: _Field, current: _Builder, warnings: list[str]) -> None:
    tag = token.tag
    if tag == "25":
        _set_account(token, current)
    elif tag in ("28", "28C"):
        if current.opening is not None:
            raise FormatError(":28C: after the opening balance", line=token.line)
        current.sequence = _joined(token.lines).replace(" ", "")
    elif tag in _OPENING_TAGS:
        if current.opening is not None:
            raise FormatError("second opening balance in one statement", line=token.line)
        current.opening, current.opening_tag = _balance(token, "OPBD"), tag
    elif tag == "61":
        _require_open(token, current)
        current.entries.append(_PendingEntry(token))
    elif tag == "86":
        _attach_information(token, current, warnings)
    elif tag in _CLOSING_TAGS:
        _require_open(token, current)
        current.closing, current.closing_tag = _balance(token, "CLBD"), tag
    elif tag == "64":
        current.other_balances.append(_balance(token, "CLAV"))
    elif tag == "65":
        current.other_balances.append(_balance(token, "FWAV"))
    else:
        warnings.append(f"line {token.line}: unknown tag :{tag}: ignored")


def _set_account(token: _Field, current: _Builder) -> None:
    if current.account:
        # A :25: where a :86: belongs means the file was cut or overwritten; booking what
        # follows against a garbage account would be worse than refusing the file.
        raise FormatError(
            f"second :25: (account) inside the statement that starts at line {current.line}, "
            f"before its closing balance; the account was already given at line "
            f"{current.account_line}",
            line=token.line,
        )
    current.account, current.account_line = _joined(token.lines).strip(), token.line


def _require_open(token: _Field, current: _Builder) -> None:
    if current.opening is None:
        raise FormatError(f":{token.tag}: before the opening balance :60F:", line=token.line)
    if current.is_closed:
        raise FormatError(f":{token.tag}: after the closing balance", line=token.line)


def _attach_information(token: _Field, current: _Builder, warnings: list[str]) -> None:
    # Old ING files put a summary :86: after :62F:, others a statement-level :86: before
    # the first :61:; neither describes a booking.
    if current.is_closed or not current.entries:
        return
    pending = current.entries[-1]
    if pending.info is not None:
        warnings.append(f"line {token.line}: second :86: for the :61: at line {pending.field.line} ignored")
        return
    pending.info = token


def _unclosed(current: _Builder, line: int | None) -> FormatError:
    where = f" before line {line}" if line is not None else " (file ends)"
    return FormatError(
        f"statement {current.reference!r} that starts at line {current.line} has no closing "
        f"balance :62F:{where}; the file looks truncated",
        line=current.line,
    )


def _joined(lines: tuple[str, ...]) -> str:
    # A field wrapped over two lines (seen with :28C:) is one value.
    return "".join(part.strip() for part in lines)


def _balance(token: _Field, balance_type: str) -> Balance:
    match = _BALANCE_RE.match(token.lines[0].strip())
    if match is None:
        raise FormatError(f"unreadable balance :{token.tag}:{token.lines[0]}", line=token.line)
    amount = _amount(match["amount"], token)
    return Balance(
        type=balance_type,
        amount=-amount if match["dc"] == "D" else amount,
        currency=match["ccy"],
        on=_date(match["date"], token),
    )


def _amount(text: str, token: _Field) -> Decimal:
    try:
        return parse_swift_amount(text)
    except ValueError:
        raise FormatError(f"unreadable amount {text!r} in :{token.tag}:", line=token.line) from None


def _date(yymmdd: str, token: _Field) -> dt.date:
    found = _DATES.get(yymmdd)
    if found is None:
        found = _parse_date(yymmdd, token)
        if len(_DATES) >= _CACHE_SIZE:
            _DATES.clear()
        _DATES[yymmdd] = found
    return found


# Lines of one file share a handful of dates: work each out once (bounded caches).
_CACHE_SIZE = 1024
_DATES: dict[str, dt.date] = {}


def _parse_date(yymmdd: str, token: _Field) -> dt.date:
    year = int(yymmdd[:2])
    # SWIFT dates carry two-digit years; statements before 1980 are not in anyone's books.
    century = 1900 if year >= 80 else 2000
    try:
        return dt.date(century + year, int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        raise FormatError(f"invalid date {yymmdd!r} in :{token.tag}:", line=token.line) from None


def _statement(builder: _Builder, warnings: list[str]) -> Statement:
    if not builder.account:
        raise FormatError(f"statement {builder.reference!r} has no account :25:", line=builder.line)
    opening, closing = builder.opening, builder.closing
    if opening is None or closing is None:  # _parse refuses unclosed statements before this
        raise FormatError("statement without balances", line=builder.line)
    if "M" in (builder.opening_tag[-1:], builder.closing_tag[-1:]):
        warnings.append(
            f"line {builder.line}: statement {builder.reference}/{builder.sequence} has "
            f"intermediate balances (:{builder.opening_tag}:/:{builder.closing_tag}:), "
            "mapped to OPBD/CLBD"
        )
    currency = opening.currency
    entries = tuple(_entry(pending, currency) for pending in builder.entries)
    return Statement(
        document_id=f"{builder.reference}/{builder.sequence}",
        account=_account(builder.account, currency),
        entries=entries,
        balances=(opening, closing, *builder.other_balances),
        sequence=builder.sequence,
        line=builder.line,
    )


def _account(raw: str, currency: str) -> AccountRef:
    candidate = raw.replace(" ", "").upper()
    if candidate.endswith(currency) and _IBAN_RE.match(candidate[: -len(currency)]):
        candidate = candidate[: -len(currency)]  # some banks append the currency to the IBAN
    if _IBAN_RE.match(candidate):
        return AccountRef(iban=candidate, currency=currency)
    return AccountRef(other_id=raw, currency=currency)


def _number_duplicates(statements: list[Statement]) -> list[Statement]:
    seen: dict[str, int] = {}
    numbered: list[Statement] = []
    for statement in statements:
        count = seen.get(statement.document_id, 0) + 1
        seen[statement.document_id] = count
        if count > 1:
            statement = _with_document_id(statement, f"{statement.document_id}#{count}")
        numbered.append(statement)
    return numbered


def _with_document_id(statement: Statement, document_id: str) -> Statement:
    return Statement(
        document_id=document_id,
        account=statement.account,
        entries=statement.entries,
        balances=statement.balances,
        sequence=statement.sequence,
        line=statement.line,
    )


def _entry(pending: _PendingEntry, currency: str) -> Entry:
    token = pending.field
    match = _LINE_61_RE.match(token.lines[0].strip())
    if match is None:
        raise FormatError(f"unreadable statement line :61:{token.lines[0]}", line=token.line)
    value_on = _date(match["value"], token)
    mark = match["mark"]
    customer_ref, _, bank_ref = match["refs"].partition("//")
    supplementary = " ".join(part.strip() for part in token.lines[1:] if part.strip())
    info = _information(pending.info)
    description = " ".join(part for part in (supplementary, info.description) if part)
    return Entry(
        amount=_amount(match["amount"], token),
        currency=currency,
        credit_debit=CreditDebit.CREDIT if mark in ("C", "RD", "EC") else CreditDebit.DEBIT,
        is_reversal=mark in ("RC", "RD"),
        status="PDNG" if mark in ("EC", "ED") else "BOOK",
        booking_on=_entry_date(match["entry"], value_on),
        value_on=value_on,
        bank_ref=bank_ref.strip(),
        customer_ref=customer_ref.strip(),
        bank_transaction_code=match["ttype"],
        proprietary_code=info.code,
        description=description,
        details=(info.detail,) if info.detail is not None else (),
        line=token.line,
    )


def _entry_date(mmdd: str | None, value_on: dt.date) -> dt.date:
    if not mmdd:
        return value_on
    key = (mmdd, value_on)
    found = _ENTRY_DATES.get(key)
    if found is None:
        found = _nearest_entry_date(mmdd, value_on)
        if len(_ENTRY_DATES) >= _CACHE_SIZE:
            _ENTRY_DATES.clear()
        _ENTRY_DATES[key] = found
    return found


_ENTRY_DATES: dict[tuple[str, dt.date], dt.date] = {}


def _nearest_entry_date(mmdd: str, value_on: dt.date) -> dt.date:
    month, day = int(mmdd[:2]), int(mmdd[2:])
    # The entry date has no year: take the one that puts it nearest the value date.
    candidates = []
    for year in (value_on.year - 1, value_on.year, value_on.year + 1):
        try:
            candidates.append(dt.date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return value_on
    return min(candidates, key=lambda day_: abs((day_ - value_on).days))


@dataclass(frozen=True, slots=True)
class _Information:
    description: str = ""
    code: str = ""
    detail: TransactionDetail | None = None


def _information(token: _Field | None) -> _Information:
    if token is None:
        return _Information()
    joined = "".join(token.lines).lstrip()
    structured = _STRUCTURED_86_RE.match(joined)
    if structured is None:
        return _Information(description=_wrapped(list(token.lines), _MT940_LINE_WIDTH))
    return _structured_information(joined, structured["sep"])


def _wrapped(parts: list[str], width: int) -> str:
    """Re-join text that the bank cut into fixed-width lines.

    A full-width line was cut mid-word, so it joins its successor directly; a shorter line
    ended where the bank ended it, so a space separates it from the next.
    """
    text = ""
    previous = ""
    for part in parts:
        if not text:
            text = part.strip()
        elif len(previous) >= width:
            text += part.rstrip()
        else:
            text += " " + part.strip()
        previous = part
    return text.strip()


def _structured_information(text: str, separator: str) -> _Information:
    """German-style :86: (GVC, then ?00 posting text, ?20-?29 remittance, ?30 BIC...)."""
    pieces = _SUBFIELD_SPLIT_RE[separator].split(text)
    code = pieces[0].strip()
    subfields: list[tuple[int, str]] = [(int(pieces[i]), pieces[i + 1]) for i in range(1, len(pieces) - 1, 2)]
    remittance = [v for k, v in subfields if 20 <= k <= 29 or 60 <= k <= 63]
    name = _wrapped([v for k, v in subfields if k in (32, 33)], _SUBFIELD_WIDTH)
    account = "".join(v.strip() for k, v in subfields if k == 31)
    bic = "".join(v.strip() for k, v in subfields if k == 30)
    sepa = _sepa_values(remittance)
    is_iban = bool(_IBAN_RE.match(account))
    detail = TransactionDetail(
        end_to_end_id=_provided(sepa.get("EREF", "")),
        mandate_id=_provided(sepa.get("MREF", "")),
        remittance_info=_provided(sepa.get("SVWZ", "")),
        counterparty_name=name,
        counterparty_iban=account if is_iban else "",
        counterparty_account="" if is_iban else account,
        counterparty_bic=bic,
    )
    return _Information(
        description=_wrapped(remittance, _SUBFIELD_WIDTH),
        code=code,
        detail=None if detail == _NO_DETAIL else detail,
    )


def _sepa_values(remittance: list[str]) -> dict[str, str]:
    """SEPA keywords (EREF+, MREF+, SVWZ+ ...) that open a remittance line, with their text."""
    values: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in remittance:
        match = _SEPA_KEY_RE.match(line)
        if match is not None:
            current = values.setdefault(match["key"], [])
        if current is not None:
            current.append(line)
    # Joined with the keyword still in place, so the first line keeps its full width.
    return {key: _wrapped(lines, _SUBFIELD_WIDTH)[len(key) + 1 :] for key, lines in values.items()}


def _provided(value: str) -> str:
    return "" if value.upper() == "NOTPROVIDED" else value
