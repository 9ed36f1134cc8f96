"""CSV account statements, read through a per-bank mapping that is stored as JSON.

Every bank exports CSV its own way, so a ``CsvMapping`` says how: delimiter, quote,
encoding, decimal and thousands separators, date format, rows to skip, which column holds
what, and the sign convention (a signed amount column, separate debit and credit columns,
or an amount with a D/C indicator column).

The whole file becomes one Statement. A row that cannot be read refuses the whole file with
the line number and the column named, so nothing is half-imported.

When a balance column is mapped, the opening balance is the first row's balance minus its
signed amount and the closing balance the last row's balance. Files listed newest first (the
first booking date after the last) are read from the other end for this. A running balance
that does not follow from the amounts is a warning.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

from integrations.formats.checks import MAX_NUMBER_DIGITS
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

__all__ = ["ColumnRef", "CsvMapping", "parse_csv_statement"]

ColumnRef = str | int  # a header name, or a 0-based column index
_IBAN_RE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
# ASCII digits only: Decimal() would also read Arabic-Indic and other Unicode digits.
_NUMBER_RE = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True, slots=True)
class CsvMapping:
    """How one bank's CSV export reads. Columns are header names or 0-based indexes.

    Exactly one sign convention: ``amount`` alone (signed, negative = debit), ``debit`` and
    ``credit`` columns, or ``amount`` with an ``indicator`` column whose values are listed in
    ``credit_values`` / ``debit_values``.
    """

    booking_date: ColumnRef
    amount: ColumnRef | None = None
    debit: ColumnRef | None = None
    credit: ColumnRef | None = None
    indicator: ColumnRef | None = None
    credit_values: tuple[str, ...] = ("C", "CR", "CRDT", "H")  # H: Haben
    debit_values: tuple[str, ...] = ("D", "DR", "DBIT", "S")  # S: Soll
    value_date: ColumnRef | None = None
    currency: ColumnRef | None = None
    fixed_currency: str = ""
    description: tuple[ColumnRef, ...] = ()  # joined with a space
    counterparty_name: ColumnRef | None = None
    counterparty_account: ColumnRef | None = None
    reference: ColumnRef | None = None
    balance: ColumnRef | None = None
    account_id: str = ""
    delimiter: str = ","
    quotechar: str = '"'
    encoding: str = "utf-8"
    decimal_separator: str = "."
    thousands_separator: str = ""
    date_format: str = "%Y-%m-%d"
    has_header: bool = True  # a row of column names follows the skipped rows
    skip_header_rows: int = 0  # lines before the column names (or the data), blank ones too
    skip_footer_rows: int = 0  # non-blank rows after the data

    def __post_init__(self) -> None:
        signed = self.amount is not None and self.indicator is None
        split = self.debit is not None or self.credit is not None
        if split and (self.debit is None or self.credit is None or self.amount is not None):
            raise ValueError("map both debit and credit columns, and no amount column")
        if not (signed or split or (self.amount is not None and self.indicator is not None)):
            raise ValueError("map an amount column, or debit and credit columns")
        if self.indicator is not None and self.amount is None:
            raise ValueError("an indicator column needs an amount column")
        if self.currency is None and not _CURRENCY_RE.match(self.fixed_currency):
            raise ValueError("map a currency column or give a fixed ISO 4217 currency")
        if self.decimal_separator == self.thousands_separator:
            raise ValueError("decimal and thousands separators must differ")
        names = [c for c in self._columns() if isinstance(c, str)]
        if names and not self.has_header:
            raise ValueError(f"columns named {names} need a header row (has_header)")
        if min(self.skip_header_rows, self.skip_footer_rows) < 0:
            raise ValueError("rows to skip cannot be negative")

    def _columns(self) -> list[ColumnRef]:
        single = (
            self.booking_date,
            self.amount,
            self.debit,
            self.credit,
            self.indicator,
            self.value_date,
            self.currency,
            self.counterparty_name,
            self.counterparty_account,
            self.reference,
            self.balance,
        )
        return [c for c in (*single, *self.description) if c is not None]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists)."""
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CsvMapping:
        """The mapping stored by to_dict; unknown keys are refused, not ignored."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown CSV mapping keys: {', '.join(unknown)}")
        values: dict[str, Any] = {
            key: tuple(value) if isinstance(value, list) else value for key, value in data.items()
        }
        return cls(**values)


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    cells: tuple[str, ...]

    @property
    def is_blank(self) -> bool:
        return not any(cell.strip() for cell in self.cells)


@dataclass(frozen=True, slots=True)
class _ReadRow:
    entry: Entry
    balance: Decimal | None


def parse_csv_statement(data: bytes, mapping: CsvMapping, filename: str | None = None) -> BankFile:
    """One Statement from a CSV export; a row that cannot be read refuses the whole file."""
    try:
        return _parse(data, mapping)
    except FormatError as error:
        if filename:
            raise error.with_filename(filename) from error
        raise


def _parse(data: bytes, mapping: CsvMapping) -> BankFile:
    rows = _rows(_decode(data, mapping.encoding), mapping)
    columns = _Columns(rows, mapping)
    read = [_read_row(row, columns, mapping) for row in columns.data_rows]
    if not read:
        raise FormatError("no statement rows in the CSV file")
    warnings: list[str] = []
    balances = _balances(read, warnings) if mapping.balance is not None else ()
    entries = tuple(r.entry for r in read)
    dates = [e.booking_on for e in entries if e.booking_on is not None]
    account = mapping.account_id.replace(" ", "")
    statement = Statement(
        document_id="/".join(
            (
                mapping.account_id or "csv",
                min(dates).isoformat(),
                max(dates).isoformat(),
                hashlib.sha256(data).hexdigest()[:12],
            )
        ),
        account=AccountRef(
            iban=account if _IBAN_RE.match(account) else "",
            other_id="" if _IBAN_RE.match(account) else mapping.account_id,
            currency=mapping.fixed_currency or entries[0].currency,
        ),
        entries=entries,
        balances=balances,
        line=read[0].entry.line,
    )
    return BankFile(format="csv", statements=(statement,), warnings=tuple(warnings))


def _decode(data: bytes, encoding: str) -> str:
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FormatError(f"not valid {encoding} text", line=line) from None
    except LookupError:
        raise FormatError(f"unknown encoding {encoding!r} in the CSV mapping") from None


def _rows(text: str, mapping: CsvMapping) -> list[_Row]:
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=mapping.delimiter,
        quotechar=mapping.quotechar,
        strict=True,
    )
    rows: list[_Row] = []
    start = 1
    try:
        for cells in reader:
            rows.append(_Row(start, tuple(cells)))
            start = reader.line_num + 1
    except csv.Error as error:
        raise FormatError(f"unreadable CSV: {error}", line=reader.line_num) from None
    return rows


class _Columns:
    """Resolves mapped columns to indexes and leaves the data rows."""

    def __init__(self, rows: list[_Row], mapping: CsvMapping) -> None:
        # Rows before the header are counted as the bank wrote them, blank ones included;
        # after it, blank rows (separators, trailing newlines) are neither data nor footer.
        body = [row for row in rows[mapping.skip_header_rows :] if not row.is_blank]
        if mapping.skip_footer_rows:
            body = body[: -mapping.skip_footer_rows]
        self._names: dict[str, int] = {}
        labels: list[str] = []
        labelled_from = 0
        if mapping.has_header:
            if not body:
                raise FormatError("the CSV file has no header row")
            header, body = body[0], body[1:]
            self._names = {cell.strip(): index for index, cell in enumerate(header.cells)}
            labels, labelled_from = [cell.strip() for cell in header.cells], header.line + 1
            for column in mapping._columns():
                if isinstance(column, str) and column not in self._names:
                    raise FormatError(f"column {column!r} not in the header", line=header.line, element=column)
        _refuse_nul(rows, labels, labelled_from)
        self.data_rows = body

    def cell(self, row: _Row, column: ColumnRef) -> str:
        index = self._names[column] if isinstance(column, str) else column
        if index >= len(row.cells):
            raise FormatError(
                f"row has {len(row.cells)} columns, column {column!r} missing",
                line=row.line,
                element=str(column),
            )
        return row.cells[index].strip()

    def optional(self, row: _Row, column: ColumnRef | None) -> str:
        return "" if column is None else self.cell(row, column)


def _refuse_nul(rows: list[_Row], labels: list[str], labelled_from: int) -> None:
    """No cell may hold a NUL byte (no bank export does; PostgreSQL cannot store one). A cell below
    the header is named by its column's name, any other by its position."""
    for row in rows:
        for index, cell in enumerate(row.cells):
            if "\x00" in cell:
                named = row.line >= labelled_from and index < len(labels) and labels[index]
                column = labels[index] if named else f"column {index + 1}"
                raise FormatError(f"a NUL byte in {column}", line=row.line, element=column)


def _read_row(row: _Row, columns: _Columns, mapping: CsvMapping) -> _ReadRow:
    amount, direction = _signed(row, columns, mapping)
    currency = mapping.fixed_currency
    if mapping.currency is not None:
        currency = columns.cell(row, mapping.currency).upper() or mapping.fixed_currency
        if not _CURRENCY_RE.match(currency):
            raise FormatError(f"invalid currency {currency!r}", line=row.line, element=str(mapping.currency))
    counterparty_account = columns.optional(row, mapping.counterparty_account).replace(" ", "")
    counterparty_name = columns.optional(row, mapping.counterparty_name)
    detail = TransactionDetail(
        counterparty_name=counterparty_name,
        counterparty_iban=counterparty_account if _IBAN_RE.match(counterparty_account) else "",
        counterparty_account="" if _IBAN_RE.match(counterparty_account) else counterparty_account,
    )
    value_text = columns.optional(row, mapping.value_date)
    entry = Entry(
        amount=amount,
        currency=currency,
        credit_debit=direction,
        booking_on=_date(columns.cell(row, mapping.booking_date), row, mapping.booking_date, mapping),
        value_on=_date(value_text, row, mapping.value_date, mapping) if value_text else None,
        bank_ref=columns.optional(row, mapping.reference),
        description=" ".join(text for text in (columns.cell(row, c) for c in mapping.description) if text),
        details=(detail,) if counterparty_name or counterparty_account else (),
        line=row.line,
    )
    balance_text = columns.optional(row, mapping.balance)
    balance = (
        _number(balance_text, row, mapping.balance, mapping) if balance_text and mapping.balance is not None else None
    )
    return _ReadRow(entry, balance)


def _signed(row: _Row, columns: _Columns, mapping: CsvMapping) -> tuple[Decimal, CreditDebit]:
    if mapping.debit is not None and mapping.credit is not None:
        return _split_amount(row, columns, mapping, mapping.debit, mapping.credit)
    if mapping.amount is None:  # __post_init__ guarantees one convention
        raise FormatError("CSV mapping has no amount column")
    amount = _number(columns.cell(row, mapping.amount), row, mapping.amount, mapping)
    if mapping.indicator is None:
        return abs(amount), CreditDebit.DEBIT if amount < 0 else CreditDebit.CREDIT
    flag = columns.cell(row, mapping.indicator).upper()
    if flag in (value.upper() for value in mapping.credit_values):
        return abs(amount), CreditDebit.CREDIT
    if flag in (value.upper() for value in mapping.debit_values):
        return abs(amount), CreditDebit.DEBIT
    raise FormatError(
        f"debit/credit indicator {flag!r} is neither of {mapping.credit_values + mapping.debit_values}",
        line=row.line,
        element=str(mapping.indicator),
    )


def _split_amount(
    row: _Row, columns: _Columns, mapping: CsvMapping, debit: ColumnRef, credit: ColumnRef
) -> tuple[Decimal, CreditDebit]:
    debit_text, credit_text = columns.cell(row, debit), columns.cell(row, credit)
    debit_amount = _number(debit_text, row, debit, mapping) if debit_text else Decimal(0)
    credit_amount = _number(credit_text, row, credit, mapping) if credit_text else Decimal(0)
    if debit_amount and credit_amount:
        raise FormatError(
            "both the debit and the credit column hold an amount",
            line=row.line,
            element=f"{debit}/{credit}",
        )
    if credit_amount:
        return abs(credit_amount), CreditDebit.CREDIT
    if debit_amount or debit_text:
        return abs(debit_amount), CreditDebit.DEBIT
    if credit_text:
        return Decimal(0), CreditDebit.CREDIT
    raise FormatError(
        "neither the debit nor the credit column holds an amount",
        line=row.line,
        element=f"{debit}/{credit}",
    )


def _number(text: str, row: _Row, column: ColumnRef, mapping: CsvMapping) -> Decimal:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        cleaned, negative = cleaned[1:-1], True
    if cleaned.endswith("-"):  # some banks put the minus sign last: 1.234,56-
        cleaned, negative = cleaned[:-1], not negative
    if mapping.thousands_separator:
        cleaned = cleaned.replace(mapping.thousands_separator, "")
    if mapping.decimal_separator != ".":
        if "." in cleaned:
            cleaned = "x"  # a dot where only the decimal comma belongs: refuse, do not guess
        cleaned = cleaned.replace(mapping.decimal_separator, ".")
    if len(cleaned) > MAX_NUMBER_DIGITS + 2 or not _NUMBER_RE.fullmatch(cleaned):  # digits, a sign and a point
        raise FormatError(f"unreadable amount {text!r}", line=row.line, element=str(column))
    value = Decimal(cleaned)
    return -value if negative else value


def _date(text: str, row: _Row, column: ColumnRef | None, mapping: CsvMapping) -> dt.date:
    try:
        return dt.datetime.strptime(text, mapping.date_format).date()
    except ValueError:
        raise FormatError(
            f"date {text!r} does not match {mapping.date_format!r}",
            line=row.line,
            element=str(column),
        ) from None


def _balances(read: Sequence[_ReadRow], warnings: list[str]) -> tuple[Balance, ...]:
    first_on, last_on = read[0].entry.booking_on, read[-1].entry.booking_on
    chronological = list(read)
    if first_on is not None and last_on is not None and first_on > last_on:
        chronological.reverse()  # newest first: the opening balance is at the bottom
    with_balance = [r for r in chronological if r.balance is not None]
    if not with_balance:
        return ()
    first, last = with_balance[0], with_balance[-1]
    if first.balance is None or last.balance is None:  # filtered above; for the type checker
        return ()
    _check_running_balance(chronological, warnings)
    currency = first.entry.currency
    return (
        Balance("OPBD", first.balance - first.entry.signed_amount, currency, first.entry.booking_on),
        Balance("CLBD", last.balance, currency, last.entry.booking_on),
    )


def _check_running_balance(rows: Sequence[_ReadRow], warnings: list[str]) -> None:
    for previous, current in itertools.pairwise(rows):
        if previous.balance is None or current.balance is None:
            continue
        if previous.balance + current.entry.signed_amount != current.balance:
            warnings.append(
                f"line {current.entry.line}: balance {current.balance} does not follow from "
                f"the balance {previous.balance} at line {previous.entry.line} and the amount"
            )
