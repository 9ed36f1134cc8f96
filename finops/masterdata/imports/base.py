"""Reading a records CSV and checking its cells: the part every KIND shares.

A file is read whole, every row is checked, and only a file without a single problem is written
(by the caller, in one transaction). Problems name the line number and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import pycountry
from django.core.exceptions import ValidationError

from finops.core.money import minor_units
from finops.masterdata.validators import normalize_iban, validate_bic, validate_iban

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_REPORTED_PROBLEMS = 50
# ASCII digits only: int() and Decimal() also read Arabic-Indic and other Unicode digits.
_DECIMAL = re.compile(r"^-?[0-9]{1,14}(\.[0-9]+)?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_INTEGER = re.compile(r"^[0-9]{1,10}$")
P = TypeVar("P")  # a planned record
D = TypeVar("D")  # what its upsert service takes


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(part for part in (f"line {self.line}" if self.line else "", self.field) if part)
        return f"{where}: {self.message}" if where else self.message


class RecordsRefused(Exception):
    """The file was refused; nothing was written."""

    def __init__(self, problems: list[Problem], *, more: bool = False) -> None:
        self.problems = problems
        self.more = more
        lines = [str(p) for p in problems]
        if more:
            lines.append(f"(only the first {len(problems)} problems are listed)")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Columns:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return self.required + self.optional


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class Tally:
    kind: str
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    entity_ids: set[int] = field(default_factory=set)
    """The entities whose records the file wrote (kinds about entity-owned records fill it), for
    whoever acts on an import (RecordsImported). Not part of the summary."""

    def count(self, outcome: str) -> None:
        """outcome: created, updated, unchanged or conflict."""
        attribute = "conflicts" if outcome == "conflict" else outcome
        setattr(self, attribute, getattr(self, attribute) + 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "conflicts": self.conflicts,
            "source": self.source,
        }


def write_through(
    planned: Sequence[P],
    data: Callable[[P], D | None],
    upsert: Callable[[list[D]], Sequence[tuple[Any, str]]],
    *,
    tally: Tally,
) -> None:
    """Hand a whole checked file to its records' upsert service at once (the write path the
    connectors take too) and count what it did, and whose records (entities) it wrote. plan() has
    refused any file whose rows do not all make records, so every `data(item)` is one."""
    batch = []
    for item in planned:
        record = data(item)
        assert record is not None  # plan() refused the file otherwise
        batch.append(record)
    for record, outcome in upsert(batch):
        tally.count(outcome)
        entity_id = getattr(record, "entity_id", None)
        if entity_id is not None:
            tally.entity_ids.add(entity_id)


def read_rows(data: bytes, columns: Columns) -> list[Row]:
    """Decode (UTF-8, optional BOM), check the header, and return the non-blank data rows."""
    if len(data) > MAX_FILE_BYTES:
        raise RecordsRefused([Problem(0, "", f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RecordsRefused([Problem(line, "", "The file is not UTF-8 text.")]) from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=",", strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise RecordsRefused([Problem(1, "", "The file is empty; a header row is required.")]) from None
    except csv.Error as exc:
        raise RecordsRefused([Problem(1, "", f"The header row is not valid CSV: {exc}.")]) from exc
    problems = _nul_problems(1, [f"column {index}" for index in range(1, len(header) + 1)], header)
    problems = problems or _header_problems(header, columns)
    if problems:
        raise RecordsRefused(problems)
    rows: list[Row] = []
    start = reader.line_num + 1
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                start = reader.line_num + 1
                continue
            if len(cells) != len(header):
                problems.append(Problem(start, "", f"{len(cells)} fields where the header has {len(header)}."))
            elif any("\x00" in cell for cell in cells):
                problems.extend(_nul_problems(start, header, cells))
            else:
                rows.append(Row(start, {name: cell.strip() for name, cell in zip(header, cells, strict=True)}))
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(reader.line_num, "", f"Not valid CSV: {exc}."))
    if problems:
        raise RecordsRefused(problems[:MAX_REPORTED_PROBLEMS], more=len(problems) > MAX_REPORTED_PROBLEMS)
    return rows


def _nul_problems(line: int, names: list[str], cells: list[str]) -> list[Problem]:
    """A NUL byte has no place in a records file, and PostgreSQL cannot store one."""
    return [
        Problem(line, name, "A NUL byte (\\x00) is not allowed in a cell.")
        for name, cell in zip(names, cells, strict=True)
        if "\x00" in cell
    ]


def _header_problems(header: list[str], columns: Columns) -> list[Problem]:
    problems = []
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        problems.append(Problem(1, ", ".join(duplicates), "Column given twice."))
    extra = [name for name in header if name not in columns.all]
    if extra:
        problems.append(Problem(1, ", ".join(extra), f"Unknown column; the columns are {', '.join(columns.all)}."))
    missing = [name for name in columns.required if name not in header]
    if missing:
        problems.append(Problem(1, ", ".join(missing), "Required column missing."))
    return problems


@dataclass
class Checker:
    """Parses cells into typed values, collecting problems instead of stopping at the first."""

    problems: list[Problem] = field(default_factory=list)

    def fail(self, row: Row, column: str, message: str) -> None:
        self.problems.append(Problem(row.line, column, message))

    def finish(self) -> None:
        if self.problems:
            ordered = sorted(self.problems, key=lambda p: (p.line, p.field))
            raise RecordsRefused(ordered[:MAX_REPORTED_PROBLEMS], more=len(ordered) > MAX_REPORTED_PROBLEMS)

    def text(self, row: Row, column: str, *, required: bool = True, max_length: int = 200) -> str:
        value = row[column]
        if required and not value:
            self.fail(row, column, "Required.")
        elif len(value) > max_length:
            self.fail(row, column, f"At most {max_length} characters.")
        return value

    def choice(self, row: Row, column: str, choices: Iterable[str]) -> str:
        value, allowed = row[column], tuple(choices)
        if value not in allowed:
            self.fail(row, column, f"{value!r} is not one of {', '.join(allowed)}.")
        return value

    def decimal(self, row: Row, column: str, *, places: int = 4, positive: bool = False) -> Decimal | None:
        """A Decimal from plain digits: no exponent, no NaN, no thousands separators, never float."""
        value = row[column]
        if not _DECIMAL.match(value):
            self.fail(row, column, f"{value!r} is not a decimal number (digits with an optional '.' part).")
            return None
        number = Decimal(value)
        if -number.as_tuple().exponent > places:  # type: ignore[operator]
            self.fail(row, column, f"{value!r} has more than {places} decimal places.")
        elif number < 0 or (positive and number == 0):
            self.fail(row, column, f"{value!r} must be {'more than' if positive else 'at least'} zero.")
        else:
            return number
        return None

    def amount(self, row: Row, column: str, currency: str) -> Decimal | None:
        return self.decimal(row, column, places=minor_units(currency) if currency else 4)

    def date(self, row: Row, column: str) -> dt.date | None:
        value = row[column]
        try:
            if _DATE.match(value):
                return dt.date.fromisoformat(value)
        except ValueError:
            pass
        self.fail(row, column, f"{value!r} is not a date (YYYY-MM-DD).")
        return None

    def integer(self, row: Row, column: str) -> int | None:
        value = row[column]
        if not _INTEGER.match(value) or int(value) < 1 or int(value) > 2_147_483_647:
            self.fail(row, column, f"{value!r} is not a positive whole number.")
            return None
        return int(value)

    def currency(self, row: Row, column: str) -> str:
        value = row[column]
        if not (len(value) == 3 and value.isupper() and pycountry.currencies.get(alpha_3=value)):
            self.fail(row, column, f"{value!r} is not an ISO 4217 currency code.")
            return ""
        return value

    def country(self, row: Row, column: str) -> str:
        value = row[column]
        if not (len(value) == 2 and value.isupper() and pycountry.countries.get(alpha_2=value)):
            self.fail(row, column, f"{value!r} is not an ISO 3166 country code (two capital letters).")
            return ""
        return value

    def _validated(self, row: Row, column: str, value: str, check: Callable[[str], None]) -> str:
        try:
            check(value)
        except ValidationError as exc:
            self.fail(row, column, " ".join(exc.messages))
            return ""
        return value

    def iban(self, row: Row, column: str = "iban") -> str:
        value = normalize_iban(row[column])
        return self._validated(row, column, value, validate_iban) if value else ""

    def bic(self, row: Row, column: str = "bic") -> str:
        value = row[column].upper()
        return self._validated(row, column, value, validate_bic) if value else ""

    def unique(self, row: Row, key: tuple[str, ...], column: str, seen: dict[tuple[str, ...], int]) -> bool:
        """False (and a problem) when the same key was on an earlier line of the file."""
        if key in seen:
            self.fail(row, column, f"Duplicate of line {seen[key]} ({' / '.join(key)}).")
            return False
        seen[key] = row.line
        return True
