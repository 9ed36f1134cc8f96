"""NACHA ACH files: a reader for what banks send (returns, notifications of change) and a
writer for what we send (PPD and CCD credits and debits).

Fixed width, 94 characters a record. The reader pads trimmed lines back to 94 (real files
come trimmed) and splits a file sent without line breaks; it refuses what would corrupt the
books: an RDFI routing number with a bad check digit (unless asked not to), a missing file
control record, a batch whose control record disagrees with its entries.

Decision on the file control's batch count: a mismatch is a warning, not a refusal. The
moov 20110805A file (IAT batches) declares 5 batches where there are 4, while every amount,
entry count and hash in it agrees; originators' software counts IAT batches differently, and
the batch count moves no money. A file whose file control disagrees on amounts, entry
count or entry hash is refused. The block count, a matter of physical layout, is a warning.

ADV files (service class 280) have a different layout and are refused as unsupported.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from integrations.formats.checks import ascii_digits, nul_position
from integrations.formats.errors import FormatError, ValidationError

__all__ = [
    "AchAddenda",
    "AchBatch",
    "AchBatchOrder",
    "AchEntry",
    "AchEntryOrder",
    "AchFile",
    "AchNotificationOfChange",
    "AchReturn",
    "build_nacha",
    "is_valid_routing_number",
    "notifications_of_change",
    "parse_nacha",
    "returns",
]

RECORD_LENGTH = 94
_BLOCKING_FACTOR = 10
_FILLER = "9" * RECORD_LENGTH
_CENT = Decimal("0.01")
_MAX_ENTRY_CENTS = 10**10 - 1  # the entry amount field is 10 digits
_HASH_MODULUS = 10**10  # the entry hash keeps its last 10 digits
_WRITABLE_CODES = frozenset({22, 27, 32, 37})
_WRITABLE_SEC = frozenset({"PPD", "CCD"})
_PRINTABLE = frozenset(chr(c) for c in range(32, 127))


# --- what the reader returns ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AchAddenda:
    """An addenda record (7). Which fields are filled depends on type_code:
    05 (and other payment-related types) payment_related_information; 98 notification of
    change (change_code, corrected_data); 99 return (return_reason_code, date_of_death,
    addenda_information); 10-18 IAT addenda, kept raw in payment_related_information."""

    type_code: str
    payment_related_information: str = ""
    return_reason_code: str = ""
    change_code: str = ""
    original_trace: str = ""
    original_rdfi: str = ""
    date_of_death: str = ""
    corrected_data: str = ""
    addenda_information: str = ""
    trace_number: str = ""
    sequence_number: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class AchEntry:
    """An entry detail record (6) with its addenda. amount is in dollars, never negative."""

    transaction_code: int
    rdfi_routing: str  # 9 digits: the 8-digit RDFI identification and its check digit
    account_number: str
    amount: Decimal
    name: str
    individual_id: str = ""
    discretionary_data: str = ""
    has_addenda: bool = False
    trace_number: str = ""
    addenda: tuple[AchAddenda, ...] = ()
    line: int | None = None

    @property
    def is_credit(self) -> bool:
        return _is_credit_code(self.transaction_code)

    @property
    def is_return_or_noc(self) -> bool:
        return self.transaction_code % 10 in (1, 6)

    @property
    def is_prenote(self) -> bool:
        return self.transaction_code % 10 in (3, 8)


@dataclass(frozen=True, slots=True)
class AchBatch:
    service_class: int
    company_name: str
    company_id: str
    sec_code: str
    entry_description: str
    odfi: str  # the 8-digit ODFI identification
    batch_number: int
    company_discretionary_data: str = ""
    descriptive_date: str = ""
    effective_on: dt.date | None = None
    settlement_day: str = ""  # Julian day the ACH operator inserts
    originating_currency: str = ""  # IAT only
    destination_currency: str = ""  # IAT only
    entries: tuple[AchEntry, ...] = ()
    entry_addenda_count: int = 0
    entry_hash: int = 0
    total_debit: Decimal = Decimal(0)
    total_credit: Decimal = Decimal(0)
    line: int | None = None


@dataclass(frozen=True, slots=True)
class AchFile:
    immediate_destination: str
    immediate_origin: str
    created_on: dt.date | None
    file_id_modifier: str
    created_time: dt.time | None = None
    destination_name: str = ""
    origin_name: str = ""
    reference_code: str = ""
    batches: tuple[AchBatch, ...] = ()
    batch_count: int = 0  # as the file control declares it
    block_count: int = 0
    entry_addenda_count: int = 0
    entry_hash: int = 0
    total_debit: Decimal = Decimal(0)
    total_credit: Decimal = Decimal(0)
    warnings: tuple[str, ...] = ()
    format: str = "nacha"

    @property
    def entries(self) -> tuple[AchEntry, ...]:
        return tuple(entry for batch in self.batches for entry in batch.entries)


@dataclass(frozen=True, slots=True)
class AchReturn:
    """One returned entry: what came back, why, and which of our entries it answers."""

    trace_number: str
    original_trace: str
    reason_code: str  # R01, R03, ...
    amount: Decimal
    transaction_code: int
    rdfi_routing: str
    account_number: str
    name: str
    original_rdfi: str = ""
    date_of_death: str = ""
    addenda_information: str = ""
    batch_number: int = 0
    sec_code: str = ""


@dataclass(frozen=True, slots=True)
class AchNotificationOfChange:
    trace_number: str
    original_trace: str
    change_code: str  # C01, C02, ...
    corrected_data: str
    transaction_code: int
    rdfi_routing: str
    account_number: str
    name: str
    original_rdfi: str = ""
    batch_number: int = 0


# --- what the writer takes -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AchEntryOrder:
    """One PPD/CCD entry to send. transaction_code: 22 checking credit, 27 checking debit,
    32 savings credit, 37 savings debit."""

    transaction_code: int
    routing_number: str  # 9 digits with check digit
    account_number: str
    amount: Decimal
    name: str  # receiver (PPD individual, CCD company); cut to 22 characters
    identification: str = ""  # individual id / identification number, up to 15
    discretionary_data: str = ""
    payment_related_information: str = ""  # one 05 addenda when given, up to 80


@dataclass(frozen=True, slots=True)
class AchBatchOrder:
    sec_code: str  # PPD or CCD
    company_name: str  # cut to 16 characters
    company_id: str  # up to 10
    entry_description: str  # up to 10, e.g. PAYROLL
    effective_on: dt.date
    odfi_routing: str  # 9-digit routing number (check digit validated) or 8-digit ODFI id
    entries: tuple[AchEntryOrder, ...]
    company_discretionary_data: str = ""
    descriptive_date: str = ""
    service_class: int | None = None  # 200, 220 or 225; from the entries when None


# --- check digits --------------------------------------------------------------------------


def _check_digit(first_eight: str) -> int:
    total = sum(int(d) * w for d, w in zip(first_eight, (3, 7, 1, 3, 7, 1, 3, 7), strict=True))
    return (10 - total % 10) % 10


def is_valid_routing_number(routing: str) -> bool:
    """An ABA routing number: 9 digits whose last is the check digit of the first 8."""
    return len(routing) == 9 and ascii_digits(routing) and _check_digit(routing[:8]) == int(routing[8])


def _is_credit_code(code: int) -> bool:
    # 21-24, 31-34, 41-44, 51-54 are credits; 26-29, 36-39, 46-49, 55-56 debits.
    return code % 10 in (1, 2, 3, 4)


# --- reader --------------------------------------------------------------------------------


def parse_nacha(data: bytes, filename: str | None = None, *, allow_invalid_check_digit: bool = False) -> AchFile:
    """Read an ACH file; refuse the whole file when a control record disagrees."""
    try:
        _refuse_nul(data)
        lines = _lines(data)
        _require_file_control(lines)
        return _Reader(lines, allow_invalid_check_digit).read()
    except FormatError as error:
        if filename:
            raise error.with_filename(filename) from error
        raise


def _refuse_nul(data: bytes) -> None:
    found = nul_position(data)
    if found is None:
        return
    number, column = found
    record = data.splitlines()[number - 1]
    if number == 1 and b"\n" not in data and b"\r" not in data and len(record) > RECORD_LENGTH:
        # records back to back without line breaks: _lines numbers them as lines
        number, column = (column - 1) // RECORD_LENGTH + 1, (column - 1) % RECORD_LENGTH + 1
        record = record[(number - 1) * RECORD_LENGTH :]
    kind = record[:1].decode("latin-1") if record[:1] != b"\x00" else "?"
    raise FormatError(
        f"a NUL byte in a record of type {kind!r} at column {column}; a bank file never holds one", line=number
    )


def _lines(data: bytes) -> list[tuple[int, str]]:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    flat = text.strip("\n")
    if "\n" not in flat and len(flat) > RECORD_LENGTH:
        # Some systems send the records back to back, without line breaks (and trim the
        # blanks that end the last one).
        whole = -(-len(flat) // RECORD_LENGTH) * RECORD_LENGTH
        flat = flat.ljust(whole)
        raw = [flat[i : i + RECORD_LENGTH] for i in range(0, len(flat), RECORD_LENGTH)]
    else:
        raw = text.split("\n")
    lines: list[tuple[int, str]] = []
    for number, line in enumerate(raw, start=1):
        if not line.strip():
            continue
        if len(line) > RECORD_LENGTH:
            if line[RECORD_LENGTH:].strip():
                raise FormatError(
                    f"record is {len(line)} characters long, NACHA records are {RECORD_LENGTH}",
                    line=number,
                )
            line = line[:RECORD_LENGTH]
        lines.append((number, line.ljust(RECORD_LENGTH)))
    if not lines:
        raise FormatError("empty file")
    return lines


def _require_file_control(lines: list[tuple[int, str]]) -> None:
    number, first = lines[0]
    if first[0] != "1":
        raise FormatError(f"file starts with record type {first[0]!r}, not the file header 1", line=number)
    if not any(line[0] == "9" and line != _FILLER for _, line in lines):
        raise FormatError("missing file control record (9); the file looks truncated", line=lines[-1][0])


@dataclass(slots=True)
class _OpenEntry:
    entry: AchEntry
    addenda: list[AchAddenda] = field(default_factory=list)

    def close(self) -> AchEntry:
        e = self.entry
        return AchEntry(
            transaction_code=e.transaction_code,
            rdfi_routing=e.rdfi_routing,
            account_number=e.account_number,
            amount=e.amount,
            name=e.name,
            individual_id=e.individual_id,
            discretionary_data=e.discretionary_data,
            has_addenda=e.has_addenda,
            trace_number=e.trace_number,
            addenda=tuple(self.addenda),
            line=e.line,
        )


@dataclass(slots=True)
class _OpenBatch:
    header: AchBatch
    entries: list[_OpenEntry] = field(default_factory=list)


class _Reader:
    def __init__(self, lines: list[tuple[int, str]], allow_invalid_check_digit: bool) -> None:
        self._lines = lines
        self._allow_invalid = allow_invalid_check_digit
        self._warnings: list[str] = []
        self._batches: list[AchBatch] = []
        self._batch: _OpenBatch | None = None

    def read(self) -> AchFile:
        header_line, header = self._lines[0]
        ach_file = self._file_header(header_line, header)
        for index, (number, line) in enumerate(self._lines[1:], start=1):
            kind = line[0]
            if kind == "9":
                return self._file_control(number, line, ach_file, self._lines[index + 1 :])
            handler = {
                "5": self._batch_header,
                "6": self._entry,
                "7": self._addenda,
                "8": self._batch_control,
            }.get(kind)
            if handler is None:
                raise FormatError(f"unknown record type {kind!r}", line=number)
            handler(number, line)
        raise FormatError("missing file control record (9)", line=self._lines[-1][0])

    # -- file -----------------------------------------------------------------------------

    def _file_header(self, number: int, line: str) -> AchFile:
        destination, origin = line[3:13], line[13:23]
        self._check_immediate("destination", destination, number)
        self._check_immediate("origin", origin, number)
        return AchFile(
            immediate_destination=destination.strip(),
            immediate_origin=origin.strip(),
            created_on=_optional_date(line[23:29]),
            created_time=_optional_time(line[29:33]),
            file_id_modifier=line[33],
            destination_name=line[40:63].strip(),
            origin_name=line[63:86].strip(),
            reference_code=line[86:94].strip(),
        )

    def _check_immediate(self, which: str, value: str, number: int) -> None:
        routing = value.strip()
        if len(routing) == 10 and ascii_digits(routing):
            return  # a 10-digit company identification, as some ODFIs assign
        if not is_valid_routing_number(routing):
            self._warnings.append(f"line {number}: immediate {which} {value!r} is not a valid routing number")

    def _file_control(self, number: int, line: str, ach_file: AchFile, rest: list[tuple[int, str]]) -> AchFile:
        if self._batch is not None:
            raise FormatError(
                f"file control, but the batch at line {self._batch.header.line} has no batch control (8)",
                line=number,
            )
        for extra_number, extra in rest:
            if extra != _FILLER:
                raise FormatError("record after the file control (9)", line=extra_number)
        batch_count = _number(line[1:7], number, "batch count")
        block_count = _number(line[7:13], number, "block count")
        entry_count = _number(line[13:21], number, "entry/addenda count")
        entry_hash = _number(line[21:31], number, "entry hash")
        debit = _cents(line[31:43], number, "total debit")
        credit = _cents(line[43:55], number, "total credit")
        self._check_file_totals(number, entry_count, entry_hash, debit, credit)
        if batch_count != len(self._batches):
            self._warnings.append(
                f"line {number}: file control declares {batch_count} batches, the file has {len(self._batches)}"
            )
        records = len(self._lines)  # fillers count: blocks are physical
        if block_count != math.ceil(records / _BLOCKING_FACTOR):
            self._warnings.append(f"line {number}: file control declares {block_count} blocks for {records} records")
        return AchFile(
            immediate_destination=ach_file.immediate_destination,
            immediate_origin=ach_file.immediate_origin,
            created_on=ach_file.created_on,
            created_time=ach_file.created_time,
            file_id_modifier=ach_file.file_id_modifier,
            destination_name=ach_file.destination_name,
            origin_name=ach_file.origin_name,
            reference_code=ach_file.reference_code,
            batches=tuple(self._batches),
            batch_count=batch_count,
            block_count=block_count,
            entry_addenda_count=entry_count,
            entry_hash=entry_hash,
            total_debit=debit,
            total_credit=credit,
            warnings=tuple(self._warnings),
        )

    def _check_file_totals(
        self, number: int, entry_count: int, entry_hash: int, debit: Decimal, credit: Decimal
    ) -> None:
        checks = (
            ("entry/addenda count", entry_count, sum(b.entry_addenda_count for b in self._batches)),
            ("entry hash", entry_hash, sum(b.entry_hash for b in self._batches) % _HASH_MODULUS),
            ("total debit", debit, sum((b.total_debit for b in self._batches), Decimal(0))),
            ("total credit", credit, sum((b.total_credit for b in self._batches), Decimal(0))),
        )
        for what, declared, counted in checks:
            if declared != counted:
                raise FormatError(
                    f"file control {what} is {declared}, the batches add up to {counted}",
                    line=number,
                )

    # -- batch ----------------------------------------------------------------------------

    def _batch_header(self, number: int, line: str) -> None:
        if self._batch is not None:
            raise FormatError(
                f"batch header, but the batch at line {self._batch.header.line} has no batch control (8)",
                line=number,
            )
        service_class = _number(line[1:4], number, "service class code")
        if service_class == 280:
            raise FormatError("ADV files (service class 280) are not supported", line=number)
        if service_class not in (200, 220, 225):
            raise FormatError(f"unknown service class code {service_class}", line=number)
        sec_code = line[50:53]
        is_iat = sec_code == "IAT"
        header = AchBatch(
            service_class=service_class,
            company_name="" if is_iat else line[4:20].strip(),
            company_discretionary_data="" if is_iat else line[20:40].strip(),
            company_id=line[40:50].strip(),
            sec_code=sec_code,
            entry_description=line[53:63].strip(),
            descriptive_date="" if is_iat else line[63:69].strip(),
            originating_currency=line[63:66] if is_iat else "",
            destination_currency=line[66:69] if is_iat else "",
            effective_on=_optional_date(line[69:75]),
            settlement_day=line[75:78].strip(),
            odfi=line[79:87],
            batch_number=_number(line[87:94], number, "batch number"),
            line=number,
        )
        self._batch = _OpenBatch(header)

    def _entry(self, number: int, line: str) -> None:
        batch = self._require_batch(number, "entry detail")
        code = _number(line[1:3], number, "transaction code")
        if batch.header.service_class == 220 and not _is_credit_code(code):
            raise FormatError(f"debit transaction code {code} in a credits-only batch (220)", line=number)
        if batch.header.service_class == 225 and _is_credit_code(code):
            raise FormatError(f"credit transaction code {code} in a debits-only batch (225)", line=number)
        routing = line[3:12]
        self._check_rdfi(routing, number)
        is_iat = batch.header.sec_code == "IAT"
        entry = AchEntry(
            transaction_code=code,
            rdfi_routing=routing,
            account_number=(line[39:74] if is_iat else line[12:29]).strip(),
            amount=_cents(line[29:39], number, "amount"),
            name="" if is_iat else line[54:76].strip(),
            individual_id="" if is_iat else line[39:54].strip(),
            discretionary_data="" if is_iat else line[76:78].strip(),
            has_addenda=line[78] == "1",
            trace_number=line[79:94],
            line=number,
        )
        batch.entries.append(_OpenEntry(entry))

    def _check_rdfi(self, routing: str, number: int) -> None:
        if not ascii_digits(routing):
            raise FormatError(f"RDFI routing number {routing!r} is not numeric", line=number)
        if is_valid_routing_number(routing):
            return
        message = f"RDFI routing number {routing} has a bad check digit (expected {_check_digit(routing[:8])})"
        if not self._allow_invalid:
            raise FormatError(message, line=number)
        self._warnings.append(f"line {number}: {message}")

    def _addenda(self, number: int, line: str) -> None:
        batch = self._require_batch(number, "addenda")
        if not batch.entries:
            raise FormatError("addenda record before any entry detail", line=number)
        current = batch.entries[-1]
        if not current.entry.has_addenda:
            self._warnings.append(
                f"line {number}: addenda for the entry at line {current.entry.line}, whose addenda indicator is 0"
            )
        if batch.header.sec_code == "IAT" and line[1:3] == "10" and not current.entry.name:
            current.entry = _with_name(current.entry, line[46:81].strip())
        current.addenda.append(_addenda(number, line))

    def _batch_control(self, number: int, line: str) -> None:
        batch = self._require_batch(number, "batch control")
        header = batch.header
        entries = [open_entry.close() for open_entry in batch.entries]
        counted = _BatchTotals.of(entries)
        declared = _BatchTotals(
            entry_addenda_count=_number(line[4:10], number, "entry/addenda count"),
            entry_hash=_number(line[10:20], number, "entry hash"),
            total_debit=_cents(line[20:32], number, "total debit"),
            total_credit=_cents(line[32:44], number, "total credit"),
        )
        _compare_batch(number, header, line, declared, counted)
        if line[44:54].strip() != header.company_id:
            self._warnings.append(
                f"line {number}: batch control company identification "
                f"{line[44:54].strip()!r} differs from the header's "
                f"{header.company_id!r}"
            )
        self._batches.append(_closed_batch(header, entries, declared))
        self._batch = None

    def _require_batch(self, number: int, what: str) -> _OpenBatch:
        if self._batch is None:
            raise FormatError(f"{what} record outside a batch", line=number)
        return self._batch


@dataclass(frozen=True, slots=True)
class _BatchTotals:
    entry_addenda_count: int
    entry_hash: int
    total_debit: Decimal
    total_credit: Decimal

    @staticmethod
    def of(entries: Sequence[AchEntry]) -> _BatchTotals:
        return _BatchTotals(
            entry_addenda_count=len(entries) + sum(len(e.addenda) for e in entries),
            entry_hash=sum(int(e.rdfi_routing[:8]) for e in entries) % _HASH_MODULUS,
            total_debit=sum((e.amount for e in entries if not e.is_credit), Decimal(0)),
            total_credit=sum((e.amount for e in entries if e.is_credit), Decimal(0)),
        )


def _compare_batch(number: int, header: AchBatch, line: str, declared: _BatchTotals, counted: _BatchTotals) -> None:
    if _number(line[1:4], number, "service class code") != header.service_class:
        raise FormatError(
            f"batch control service class {line[1:4]} differs from the header's "
            f"{header.service_class} (line {header.line})",
            line=number,
        )
    batch_number = _number(line[87:94], number, "batch number")
    if batch_number != header.batch_number:
        raise FormatError(
            f"batch control number {batch_number} differs from the header's {header.batch_number} (line {header.line})",
            line=number,
        )
    for what in ("entry_addenda_count", "entry_hash", "total_debit", "total_credit"):
        said, found = getattr(declared, what), getattr(counted, what)
        if said != found:
            raise FormatError(
                f"batch control {what.replace('_', ' ')} is {said}, the batch "
                f"that starts at line {header.line} adds up to {found}",
                line=number,
            )


def _closed_batch(header: AchBatch, entries: list[AchEntry], totals: _BatchTotals) -> AchBatch:
    return AchBatch(
        service_class=header.service_class,
        company_name=header.company_name,
        company_id=header.company_id,
        sec_code=header.sec_code,
        entry_description=header.entry_description,
        odfi=header.odfi,
        batch_number=header.batch_number,
        company_discretionary_data=header.company_discretionary_data,
        descriptive_date=header.descriptive_date,
        effective_on=header.effective_on,
        settlement_day=header.settlement_day,
        originating_currency=header.originating_currency,
        destination_currency=header.destination_currency,
        entries=tuple(entries),
        entry_addenda_count=totals.entry_addenda_count,
        entry_hash=totals.entry_hash,
        total_debit=totals.total_debit,
        total_credit=totals.total_credit,
        line=header.line,
    )


def _with_name(entry: AchEntry, name: str) -> AchEntry:
    return AchEntry(
        transaction_code=entry.transaction_code,
        rdfi_routing=entry.rdfi_routing,
        account_number=entry.account_number,
        amount=entry.amount,
        name=name,
        individual_id=entry.individual_id,
        discretionary_data=entry.discretionary_data,
        has_addenda=entry.has_addenda,
        trace_number=entry.trace_number,
        line=entry.line,
    )


def _addenda(number: int, line: str) -> AchAddenda:
    type_code = line[1:3]
    if type_code == "99":
        return AchAddenda(
            type_code=type_code,
            return_reason_code=line[3:6],
            original_trace=line[6:21],
            date_of_death=line[21:27].strip(),
            original_rdfi=line[27:35],
            addenda_information=line[35:79].strip(),
            trace_number=line[79:94],
            line=number,
        )
    if type_code == "98":
        return AchAddenda(
            type_code=type_code,
            change_code=line[3:6],
            original_trace=line[6:21],
            original_rdfi=line[27:35],
            corrected_data=line[35:64].strip(),
            trace_number=line[79:94],
            line=number,
        )
    if ascii_digits(type_code) and 10 <= int(type_code) <= 18:
        return AchAddenda(
            type_code=type_code,
            payment_related_information=line[3:87].strip(),
            sequence_number=line[87:94],
            line=number,
        )
    return AchAddenda(
        type_code=type_code,
        payment_related_information=line[3:83].strip(),
        sequence_number=line[83:87],
        trace_number=line[87:94],
        line=number,
    )


def _number(text: str, line: int, what: str) -> int:
    if not ascii_digits(text.strip()):
        raise FormatError(f"{what} {text!r} is not a number", line=line)
    return int(text)


def _cents(text: str, line: int, what: str) -> Decimal:
    return Decimal(_number(text, line, what)).scaleb(-2)


def _optional_date(text: str) -> dt.date | None:
    # Banks leave dates blank or fill them with zeros (returns often carry "000101").
    try:
        return dt.datetime.strptime(text, "%y%m%d").date()
    except ValueError:
        return None


def _optional_time(text: str) -> dt.time | None:
    try:
        return dt.datetime.strptime(text, "%H%M").time()
    except ValueError:
        return None


# --- returns and notifications of change ---------------------------------------------------


def _addenda_of_type(ach_file: AchFile, type_code: str) -> Iterator[tuple[AchBatch, AchEntry, AchAddenda]]:
    for batch in ach_file.batches:
        for entry in batch.entries:
            for addenda in entry.addenda:
                if addenda.type_code == type_code:
                    yield batch, entry, addenda


def returns(ach_file: AchFile) -> list[AchReturn]:
    """Every returned entry (addenda type 99) of the file, in file order."""
    return [
        AchReturn(
            trace_number=entry.trace_number,
            original_trace=addenda.original_trace,
            reason_code=addenda.return_reason_code,
            amount=entry.amount,
            transaction_code=entry.transaction_code,
            rdfi_routing=entry.rdfi_routing,
            account_number=entry.account_number,
            name=entry.name,
            original_rdfi=addenda.original_rdfi,
            date_of_death=addenda.date_of_death,
            addenda_information=addenda.addenda_information,
            batch_number=batch.batch_number,
            sec_code=batch.sec_code,
        )
        for batch, entry, addenda in _addenda_of_type(ach_file, "99")
    ]


def notifications_of_change(ach_file: AchFile) -> list[AchNotificationOfChange]:
    """Every notification of change (addenda type 98) of the file, in file order."""
    return [
        AchNotificationOfChange(
            trace_number=entry.trace_number,
            original_trace=addenda.original_trace,
            change_code=addenda.change_code,
            corrected_data=addenda.corrected_data,
            transaction_code=entry.transaction_code,
            rdfi_routing=entry.rdfi_routing,
            account_number=entry.account_number,
            name=entry.name,
            original_rdfi=addenda.original_rdfi,
            batch_number=batch.batch_number,
        )
        for batch, entry, addenda in _addenda_of_type(ach_file, "98")
    ]


# --- writer --------------------------------------------------------------------------------


def build_nacha(
    *,
    immediate_destination: str,
    immediate_origin: str,
    destination_name: str,
    origin_name: str,
    created_at: dt.datetime,
    batches: Sequence[AchBatchOrder],
    file_id_modifier: str = "A",
    reference_code: str = "",
) -> bytes:
    """An ACH file of PPD/CCD batches, padded with 9-filler records to whole blocks of ten.

    Refuses (ValidationError naming the field) anything the bank would reject: a routing
    number with a bad check digit, an amount with fractions of a cent, a field too long.
    """
    if not batches:
        raise ValidationError("an ACH file needs at least one batch", element="batches")
    if len(file_id_modifier) != 1 or not file_id_modifier.isalnum():
        raise ValidationError("file id modifier must be one letter or digit", element="file_id_modifier")
    records = [
        _file_header_record(
            immediate_destination,
            immediate_origin,
            destination_name,
            origin_name,
            created_at,
            file_id_modifier.upper(),
            reference_code,
        )
    ]
    totals: list[_BatchTotals] = []
    trace_sequence = 0
    for index, batch in enumerate(batches):
        batch_records, batch_totals = _batch_records(batch, index, trace_sequence)
        trace_sequence += len(batch.entries)
        records.extend(batch_records)
        totals.append(batch_totals)
    records.append(_file_control_record(len(records) + 1, totals))
    while len(records) % _BLOCKING_FACTOR:
        records.append(_FILLER)
    for position, record in enumerate(records):
        if len(record) != RECORD_LENGTH:  # a bug here would make the bank reject the file
            raise ValidationError(f"record {position + 1} is {len(record)} characters")
    return ("\n".join(records) + "\n").encode("ascii")


def _file_header_record(
    destination: str,
    origin: str,
    destination_name: str,
    origin_name: str,
    created_at: dt.datetime,
    modifier: str,
    reference_code: str,
) -> str:
    return "".join(
        (
            "101",
            _immediate(destination, "immediate_destination"),
            _immediate(origin, "immediate_origin"),
            created_at.strftime("%y%m%d%H%M"),
            modifier,
            "094",
            f"{_BLOCKING_FACTOR:02d}",
            "1",
            _alpha(destination_name, 23, "destination_name", cut=True),
            _alpha(origin_name, 23, "origin_name", cut=True),
            _alpha(reference_code, 8, "reference_code"),
        )
    )


def _immediate(value: str, element: str) -> str:
    value = value.strip()
    if len(value) == 9:
        _require_routing(value, element)
        return " " + value
    if len(value) == 10 and ascii_digits(value):
        return value
    raise ValidationError(f"{value!r} is neither a 9-digit routing number nor a 10-digit id", element=element)


def _require_routing(routing: str, element: str) -> None:
    if not is_valid_routing_number(routing):
        expected = _check_digit(routing[:8]) if ascii_digits(routing[:8]) else None
        hint = f" (expected check digit {expected})" if expected is not None else ""
        raise ValidationError(f"routing number {routing!r} is invalid{hint}", element=element)


def _batch_records(batch: AchBatchOrder, index: int, trace_start: int) -> tuple[list[str], _BatchTotals]:
    where = f"batches[{index}]"
    if batch.sec_code not in _WRITABLE_SEC:
        raise ValidationError(
            f"SEC code {batch.sec_code!r}: only PPD and CCD are written",
            element=f"{where}.sec_code",
        )
    if not batch.entries:
        raise ValidationError("a batch needs at least one entry", element=f"{where}.entries")
    odfi = _odfi(batch.odfi_routing, f"{where}.odfi_routing")
    service_class = _service_class(batch, where)
    batch_number = index + 1
    entries: list[AchEntry] = []
    lines = [_batch_header_record(batch, service_class, odfi, batch_number, where)]
    for position, order in enumerate(batch.entries):
        trace = f"{odfi}{trace_start + position + 1:07d}"
        entry_lines, entry = _entry_records(order, trace, f"{where}.entries[{position}]")
        lines.extend(entry_lines)
        entries.append(entry)
    totals = _BatchTotals.of(entries)
    lines.append(
        "".join(
            (
                "8",
                str(service_class),
                f"{totals.entry_addenda_count:06d}",
                f"{totals.entry_hash:010d}",
                _cents_field(totals.total_debit, 12, f"{where} total debit"),
                _cents_field(totals.total_credit, 12, f"{where} total credit"),
                _alpha(batch.company_id, 10, f"{where}.company_id"),
                " " * 19,  # message authentication code
                " " * 6,
                odfi,
                f"{batch_number:07d}",
            )
        )
    )
    return lines, totals


def _odfi(value: str, element: str) -> str:
    if len(value) == 9:
        _require_routing(value, element)
        return value[:8]
    if len(value) == 8 and ascii_digits(value):
        return value
    raise ValidationError(f"ODFI {value!r} is neither a routing number nor an 8-digit id", element=element)


def _service_class(batch: AchBatchOrder, where: str) -> int:
    directions = {_is_credit_code(e.transaction_code) for e in batch.entries}
    derived = 200 if len(directions) > 1 else (220 if True in directions else 225)
    if batch.service_class is None:
        return derived
    if batch.service_class not in (200, derived):
        raise ValidationError(
            f"service class {batch.service_class} does not fit the entries (they need {derived} or 200)",
            element=f"{where}.service_class",
        )
    return batch.service_class


def _batch_header_record(batch: AchBatchOrder, service_class: int, odfi: str, batch_number: int, where: str) -> str:
    return "".join(
        (
            "5",
            str(service_class),
            _alpha(batch.company_name, 16, f"{where}.company_name", cut=True),
            _alpha(batch.company_discretionary_data, 20, f"{where}.company_discretionary_data"),
            _alpha(batch.company_id, 10, f"{where}.company_id"),
            batch.sec_code,
            _alpha(batch.entry_description, 10, f"{where}.entry_description"),
            _alpha(batch.descriptive_date, 6, f"{where}.descriptive_date"),
            batch.effective_on.strftime("%y%m%d"),
            "   ",  # settlement date: the ACH operator fills it in
            "1",  # originator status: a depository financial institution
            odfi,
            f"{batch_number:07d}",
        )
    )


def _entry_records(order: AchEntryOrder, trace: str, where: str) -> tuple[list[str], AchEntry]:
    if order.transaction_code not in _WRITABLE_CODES:
        raise ValidationError(
            f"transaction code {order.transaction_code}: only 22, 27, 32 and 37 are written",
            element=f"{where}.transaction_code",
        )
    _require_routing(order.routing_number, f"{where}.routing_number")
    cents = _entry_cents(order.amount, f"{where}.amount")
    has_addenda = bool(order.payment_related_information)
    lines = [
        "".join(
            (
                "6",
                str(order.transaction_code),
                order.routing_number,
                _alpha(order.account_number, 17, f"{where}.account_number", required=True),
                f"{cents:010d}",
                _alpha(order.identification, 15, f"{where}.identification"),
                _alpha(order.name, 22, f"{where}.name", cut=True, required=True),
                _alpha(order.discretionary_data, 2, f"{where}.discretionary_data"),
                "1" if has_addenda else "0",
                trace,
            )
        )
    ]
    if has_addenda:
        lines.append(
            "".join(
                (
                    "705",
                    _alpha(
                        order.payment_related_information,
                        80,
                        f"{where}.payment_related_information",
                    ),
                    "0001",
                    trace[-7:],
                )
            )
        )
    entry = AchEntry(
        transaction_code=order.transaction_code,
        rdfi_routing=order.routing_number,
        account_number=order.account_number,
        amount=Decimal(cents).scaleb(-2),
        name=order.name,
        trace_number=trace,
        addenda=(AchAddenda(type_code="05"),) if has_addenda else (),
    )
    return lines, entry


def _entry_cents(amount: Decimal, element: str) -> int:
    try:
        is_whole_cents = amount.is_finite() and amount == amount.quantize(_CENT)
    except InvalidOperation:
        is_whole_cents = False
    if not is_whole_cents:
        raise ValidationError(f"amount {amount} has more than 2 decimals", element=element)
    cents = int(amount * 100)
    if cents <= 0:
        raise ValidationError(f"amount {amount} must be positive", element=element)
    if cents > _MAX_ENTRY_CENTS:
        raise ValidationError(f"amount {amount} exceeds the 10-digit entry amount field", element=element)
    return cents


def _cents_field(amount: Decimal, width: int, element: str) -> str:
    cents = int(amount * 100)
    if cents >= 10**width:
        raise ValidationError(f"total {amount} does not fit {width} digits", element=element)
    return f"{cents:0{width}d}"


def _alpha(value: str, width: int, element: str, *, cut: bool = False, required: bool = False) -> str:
    if required and not value.strip():
        raise ValidationError("must not be blank", element=element)
    if any(char not in _PRINTABLE for char in value):
        raise ValidationError(f"{value!r} has characters outside printable ASCII", element=element)
    if len(value) > width:
        if not cut:
            raise ValidationError(f"{value!r} is longer than {width} characters", element=element)
        value = value[:width]  # names are cut, as banks do; identifiers never are
    return value.ljust(width)


def _file_control_record(record_count: int, totals: Sequence[_BatchTotals]) -> str:
    blocks = math.ceil(record_count / _BLOCKING_FACTOR)
    return "".join(
        (
            "9",
            f"{len(totals):06d}",
            f"{blocks:06d}",
            f"{sum(t.entry_addenda_count for t in totals):08d}",
            f"{sum(t.entry_hash for t in totals) % _HASH_MODULUS:010d}",
            _cents_field(sum((t.total_debit for t in totals), Decimal(0)), 12, "file total debit"),
            _cents_field(sum((t.total_credit for t in totals), Decimal(0)), 12, "file total credit"),
            " " * 39,
        )
    )
