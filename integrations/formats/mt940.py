"""SWIFT MT940 customer statements: bytes in, a BankFile (parse_mt940) or a stream of statement
events (iter_mt940: each statement's start, its entries as they are read, its end) out.

Our own tokenizer, because the PyPI readers fail on real files (see FORMATS.md). It reads the
file line by line, decoding as it goes, and hands each entry on as soon as its :61: and :86:
are read, so memory stays flat in the size of the file. The reader is tolerant of what banks
really send (tests/integrations/formats/mt940_variants holds a sample of each):

* header lines, SWIFT block wrappers, and a trailer ``-}{5:...}`` followed on the same line by
  the next message's header and first field; :NS: fields; non-ASCII text;
* a :61: with four blanks for its entry date, with a transaction type that is a letter and a
  blank code (``S   ``), or broken over up to three lines inside its mandatory part; a :28C:
  broken over two lines;
* a :86: continued on lines that begin with digits, or with what only looks like a tag we do not
  know (a time wrapped at ``:26:37``); a trailing :86: after the closing balance;
* :25: as an IBAN with the currency after it, ``/IBAN``, ``BIC/IBAN`` or ``BIC/account/CCY``.

It is strict about what would corrupt the books: a statement without a closing balance (also
when the next statement's :20: follows a cut :86:), a second :25: inside a statement, digits
other than ASCII in a number, and a NUL byte are refused with the line number.

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

import codecs
import datetime as dt
import io
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from integrations.formats.checks import nul_position
from integrations.formats.errors import FormatError
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

__all__ = ["iter_mt940", "parse_mt940", "parse_swift_amount"]

# Every pattern is ASCII: Python's \\d, int() and Decimal() also take Arabic-Indic and other
# Unicode digits, which have no place in a SWIFT field.
_TAG_RE = re.compile(r"^:(?P<tag>\d{2}[A-Z]?|NS):(?P<rest>.*)$", re.ASCII)
_END_RE = re.compile(r"^-(\}.*|[A-Z]*)\s*$", re.ASCII)
# A closed block: the header blocks {1:}{2:}{3:{...}} before a message, the trailers {5:{CHK:...}}
# and {S:...} after it.
_LEADING_BLOCK_RE = re.compile(r"^\{[1-35S]:(?:\{[^{}]*\}|[^{}])*\}")
_AMOUNT_RE = re.compile(r"^\d+(,\d*)?$", re.ASCII)
_BALANCE_RE = re.compile(r"^(?P<dc>[CD])(?P<date>\d{6})(?P<ccy>[A-Z]{3})(?P<amount>[\d,]+)$", re.ASCII)
# The entry date may be four blanks, and the transaction type a letter with a blank code
# ("S   "): both as banks write them when they have nothing to put there.
_LINE_61_RE = re.compile(
    r"^(?P<value>\d{6})(?P<entry>\d{4}| {4})?(?P<mark>RC|RD|EC|ED|C|D)(?P<funds>[A-Z])?"
    r"(?P<amount>\d[\d,]*)(?P<ttype>[NSF](?:[A-Z0-9]{3}| {3}))(?P<refs>.*)$",
    re.ASCII,
)
_IBAN_RE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$", re.ASCII)
_BIC_RE = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$")
_STRUCTURED_86_RE = re.compile(r"^(?P<gvc>\d{3})(?P<sep>[?>])\d{2}", re.ASCII)
_SEPA_KEY_RE = re.compile(r"^(?P<key>[A-Z]{4})[+:]")
# Subfield splitters of a structured :86:, by separator (what _STRUCTURED_86_RE allows).
_SUBFIELD_SPLIT_RE = {separator: re.compile(re.escape(separator) + r"(\d{2})", re.ASCII) for separator in "?>"}
_MT940_LINE_WIDTH = 65
_BROKEN_61_LINES = 3  # a :61: broken over more lines than this is not read as one
_SUBFIELD_WIDTH = 27
_SEPA_KEYS = ("EREF", "MREF", "SVWZ")  # the SEPA keywords a TransactionDetail keeps
_CREDIT_MARKS = frozenset({"C", "RD", "EC"})
_REVERSAL_MARKS = frozenset({"RC", "RD"})
_PENDING_MARKS = frozenset({"EC", "ED"})
_DECODE_CHUNK = 1024 * 1024

# Tags that carry nothing a statement import needs (MT942 extras, related reference).
_IGNORED_TAGS = frozenset({"NS", "21", "13", "13D", "34F", "90C", "90D"})
_OPENING_TAGS = frozenset({"60F", "60M"})
_CLOSING_TAGS = frozenset({"62F", "62M"})
_KNOWN_TAGS = _IGNORED_TAGS | {"20", "25", "28", "28C", "61", "64", "65", "86"} | _OPENING_TAGS | _CLOSING_TAGS
# Tags that, after a closed statement and without a new :20:, begin the next statement.
_CONTINUING_TAGS = frozenset({"25", "28", "28C"}) | _OPENING_TAGS


class _Field(NamedTuple):  # a tuple: two are made per entry, and a tuple is made fastest
    tag: str
    lines: tuple[str, ...]  # the text after the tag, then each continuation line
    line: int


@dataclass(slots=True)
class _Builder:
    """The statement being read; mutable only while its fields arrive. Its entries are not kept:
    each is handed on once read, the last one waiting (pending) for its :86:."""

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
    pending: _Field | None = None  # the last :61:, until its :86: or the next :61: or :62:
    pending_info: _Field | None = None
    last_entry_line: int = 0
    last_has_info: bool = False
    head: Statement | None = None  # once its StatementStart is out
    held: list[tuple[_Field, _Field | None]] | None = None  # entries read before the :25:, if any

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


class _Notes:
    """What a read learns besides the statements: its warnings, in the order parse_mt940 has
    always reported them (those found while reading, then those about whole statements), and
    the first :20: (the file's message id)."""

    def __init__(self) -> None:
        self.reading: list[str] = []
        self.statements: list[str] = []
        self.reference: str | None = None
        self.document_ids: dict[str, int] = {}
        # The first error in an entry or a statement's account. The file is read on to its
        # end all the same, and an error in its fields (a truncated file) is reported first.
        self.deferred: FormatError | None = None

    @property
    def warnings(self) -> list[str]:
        return self.reading + self.statements


def parse_swift_amount(text: str) -> Decimal:
    """A SWIFT amount (digits, decimal comma, no sign, no thousands separator) as Decimal."""
    cleaned = text.strip()
    if not _AMOUNT_RE.match(cleaned):
        raise ValueError(f"not a SWIFT amount: {text!r}")
    whole, _, fraction = cleaned.partition(",")
    return Decimal(f"{whole}.{fraction}") if fraction else Decimal(whole)


def parse_mt940(data: bytes, filename: str | None = None) -> BankFile:
    """Read every statement of an MT940 file; refuse the whole file if one is broken."""
    notes = _Notes()
    statements = tuple(statements_from(_read(data, filename, notes)))
    return BankFile(
        format="mt940",
        message_id=notes.reference or "",
        statements=statements,
        warnings=tuple(notes.warnings),
    )


def iter_mt940(data: bytes, filename: str | None = None, *, warnings: list[str]) -> Iterator[StatementEvent]:
    """Each statement's StatementStart, its entries as they are read, then its StatementEnd.

    The reader's warnings are added to `warnings` once the stream is exhausted, in the order
    parse_mt940 reports them. A FormatError (naming the line) can come after statements and
    entries were yielded, as from a truncated file: store them in one transaction.
    """
    notes = _Notes()
    yield from _read(data, filename, notes)
    warnings.extend(notes.warnings)


def _read(data: bytes, filename: str | None, notes: _Notes) -> Iterator[StatementEvent]:
    try:
        _refuse_nul(data)
        yield from _events(_lines(data), notes)
    except FormatError as error:
        if filename:
            raise error.with_filename(filename) from error
        raise


def _refuse_nul(data: bytes) -> None:
    found = nul_position(data)
    if found is None:
        return
    number, column = found
    field = "the text before the first field"
    for line in reversed(data.decode("latin-1").splitlines()[:number]):
        tag = _TAG_RE.match(_strip_block_headers(line))
        if tag is not None:
            field = f":{tag['tag']}:"
            break
    raise FormatError(f"a NUL byte in {field} at column {column}; a bank file never holds one", line=number)


def _lines(data: bytes) -> io.TextIOWrapper:
    """The file's lines, decoded as they are read: CR LF and lone CR end a line like LF."""
    # Banks send UTF-8, Latin-1 or CP1252 without saying which; Latin-1 never fails.
    encoding = "utf-8-sig" if _is_utf8(data) else "latin-1"
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=None)


def _is_utf8(data: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), _DECODE_CHUNK):
            decoder.decode(view[start : start + _DECODE_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _events(lines: Iterator[str], notes: _Notes) -> Iterator[StatementEvent]:
    """Fields with their continuation lines, applied as each one ends; header lines outside a
    field are dropped."""
    current: _Builder | None = None
    tag = ""
    parts: list[str] = []
    start = 0
    tag_match = _TAG_RE.match
    for number, raw in enumerate(lines, start=1):
        # Trailing blanks stay: in wrapped :86: text they separate words.
        line = raw[:-1] if raw[-1:] == "\n" else raw
        first = line[:1]
        if first == "{":
            line = _strip_block_headers(line)
            first = line[:1]
        match = tag_match(line) if first == ":" else None
        if match is not None and tag == "86" and match["tag"] not in _KNOWN_TAGS:
            match = None  # wrapped :86: text that begins like a tag (the time 16:26:37 cut after "16")
        is_end = first == "-" and _END_RE.match(line.rstrip()) is not None
        if match is None and not is_end:
            if tag and line.strip():
                parts.append(line)
            continue
        if tag:
            found = _Field(tag, tuple(parts), start)
            if tag == "61" or tag == "86":
                assert current is not None  # refused (:61:) or dropped (:86:) where the field starts
                yield from _apply_entry_field(found, current, notes)
            else:
                current = yield from _apply(found, current, notes)
            tag = ""
        if match is None:  # the end of a message
            if current is not None:
                yield from _finish(current, notes, number)
            current = None
            # Its trailer ({5:{CHK:...}}), the next message's header and even its first field may
            # follow on the same line.
            rest = _strip_block_headers(line[2:]) if line[1:2] == "}" else ""
            match = tag_match(rest) if rest[:1] == ":" else None
            if match is None:
                continue
        tag, parts, start = match["tag"], [match["rest"]], number
        if current is None and tag in ("61", "86"):
            if tag == "86":
                tag = ""  # a stray :86: between messages carries no booking
                continue
            raise FormatError(f":{tag}: outside a statement (no :20: before it)", line=number)
    if tag:
        found = _Field(tag, tuple(parts), start)
        if tag == "61" or tag == "86":
            assert current is not None  # as above
            yield from _apply_entry_field(found, current, notes)
        else:
            current = yield from _apply(found, current, notes)
    if current is not None:
        yield from _finish(current, notes, None)
    if notes.reference is None:
        raise FormatError("no MT940 statement found")
    if notes.deferred is not None:
        raise notes.deferred


def _strip_block_headers(line: str) -> str:
    # {1:...}{2:...}{3:{...}} wrap the message; the statement is inside {4: ... -}{5:...}.
    while True:
        match = _LEADING_BLOCK_RE.match(line)
        if match is None:
            break
        line = line[match.end() :]
    return line.removeprefix("{4:")


def _apply(token: _Field, current: _Builder | None, notes: _Notes) -> Generator[StatementEvent, None, _Builder | None]:
    """Apply a field other than :61: and :86:; the generator's value is the statement now read."""
    tag = token.tag
    if tag == "20":
        if current is not None:
            yield from _finish(current, notes, token.line)
        if notes.reference is None:
            notes.reference = _joined(token.lines)
        return _Builder(reference=_joined(token.lines), line=token.line)
    if tag in _IGNORED_TAGS:
        return current
    if current is None:
        raise FormatError(f":{tag}: outside a statement (no :20: before it)", line=token.line)
    if current.is_closed and tag in _CONTINUING_TAGS:
        yield from _finish(current, notes, token.line)
        current = current.successor(token.line, tag)
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
    elif tag in _CLOSING_TAGS:
        _require_open(token, current)
        yield from _flush(current, notes)
        current.closing, current.closing_tag = _balance(token, "CLBD"), tag
    elif tag == "64":
        current.other_balances.append(_balance(token, "CLAV"))
    elif tag == "65":
        current.other_balances.append(_balance(token, "FWAV"))
    else:
        notes.reading.append(f"line {token.line}: unknown tag :{tag}: ignored")
    return current


def _apply_entry_field(token: _Field, current: _Builder, notes: _Notes) -> tuple[StatementEvent, ...]:
    """A :61: or :86: (the hot path: no generator per field); returns the events it completes."""
    if token.tag == "61":
        _require_open(token, current)
        events = _flush(current, notes)
        current.pending = token
        current.last_entry_line, current.last_has_info = token.line, False
        return events
    # Old ING files put a summary :86: after :62F:, others a statement-level :86: before
    # the first :61:; neither describes a booking.
    if current.is_closed or not current.last_entry_line:
        return ()
    if current.last_has_info:
        notes.reading.append(f"line {token.line}: second :86: for the :61: at line {current.last_entry_line} ignored")
        return ()
    current.last_has_info = True
    current.pending_info = token
    return _flush(current, notes)


def _flush(current: _Builder, notes: _Notes) -> tuple[StatementEvent, ...]:
    """Hand on the pending entry (and, before the first one, the statement's start)."""
    pending, info = current.pending, current.pending_info
    if pending is None:
        return ()
    current.pending = current.pending_info = None
    if notes.deferred is not None:
        return ()
    if current.held is None and current.head is None and not current.account:
        current.held = []  # the :25: may still come (not where the standard puts it): wait for it
    if current.held is not None:
        current.held.append((pending, info))
        return ()
    try:
        start = _start(current, notes)
        entry = _entry(pending, info, _currency(current))
    except FormatError as error:
        notes.deferred = error
        return ()
    return (entry,) if start is None else (start, entry)


def _finish(current: _Builder, notes: _Notes, line: int | None) -> Iterator[StatementEvent]:
    """The statement ends (a new :20:, the next statement's first tag, the end of the message or
    of the file): it must be closed."""
    if not current.is_closed:
        raise _unclosed(current, line)
    if notes.deferred is not None:
        return
    try:
        start = _start(current, notes)
        held = [_entry(pending, info, _currency(current)) for pending, info in current.held or ()]
    except FormatError as error:
        notes.deferred = error
        return
    if start is not None:
        yield start
    yield from held
    assert current.head is not None
    yield StatementEnd(_statement(current, current.head, notes))


def _currency(current: _Builder) -> str:
    # Entries carry the statement's currency, which the opening balance (before any :61:) names.
    return current.opening.currency if current.opening is not None else ""


def _start(current: _Builder, notes: _Notes) -> StatementStart | None:
    if current.head is not None:
        return None
    current.head = _head(current, notes)
    return StatementStart(current.head)


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
    if text.count(",") <= 1 and text[:1].isdigit():  # what _AMOUNT_RE allows, without the call
        return Decimal(text.replace(",", ".")) if "," in text else Decimal(text)
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


def _head(builder: _Builder, notes: _Notes) -> Statement:
    """The statement as known before its first entry; from here on its id and account are fixed
    (a second :25: or a late :28C: is refused)."""
    if not builder.account:
        raise FormatError(f"statement {builder.reference!r} has no account :25:", line=builder.line)
    opening = builder.opening
    if opening is None:  # a :61: or :62F: needs the opening balance before it
        raise FormatError("statement without balances", line=builder.line)
    document_id = f"{builder.reference}/{builder.sequence}"
    count = notes.document_ids.get(document_id, 0) + 1
    notes.document_ids[document_id] = count
    return Statement(
        document_id=f"{document_id}#{count}" if count > 1 else document_id,
        account=_account(builder.account, opening.currency),
        balances=(opening,),
        sequence=builder.sequence,
        line=builder.line,
    )


def _statement(builder: _Builder, head: Statement, notes: _Notes) -> Statement:
    opening, closing = builder.opening, builder.closing
    if opening is None or closing is None:  # _finish refuses unclosed statements before this
        raise FormatError("statement without balances", line=builder.line)
    if "M" in (builder.opening_tag[-1:], builder.closing_tag[-1:]):
        notes.statements.append(
            f"line {builder.line}: statement {builder.reference}/{builder.sequence} has "
            f"intermediate balances (:{builder.opening_tag}:/:{builder.closing_tag}:), "
            "mapped to OPBD/CLBD"
        )
    return Statement(
        document_id=head.document_id,
        account=head.account,
        balances=(opening, closing, *builder.other_balances),
        sequence=builder.sequence,
        line=builder.line,
    )


def _account(raw: str, currency: str) -> AccountRef:
    """:25: as banks write it: an IBAN, with the currency after it or not ("NL..0123456789 EUR"),
    "/IBAN", "BIC/IBAN", "BIC/account/CCY" or "bank code/account". The IBAN is taken out when
    there is one; otherwise other_id keeps the text without a trailing "/CCY"."""
    text = raw
    if currency and text.upper().endswith(f"/{currency}"):
        text = text[: -len(currency) - 1].rstrip()
    parts = text.split("/")
    first = parts[0].strip().upper()
    bic = first if len(parts) > 1 and _BIC_RE.match(first) else ""
    candidate = parts[-1].replace(" ", "").upper()
    if candidate.endswith(currency) and _IBAN_RE.match(candidate[: -len(currency)]):
        candidate = candidate[: -len(currency)]  # some banks append the currency to the IBAN
    if _IBAN_RE.match(candidate):
        return AccountRef(iban=candidate, bic=bic, currency=currency)
    return AccountRef(other_id=text, bic=bic, currency=currency)


# --- entry ---------------------------------------------------------------------------------


def _entry(token: _Field, info: _Field | None, currency: str) -> Entry:
    lines = token.lines
    match = _LINE_61_RE.match(lines[0].strip())
    details_from = 1
    if match is None:
        match, details_from = _broken_statement_line(token)
    value, entry_on, mark, _, amount, transaction_type, refs = match.groups()
    value_on = _date(value, token)
    if transaction_type[1] == " ":
        transaction_type = transaction_type[0]
    customer_ref, _, bank_ref = refs.partition("//")
    supplementary = (
        " ".join(stripped for part in lines[details_from:] if (stripped := part.strip()))
        if len(lines) > details_from
        else ""
    )
    description, code, detail = _information(info) if info is not None else ("", "", None)
    if supplementary:
        description = f"{supplementary} {description}" if description else supplementary
    # Positional, in field order: on this path a keyword call costs a quarter more.
    return Entry(
        _amount(amount, token),
        currency,
        CreditDebit.CREDIT if mark in _CREDIT_MARKS else CreditDebit.DEBIT,
        mark in _REVERSAL_MARKS,  # is_reversal
        "PDNG" if mark in _PENDING_MARKS else "BOOK",  # status
        _entry_date(entry_on, value_on),  # booking_on
        value_on,
        "",  # account_servicer_ref
        bank_ref.strip(),
        customer_ref.strip(),
        transaction_type,  # bank_transaction_code
        code,  # proprietary_code
        description,
        (detail,) if detail is not None else (),
        token.line,
    )


def _broken_statement_line(token: _Field) -> tuple[re.Match[str], int]:
    """A :61: whose first line does not hold its whole mandatory part: some banks break it after
    the mark or inside the amount. Its next lines are joined on (at most _BROKEN_61_LINES in all)
    until the mandatory part reads; the lines after them are its supplementary details."""
    lines = token.lines
    joined = lines[0].strip()
    for count in range(2, min(len(lines), _BROKEN_61_LINES) + 1):
        joined += lines[count - 1].strip()
        match = _LINE_61_RE.match(joined)
        if match is not None:
            return match, count
    raise FormatError(f"unreadable statement line :61:{lines[0]}", line=token.line)


def _entry_date(mmdd: str | None, value_on: dt.date) -> dt.date:
    if not mmdd or mmdd[0] == " ":
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


def _information(token: _Field) -> tuple[str, str, TransactionDetail | None]:
    """(description, proprietary code, detail) of an entry's :86:."""
    lines = token.lines
    joined = lines[0].lstrip() if len(lines) == 1 else "".join(lines).lstrip()
    structured = _STRUCTURED_86_RE.match(joined)
    if structured is None:
        return _wrapped(lines, _MT940_LINE_WIDTH), "", None
    return _structured_information(joined, structured["sep"])


def _wrapped(parts: tuple[str, ...] | list[str], width: int) -> str:
    """Re-join text that the bank cut into fixed-width lines.

    A full-width line was cut mid-word, so it joins its successor directly; a shorter line
    ended where the bank ended it, so a space separates it from the next.
    """
    if len(parts) == 1:
        return parts[0].strip()
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


def _structured_information(text: str, separator: str) -> tuple[str, str, TransactionDetail | None]:
    """German-style :86: (GVC, then ?00 posting text, ?20-?29 remittance, ?30 BIC...)."""
    pieces = _SUBFIELD_SPLIT_RE[separator].split(text)
    remittance: list[str] = []
    names: list[str] = []
    account = bic = ""
    keys = _SUBFIELD_KEYS
    for index in range(1, len(pieces) - 1, 2):
        key = pieces[index]
        number = keys[key]  # two ASCII digits, as the splitter matches them
        value = pieces[index + 1]
        if 20 <= number <= 29 or 60 <= number <= 63:
            remittance.append(value)
        elif number == 32 or number == 33:
            names.append(value)
        elif number == 31:
            account += value.strip()
        elif number == 30:
            bic += value.strip()
    name = _wrapped(names, _SUBFIELD_WIDTH) if names else ""
    end_to_end_id = mandate_id = remittance_info = ""
    if remittance:
        sepa = _sepa_values(remittance)
        if sepa:
            end_to_end_id = _provided(sepa.get("EREF", ""))
            mandate_id = _provided(sepa.get("MREF", ""))
            remittance_info = _provided(sepa.get("SVWZ", ""))
    detail = None
    if end_to_end_id or mandate_id or remittance_info or name or account or bic:
        is_iban = bool(account) and _IBAN_RE.match(account) is not None
        detail = TransactionDetail(  # positional, in field order, as Entry below
            None,  # amount
            "",  # currency
            end_to_end_id,
            "",  # tx_id
            "",  # instruction_id
            "",  # account_servicer_ref
            "",  # uetr
            mandate_id,
            "",  # creditor_ref
            remittance_info,
            name,  # counterparty_name
            account if is_iban else "",  # counterparty_iban
            "" if is_iban else account,  # counterparty_account
            bic,  # counterparty_bic
            "",  # return_reason
        )
    description = _wrapped(remittance, _SUBFIELD_WIDTH) if remittance else ""
    return description, pieces[0].strip(), detail


_SUBFIELD_KEYS = {f"{number:02d}": number for number in range(100)}


def _sepa_values(remittance: list[str]) -> dict[str, str]:
    """The SEPA keywords a detail keeps (EREF+, MREF+, SVWZ+) that open a remittance line, with
    their text up to the next keyword."""
    values: dict[str, list[str]] = {}
    current: list[str] | None = None
    match = _SEPA_KEY_RE.match
    for line in remittance:
        found = match(line)
        if found is not None:
            current = values.setdefault(found[1], [])
        if current is not None:
            current.append(line)
    # Joined with the keyword still in place, so the first line keeps its full width.
    return {key: _wrapped(lines, _SUBFIELD_WIDTH)[len(key) + 1 :] for key, lines in values.items() if key in _SEPA_KEYS}


def _provided(value: str) -> str:
    return "" if value.upper() == "NOTPROVIDED" else value
