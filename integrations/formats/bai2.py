"""BAI2 cash-management files: bytes in, a BankFile out.

Our own reader, because the ``bai2`` package fails on the spec's own example and on the
layouts banks really send (see FORMATS.md). What it accepts:

* records ending in ``/`` or at the end of the line; several records on one physical line
  (``.../   02,...``); a record cut across two physical lines;
* ``88`` continuations anywhere, including one that splits a type code from its amount (the
  continuation's fields simply continue the record's fields, as the spec says);
* funds types 0, 1, 2, Z (no extra fields), S (three amounts), V (value date and time) and D
  (a count, then that many day/amount pairs);
* a blank account control total (``49,,2/``).

Decisions:

* Each ``03``..``49`` account becomes one Statement. ``document_id`` is
  ``file id/sender/creation date+time/account/as-of date``; when a file repeats that key
  (two ``03`` records for one account in one group), the later ones get ``#2``, ``#3``...
* Status codes 001-099 become balances: 010 ``OPBD``, 015 ``CLBD``, 040 ``OPAV``, 045
  ``CLAV``, any other as ``BAI:<code>`` (e.g. ``BAI:072`` one-day float), so nothing the bank
  reported is lost and the ISO types stay unambiguous. Summary codes (100-999) are totals of
  activity, not balances: they are not kept as balances, but when both 100 (total credits)
  and 400 (total debits) are given they fill ``declared_entry_sum`` (and
  ``declared_entry_count`` when both carry item counts) for the matching engine.
* ``16`` details with type codes 100-399 are credits, 400-699 debits; other codes have a
  bank-defined direction, so they are left out with a warning rather than guessed.
* Amounts are in the currency's minor units (2 decimals; JPY and friends 0; BHD and friends
  3). The account's currency overrides the group's; with neither, USD.
* Trailer totals and record counts that disagree with the records are warnings (real files
  have them); a missing ``49``, ``98`` or ``99`` means a truncated file and is refused with
  the line number.
* BAI2 times carry no time zone, so ``created_at`` stays None rather than being guessed; the
  raw creation date and time are part of ``document_id``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from integrations.formats.checks import MAX_NUMBER_DIGITS, ascii_digits, nul_position
from integrations.formats.errors import FormatError
from integrations.formats.types import AccountRef, Balance, BankFile, CreditDebit, Entry, Statement

__all__ = ["parse_bai2"]

_KNOWN_CODES = ("01", "02", "03", "16", "49", "88", "98", "99")
_RECORD_START_RE = re.compile(r"^(?P<code>\d{2}),", re.ASCII)
# A "/" followed by blanks and a record code ends one record of several on a line; a "/"
# inside text ("22/03/66") has no blank after it.
_RECORD_SPLIT_RE = re.compile(r"(?<=/)\s+(?=(?:" + "|".join(_KNOWN_CODES) + r"),)")
_AMOUNT_RE = re.compile(rf"^[+-]?[0-9]{{1,{MAX_NUMBER_DIGITS}}}$")
_DEFAULT_CURRENCY = "USD"
_ZERO_DECIMAL_CURRENCIES = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND"}
) | frozenset({"VUV", "XAF", "XOF", "XPF"})
_THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
_BALANCE_TYPES = {"010": "OPBD", "015": "CLBD", "040": "OPAV", "045": "CLAV"}
_FUNDS_WITHOUT_EXTRAS = frozenset({"", "0", "1", "2", "Z"})


@dataclass(frozen=True, slots=True)
class _Record:
    """One logical record: its own text, then each 88 continuation's text."""

    code: str
    pieces: tuple[str, ...]
    line: int

    @property
    def physical_count(self) -> int:
        return len(self.pieces)  # the record plus its 88s, as trailer counts count them


class _Cursor:
    """Reads a record's comma-separated fields across its 88 continuations."""

    def __init__(self, record: _Record) -> None:
        self._record = record
        self._piece = 0
        self._pos = 0

    def next(self) -> str | None:
        pieces = self._record.pieces
        while self._piece < len(pieces):
            text = pieces[self._piece]
            if self._pos > len(text):
                self._piece, self._pos = self._piece + 1, 0
                continue
            comma = text.find(",", self._pos)
            end = len(text) if comma == -1 else comma
            value, self._pos = text[self._pos : end], end + 1
            return value.strip()
        return None

    def require(self, what: str) -> str:
        value = self.next()
        if value is None:
            raise FormatError(f"record {self._record.code} ends before its {what}", line=self._record.line)
        return value

    def rest_text(self) -> str:
        """Free text runs to the end of the record, commas included; 88s add lines to it."""
        pieces = self._record.pieces
        parts: list[str] = []
        if self._piece < len(pieces) and self._pos <= len(pieces[self._piece]):
            parts.append(pieces[self._piece][self._pos :])
        parts.extend(pieces[self._piece + 1 :])
        self._piece, self._pos = len(pieces), 0
        return " ".join(part.strip() for part in parts if part.strip())


@dataclass(frozen=True, slots=True)
class _FileHeader:
    sender: str
    receiver: str
    creation_date: str
    creation_time: str
    file_id: str
    version: str


@dataclass(slots=True)
class _Group:
    currency: str
    as_of: dt.date | None
    originator: str
    line: int
    records: int = 1
    accounts: int = 0
    declared_account_totals: int = 0


@dataclass(slots=True)
class _Account:
    number: str
    currency: str
    line: int
    balances: list[Balance] = field(default_factory=list)
    summaries: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    amount_sum: int = 0  # minor units, the algebraic sum the 49 trailer declares
    records: int = 0


def parse_bai2(data: bytes, filename: str | None = None) -> BankFile:
    """Read every account of a BAI2 file; refuse the whole file if it is cut short."""
    try:
        _refuse_nul(data)
        return _Reader(_records(_decode(data))).read()
    except FormatError as error:
        if filename:
            raise error.with_filename(filename) from error
        raise


def _refuse_nul(data: bytes) -> None:
    found = nul_position(data)
    if found is None:
        return
    number, column = found
    start = _RECORD_START_RE.match(data.splitlines()[number - 1].decode("latin-1"))
    where = f"record {start['code']}" if start else "the line"
    raise FormatError(f"a NUL byte in {where} at column {column}; a bank file never holds one", line=number)


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(slots=True)
class _RawRecord:
    code: str
    text: str
    line: int
    terminated: bool


def _raw_records(text: str) -> Iterator[_RawRecord]:
    current: _RawRecord | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        for segment in _RECORD_SPLIT_RE.split(line.rstrip()):
            start = _RECORD_START_RE.match(segment)
            if start is None or start["code"] not in _KNOWN_CODES:
                if start is not None:
                    raise FormatError(f"unknown record code {start['code']!r}", line=number)
                if current is None or current.terminated:
                    raise FormatError(f"not a BAI2 record: {segment[:20]!r}", line=number)
                # A record the bank cut across two physical lines without a "/".
                current.text += segment
                current.terminated = segment.endswith("/")
                continue
            if current is not None:
                yield current
            current = _RawRecord(start["code"], segment[start.end() :], number, segment.endswith("/"))
    if current is not None:
        yield current


def _records(text: str) -> list[_Record]:
    records: list[_Record] = []
    for raw in _raw_records(text):
        body = raw.text[:-1] if raw.terminated else raw.text
        if raw.code != "88":
            records.append(_Record(raw.code, (body,), raw.line))
        elif not records:
            raise FormatError("continuation record 88 before any record", line=raw.line)
        else:
            last = records[-1]
            records[-1] = _Record(last.code, (*last.pieces, body), last.line)
    if not records:
        raise FormatError("no BAI2 records found")
    return records


class _Reader:
    def __init__(self, records: list[_Record]) -> None:
        self._records = records
        self._warnings: list[str] = []
        self._statements: list[Statement] = []
        self._header: _FileHeader | None = None
        self._group: _Group | None = None
        self._account: _Account | None = None
        self._file_records = 0
        self._groups = 0
        self._declared_group_totals = 0
        self._closed_at: int | None = None

    def read(self) -> BankFile:
        for record in self._records:
            self._file_records += record.physical_count
            if self._closed_at is not None:
                raise FormatError(
                    f"record {record.code} after the file trailer 99 at line {self._closed_at}",
                    line=record.line,
                )
            self._dispatch(record)
        if self._closed_at is None:
            raise self._truncated(self._records[-1])
        header = self._header
        if header is None:  # _dispatch refuses a file that does not start with 01
            raise FormatError("no file header 01")
        return BankFile(
            format="bai2",
            version=header.version,
            message_id=header.file_id,
            sender=header.sender,
            receiver=header.receiver,
            statements=tuple(_number_duplicates(self._statements)),
            warnings=tuple(self._warnings),
        )

    def _dispatch(self, record: _Record) -> None:
        if self._header is None and record.code != "01":
            raise FormatError(f"file starts with record {record.code}, not the file header 01", line=record.line)
        handlers = {
            "01": self._file_header,
            "02": self._group_header,
            "03": self._account_header,
            "16": self._detail,
            "49": self._account_trailer,
            "98": self._group_trailer,
            "99": self._file_trailer,
        }
        handlers[record.code](record)

    # -- structure ---------------------------------------------------------------------

    def _file_header(self, record: _Record) -> None:
        if self._header is not None:
            raise FormatError("second file header 01", line=record.line)
        cursor = _Cursor(record)
        sender, receiver = cursor.require("sender"), cursor.require("receiver")
        creation_date, creation_time = cursor.require("date"), cursor.require("time")
        file_id = cursor.require("file id")
        cursor.next()  # physical record length
        cursor.next()  # block size
        version = cursor.next() or ""
        if version not in ("", "2"):
            self._warnings.append(f"line {record.line}: BAI version {version!r}, read as 2")
        self._header = _FileHeader(sender, receiver, creation_date, creation_time, file_id, version or "2")

    def _group_header(self, record: _Record) -> None:
        if self._group is not None:
            raise FormatError(
                f"group header 02, but the group at line {self._group.line} has no group trailer 98",
                line=record.line,
            )
        cursor = _Cursor(record)
        cursor.next()  # ultimate receiver
        originator = cursor.next() or ""
        cursor.next()  # group status
        as_of = _date(cursor.next() or "", record)
        cursor.next()  # as-of time
        currency = (cursor.next() or "").upper()
        self._group = _Group(
            currency=currency,
            as_of=as_of,
            originator=originator,
            line=record.line,
            records=record.physical_count,
        )

    def _account_header(self, record: _Record) -> None:
        group = self._require_group(record)
        if self._account is not None:
            raise self._missing_account_trailer(record)
        cursor = _Cursor(record)
        number = cursor.require("account number")
        currency = (cursor.next() or "").upper() or group.currency or _DEFAULT_CURRENCY
        account = _Account(number=number, currency=currency, line=record.line, records=record.physical_count)
        while (type_code := cursor.next()) not in (None, ""):
            self._summary(cursor, str(type_code), account, group, record)
        self._account = account

    def _summary(self, cursor: _Cursor, type_code: str, account: _Account, group: _Group, record: _Record) -> None:
        raw_amount = cursor.next() or ""
        raw_count = cursor.next() or ""
        _skip_funds(cursor, record)
        if not raw_amount:
            return  # a type code reported without an amount says nothing
        minor = _minor_units(raw_amount, record)
        account.amount_sum += minor
        amount = _major(minor, account.currency)
        if not ascii_digits(type_code) or len(type_code) != 3:
            raise FormatError(f"invalid type code {type_code!r}", line=record.line)
        if int(type_code) < 100:
            balance_type = _BALANCE_TYPES.get(type_code, f"BAI:{type_code}")
            account.balances.append(Balance(balance_type, amount, account.currency, group.as_of))
        else:
            count = int(raw_count) if ascii_digits(raw_count) else None
            account.summaries[type_code] = (minor, count)

    def _detail(self, record: _Record) -> None:
        account = self._require_account(record)
        account.records += record.physical_count
        cursor = _Cursor(record)
        type_code = cursor.require("type code")
        minor = _minor_units(cursor.require("amount"), record)
        account.amount_sum += minor
        value_on = _skip_funds(cursor, record)
        bank_ref, customer_ref = cursor.next() or "", cursor.next() or ""
        text = cursor.rest_text()
        direction = _direction(type_code)
        if direction is None:
            self._warnings.append(
                f"line {record.line}: detail type code {type_code!r} is neither a credit "
                "(100-399) nor a debit (400-699); not imported"
            )
            return
        group = self._require_group(record)
        account.entries.append(
            Entry(
                amount=abs(_major(minor, account.currency)),
                currency=account.currency,
                credit_debit=direction,
                booking_on=group.as_of,
                value_on=value_on,
                bank_ref=bank_ref,
                customer_ref=customer_ref,
                bank_transaction_code=type_code,
                description=text,
                line=record.line,
            )
        )

    def _account_trailer(self, record: _Record) -> None:
        group = self._require_group(record)
        account = self._require_account(record)
        account.records += record.physical_count
        cursor = _Cursor(record)
        raw_total, raw_count = cursor.next() or "", cursor.next() or ""
        declared = _minor_units(raw_total, record) if raw_total else account.amount_sum
        self._compare(record, f"account {account.number} control total", declared, account.amount_sum)
        if raw_count:
            self._compare(
                record,
                f"account {account.number} record count",
                _count(raw_count, record),
                account.records,
            )
        group.records += account.records
        group.accounts += 1
        group.declared_account_totals += declared
        self._statements.append(self._statement(account, group))
        self._account = None

    def _group_trailer(self, record: _Record) -> None:
        group = self._require_group(record)
        if self._account is not None:
            raise self._missing_account_trailer(record)
        group.records += record.physical_count
        cursor = _Cursor(record)
        raw_total = cursor.next() or ""
        declared = _minor_units(raw_total, record) if raw_total else group.declared_account_totals
        self._compare(record, "group control total", declared, group.declared_account_totals)
        self._compare(record, "group account count", _count(cursor.next() or "", record), group.accounts)
        self._compare(record, "group record count", _count(cursor.next() or "", record), group.records)
        self._groups += 1
        self._declared_group_totals += declared
        self._group = None

    def _file_trailer(self, record: _Record) -> None:
        if self._account is not None:
            raise self._missing_account_trailer(record)
        if self._group is not None:
            raise FormatError(
                f"file trailer 99, but the group at line {self._group.line} has "
                "no group trailer 98; the file looks truncated",
                line=record.line,
            )
        cursor = _Cursor(record)
        raw_total = cursor.next() or ""
        declared = _minor_units(raw_total, record) if raw_total else self._declared_group_totals
        self._compare(record, "file control total", declared, self._declared_group_totals)
        self._compare(record, "file group count", _count(cursor.next() or "", record), self._groups)
        self._compare(record, "file record count", _count(cursor.next() or "", record), self._file_records)
        self._closed_at = record.line

    # -- helpers -----------------------------------------------------------------------

    def _require_group(self, record: _Record) -> _Group:
        if self._group is None:
            raise FormatError(f"record {record.code} outside a group (no 02 before it)", line=record.line)
        return self._group

    def _require_account(self, record: _Record) -> _Account:
        if self._account is None:
            raise FormatError(f"record {record.code} outside an account (no 03 before it)", line=record.line)
        return self._account

    def _missing_account_trailer(self, record: _Record) -> FormatError:
        account = self._account
        number, line = (account.number, account.line) if account else ("", 0)
        return FormatError(
            f"record {record.code}, but account {number} at line {line} has no "
            "account trailer 49; the file looks truncated",
            line=record.line,
        )

    def _truncated(self, last: _Record) -> FormatError:
        if self._account is not None:
            what = f"account {self._account.number} at line {self._account.line} has no 49"
        elif self._group is not None:
            what = f"the group at line {self._group.line} has no 98"
        else:
            what = "there is no file trailer 99"
        return FormatError(f"file ends, but {what}; it looks truncated", line=last.line)

    def _compare(self, record: _Record, what: str, declared: int, counted: int) -> None:
        if declared != counted:
            self._warnings.append(f"line {record.line}: {what} is {declared}, but the records add up to {counted}")

    def _statement(self, account: _Account, group: _Group) -> Statement:
        header = self._header
        if header is None:  # unreachable: _dispatch requires 01 first
            raise FormatError("no file header 01")
        as_of = group.as_of.strftime("%y%m%d") if group.as_of else ""
        document_id = "/".join(
            (
                header.file_id,
                header.sender,
                header.creation_date + header.creation_time,
                account.number,
                as_of,
            )
        )
        count, total = _declared_totals(account)
        return Statement(
            document_id=document_id,
            account=AccountRef(
                other_id=account.number,
                currency=account.currency,
                routing_number=group.originator if _is_aba(group.originator) else "",
            ),
            entries=tuple(account.entries),
            balances=tuple(account.balances),
            declared_entry_count=count,
            declared_entry_sum=total,
            line=account.line,
        )


def _declared_totals(account: _Account) -> tuple[int | None, Decimal | None]:
    credit_total, debit_total = account.summaries.get("100"), account.summaries.get("400")
    if credit_total is None or debit_total is None:
        return None, None
    total = _major(abs(credit_total[0]) + abs(debit_total[0]), account.currency)
    credit_count, debit_count = credit_total[1], debit_total[1]
    count = None if credit_count is None or debit_count is None else credit_count + debit_count
    return count, total


def _skip_funds(cursor: _Cursor, record: _Record) -> dt.date | None:
    """Consume the funds type and its extra fields; the value date when it is type V."""
    funds = (cursor.next() or "").upper()
    if funds in _FUNDS_WITHOUT_EXTRAS:
        return None
    if funds == "S":
        for _ in range(3):
            cursor.next()
        return None
    if funds == "V":
        value_on = _date(cursor.next() or "", record)
        cursor.next()  # value time
        return value_on
    if funds == "D":
        distributions = _count(cursor.next() or "", record)
        for _ in range(2 * distributions):
            cursor.next()
        return None
    raise FormatError(f"unknown funds type {funds!r}", line=record.line)


def _direction(type_code: str) -> CreditDebit | None:
    if not ascii_digits(type_code):
        return None
    code = int(type_code)
    if 100 <= code <= 399:
        return CreditDebit.CREDIT
    if 400 <= code <= 699:
        return CreditDebit.DEBIT
    return None


def _minor_units(text: str, record: _Record) -> int:
    if not _AMOUNT_RE.match(text):
        raise FormatError(f"invalid amount {text!r} in record {record.code}", line=record.line)
    return int(text)


def _major(minor: int, currency: str) -> Decimal:
    if currency in _ZERO_DECIMAL_CURRENCIES:
        return Decimal(minor)
    places = 3 if currency in _THREE_DECIMAL_CURRENCIES else 2
    return Decimal(minor).scaleb(-places)


def _count(text: str, record: _Record) -> int:
    if not ascii_digits(text):
        raise FormatError(f"invalid count {text!r} in record {record.code}", line=record.line)
    return int(text)


def _date(text: str, record: _Record) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%y%m%d").date()
    except ValueError:
        raise FormatError(f"invalid date {text!r} in record {record.code}", line=record.line) from None


def _is_aba(value: str) -> bool:
    if len(value) != 9 or not ascii_digits(value):
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(value, weights, strict=True)) % 10 == 0


def _number_duplicates(statements: list[Statement]) -> list[Statement]:
    seen: dict[str, int] = {}
    numbered: list[Statement] = []
    for statement in statements:
        count = seen.get(statement.document_id, 0) + 1
        seen[statement.document_id] = count
        if count > 1:
            statement = Statement(
                document_id=f"{statement.document_id}#{count}",
                account=statement.account,
                entries=statement.entries,
                balances=statement.balances,
                declared_entry_count=statement.declared_entry_count,
                declared_entry_sum=statement.declared_entry_sum,
                line=statement.line,
            )
        numbered.append(statement)
    return numbered
