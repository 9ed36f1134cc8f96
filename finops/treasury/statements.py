"""Storing statements as BankStatement + StatementLine: the one treasury service every path uses
(a bank file's camt.052/.053/.054, MT940 or BAI2, the bank's API, the demo seed).

A file's statements: called by the bank-file import (integrations.bankfiles) inside the file's
one transaction: a refusal here (StatementRefused) rolls back every statement of the file. The
readers stream (each statement's start, its entries, its end) and so does the writer, in two
phases per statement: the BankStatement row is inserted at the statement's start, its lines go
in by PostgreSQL COPY as they are read, and the totals, the balances and the content hash are set
at its end. Memory stays flat in the size of a statement but for about a hundred bytes per entry
(the fingerprints that number repeated lines and make up the content hash, which needs the
closing balance first).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from finops.accounts.models import User
from finops.audit.context import current_correlation_id
from finops.audit.services import audit_record
from finops.masterdata.models import BankAccount
from finops.treasury.accounts import own_accounts_named
from finops.treasury.balances import balance_difference, balance_expected, balances_reconcile
from finops.treasury.models import BankStatement, StatementLine, StatementLineState
from integrations.formats.types import (
    AccountRef,
    Balance,
    CreditDebit,
    Entry,
    Statement,
    StatementEnd,
    StatementEvent,
    StatementStart,
)
from reconciliation.exceptions.services import exception_open
from reconciliation.exceptions.states import ExceptionKind


class StatementRefused(Exception):
    """The statement is refused, and with it everything its caller was importing; the message names
    the file (or source), where in it the problem is, and what to do."""

    def __init__(self, message: str, *, missing_account: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.missing_account = missing_account  # the identifier of an account we do not have


class StatementAccess(Protocol):
    """Who imports: which entities' accounts they see and may import into (the bank-file import's
    Access), and how a refusal names where we looked."""

    scope: str

    def sees(self, entity_id: int) -> bool: ...

    def may_import(self, entity_id: int) -> bool: ...


class StatementOutcome(Protocol):
    """The running tally of the statements of one import (the bank-file import's Outcome)."""

    statements: int
    entries: int
    duplicates: int
    documents: int
    credits: defaultdict[str, Decimal]
    debits: defaultdict[str, Decimal]
    warnings: list[str]
    entity_ids: set[int]
    statement_ids: list[int]


def money(amount: Decimal) -> str:
    """A decimal string exactly as booked; never a float, never scientific notation."""
    return format(amount, "f")


_PLACES = Decimal("0.0001")  # AmountField keeps 4 decimal places
_AMOUNT_LIMIT = Decimal(10) ** 14  # AmountField has 18 digits, 4 of them decimals
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_EXTERNAL_ID_MAX = 128
_BOOKED = "BOOK"
_DIGEST_SIZE = 16  # blake2b-128: a line fingerprint is its 32 hex digits
_HASH_CHUNK = 64 * 1024
_UNMATCHED = StatementLineState.UNMATCHED.value

_LINE_COLUMNS = (
    "statement",
    "line_no",
    "amount",
    "currency",
    "credit_debit",
    "is_reversal",
    "booking_on",
    "value_on",
    "account_servicer_ref",
    "end_to_end_id",
    "bank_transaction_code",
    "counterparty_name",
    "counterparty_account",
    "description",
    "state",
    "fingerprint",
    "occurrence",
)


# PostgreSQL types of _LINE_COLUMNS, for binary COPY (kept beside the list they describe).
_LINE_TYPES = (
    "bigint",
    "integer",
    "numeric",
    "varchar",
    "varchar",
    "bool",
    "date",
    "date",
    "varchar",
    "varchar",
    "varchar",
    "varchar",
    "varchar",
    "text",
    "varchar",
    "varchar",
    "integer",
)


class _Tally:
    """What the pass over a statement's entries learns: its totals, and what its content hash
    and the lines' occurrence numbers need."""

    def __init__(self, currency: str, where: str) -> None:
        self.currency = currency
        self.where = where
        self.digests = bytearray()  # the fingerprint of every entry, booked or not, in order
        self.credits: defaultdict[str, Decimal] = defaultdict(Decimal)  # booked, by entry currency
        self.debits: defaultdict[str, Decimal] = defaultdict(Decimal)
        self.booked = 0
        self.foreign = 0  # booked entries in another currency than the statement's
        self.last_booking_on: dt.date | None = None

    def content_sha256(self, statement: Statement) -> str:
        """What tells a re-sent statement from another one under the same id: the statement's
        currency, sequence and balances, then its entries' fingerprints in order."""
        content = hashlib.sha256()
        content.update(f"{self.currency}|{statement.sequence}".encode())
        for balance in statement.balances:
            content.update(
                f"|{balance.type}:{balance.amount.quantize(_PLACES)}:{balance.currency}:{balance.on}".encode()
            )
        digests = self.digests
        for start in range(0, len(digests), _HASH_CHUNK):  # hex digests, as they were always hashed
            content.update(digests[start : start + _HASH_CHUNK].hex().encode())
        return content.hexdigest()


class AccountResolver:
    """Finds which of OUR accounts (BankAccount with an entity) a statement is about, among those
    the importer may see (finops.treasury.accounts decides what a reference names); never creates
    one."""

    def __init__(self, access: StatementAccess) -> None:
        self._access = access
        self._cache: dict[AccountRef, BankAccount] = {}

    def resolve(self, ref: AccountRef, *, where: str) -> BankAccount:
        if ref not in self._cache:
            self._cache[ref] = self._lookup(ref, where)
        return self._cache[ref]

    def _lookup(self, ref: AccountRef, where: str) -> BankAccount:
        visible = [account for account in own_accounts_named(ref) if self._access.sees(account.entity_id or 0)]
        if not visible:
            raise StatementRefused(
                f"{where} is for account {ref.identifier}, which is not one of our bank accounts"
                f"{self._access.scope}; nothing was imported. "
                "Add the account under Bank accounts (with its entity) and import the file again.",
                missing_account=ref.identifier,
            )
        if len(visible) > 1:
            names = ", ".join(f"{a.name} ({a.entity.code if a.entity else '?'})" for a in visible)
            raise StatementRefused(
                f"{where} is for account {ref.identifier}, which matches several of our accounts ({names}); "
                "nothing was imported. Make the account numbers unambiguous first."
            )
        account = visible[0]
        if not self._access.may_import(account.entity_id or 0):
            entity = account.entity.code if account.entity else "?"
            raise StatementRefused(
                f"{where} is for account {ref.identifier} of {entity}, where your role does not allow "
                "importing bank files; nothing was imported."
            )
        return account


class StatementWriter:
    """Writes the statements of one file. Idempotent per statement: (account, format, document
    id) is unique, and a statement already there is skipped when its content_sha256 matches and
    refused when it does not."""

    def __init__(
        self,
        *,
        source: str,
        inbound_file_id: int | None,
        user: User | None,
        access: StatementAccess,
        outcome: StatementOutcome,
    ) -> None:
        self._source = source
        self._inbound_file_id = inbound_file_id
        self._user = user
        self._outcome = outcome
        self._accounts = AccountResolver(access)

    def write_events(self, events: Iterator[StatementEvent], *, file_format: str, filename: str) -> None:
        """Write every statement of a stream of statement events (see integrations.formats.types)."""
        try:
            # _write reads each statement's entries and end from the same stream: this loop sees
            # the starts only.
            for number, event in enumerate(events, 1):
                if not isinstance(event, StatementStart):
                    raise TypeError(f"expected a statement's start, got {type(event).__name__}")
                self._write(event.statement, events, number=number, file_format=file_format, filename=filename)
        except StatementRefused:
            # Read on: a file that is also broken further down is refused for that, as when
            # files were read whole before anything was written.
            for _ in events:
                pass
            raise

    def _write(
        self, head: Statement, events: Iterator[StatementEvent], *, number: int, file_format: str, filename: str
    ) -> None:
        """One statement: head is what its start says; its entries and end are read from events."""
        where = _where(filename, head, number)
        account = self._accounts.resolve(head.account, where=where)
        self._outcome.documents += 1
        self._outcome.entity_ids.add(account.entity_id or 0)
        currency = head.account.currency or account.currency
        _require_currency(currency, where, "the statement")
        if head.account.currency and head.account.currency != account.currency:
            self._outcome.warnings.append(
                f"{where}: the file says the account is in {head.account.currency}, "
                f"our account {account.name} is in {account.currency}"
            )
        if head.account.iban and not _iban_is_valid(head.account.iban):
            # Real banks send such files: a warning, never a refusal.
            self._outcome.warnings.append(f"{where}: account IBAN {head.account.iban} fails its checksum")
        external_id = _external_id(head.document_id)
        existing = _existing(account, file_format, external_id)
        stored = None
        if existing is None:
            stored = self._insert(head, account, file_format, external_id, currency)
            if stored is None:  # a concurrent import stored it between our look and our insert
                existing = _existing(account, file_format, external_id)
        tally = _Tally(currency, where)
        statement = _copy_lines(stored.pk if stored is not None else None, events, tally)
        _require_balances_fit(statement, where)
        content_sha256 = tally.content_sha256(statement)
        if stored is not None:
            self._complete(stored, statement, tally, content_sha256)
        elif existing is not None:
            self._skip_duplicate(existing, content_sha256, statement, account, where)

    def _insert(
        self, head: Statement, account: BankAccount, file_format: str, external_id: str, currency: str
    ) -> BankStatement | None:
        """Phase one: the statement row, so that its lines can follow; what only its end tells
        (date, balances, totals, content hash) is set by _complete in the same transaction."""
        entity = account.entity
        assert entity is not None  # the resolver returns our own accounts only
        try:
            with transaction.atomic():
                return BankStatement.objects.create(
                    source=self._source,
                    external_id=external_id,
                    correlation_id=current_correlation_id(),
                    entity=entity,
                    bank_account=account,
                    format=file_format,
                    sequence=head.sequence[:35],
                    statement_on=timezone.localdate(),
                    currency=currency,
                    inbound_file_id=self._inbound_file_id,
                )
        except IntegrityError:
            return None

    def _complete(self, stored: BankStatement, statement: Statement, tally: _Tally, content_sha256: str) -> None:
        """Phase two, at the statement's end: totals, balances, content hash; audit; balance check."""
        currency, where = tally.currency, tally.where
        opening, closing, balance_notes = _balances(statement, currency, where)
        stored.sequence = statement.sequence[:35]
        stored.statement_on = _statement_on(statement, tally)
        stored.opening_balance = opening.amount if opening else None
        stored.closing_balance = closing.amount if closing else None
        stored.entry_count = tally.booked
        stored.total_credits = tally.credits.get(currency, Decimal(0))
        stored.total_debits = tally.debits.get(currency, Decimal(0))
        for label, total in (("credits", stored.total_credits), ("debits", stored.total_debits)):
            if total >= _AMOUNT_LIMIT:
                raise StatementRefused(
                    f"{where}: the statement's {label} add up to {money(total)}, which does not fit "
                    "14 digits and 4 decimals; nothing was imported"
                )
        stored.content_sha256 = content_sha256
        BankStatement.objects.filter(pk=stored.pk).update(
            sequence=stored.sequence,
            statement_on=stored.statement_on,
            opening_balance=stored.opening_balance,
            closing_balance=stored.closing_balance,
            entry_count=stored.entry_count,
            total_credits=stored.total_credits,
            total_debits=stored.total_debits,
            content_sha256=content_sha256,
        )
        outcome = self._outcome
        outcome.statements += 1
        outcome.entries += tally.booked
        outcome.statement_ids.append(stored.pk)
        for ccy, amount in tally.credits.items():
            outcome.credits[ccy] += amount
        for ccy, amount in tally.debits.items():
            outcome.debits[ccy] += amount
        if tally.foreign:
            outcome.warnings.append(
                f"{where}: {tally.foreign} booked entr{'y is' if tally.foreign == 1 else 'ies are'} not in the "
                f"statement currency {currency}; kept as lines, left out of the statement totals"
            )
        outcome.warnings.extend(balance_notes)
        audit_record(
            stored,
            action="statement.imported",
            actor=self._user,
            after={
                "inbound_file": self._inbound_file_id,
                "entries": tally.booked,
                "credits": stored.total_credits,
                "debits": stored.total_debits,
            },
        )
        self._check_balances(stored, statement, tally, balance_notes)

    def _skip_duplicate(
        self, existing: BankStatement, content_sha256: str, statement: Statement, account: BankAccount, where: str
    ) -> None:
        if existing.content_sha256 != content_sha256:
            earlier = f" (inbound file #{existing.inbound_file_id})" if existing.inbound_file_id else ""
            raise StatementRefused(
                f"{where}: statement {statement.document_id} for account {account.display_identifier} was already "
                f"imported with different content{earlier}; nothing was imported. A corrected statement needs a "
                "new statement id from the bank."
            )
        self._outcome.duplicates += 1
        self._outcome.statement_ids.append(existing.pk)

    def _check_balances(
        self, stored: BankStatement, statement: Statement, tally: _Tally, balance_notes: list[str]
    ) -> None:
        """A statement that does not add up is imported all the same (it is what the bank
        sent) and opens one balance_mismatch exception, keyed on the statement row."""
        opening, closing = statement.opening_balance, statement.closing_balance
        if opening is None or closing is None:
            return
        currency, where = tally.currency, tally.where
        credits, debits = tally.credits.get(currency, Decimal(0)), tally.debits.get(currency, Decimal(0))
        expected = balance_expected(opening.amount, credits, debits)
        same_currency = opening.currency == closing.currency == currency
        if same_currency and not tally.foreign and balances_reconcile(opening.amount, credits, debits, closing.amount):
            return
        difference = balance_difference(opening.amount, credits, debits, closing.amount) if same_currency else None
        reasons = list(balance_notes)
        if tally.foreign:
            reasons.append(f"{tally.foreign} booked entries are in another currency than {currency}")
        if difference is not None and difference:
            reasons.append(
                f"opening + credits − debits is {money(expected)}, the bank's closing balance {money(closing.amount)}"
            )
        title = f"Statement {statement.document_id} does not reconcile" + (
            f": off by {money(difference)} {currency}" if difference else ""
        )
        exception_open(
            entity=stored.entity,
            kind=ExceptionKind.BALANCE_MISMATCH,
            title=title,
            dedupe_key=f"{ExceptionKind.BALANCE_MISMATCH}:treasury.BankStatement:{stored.pk}",
            detail={
                "statement": statement.document_id,
                "file": where,
                "opening_balance": f"{money(opening.amount)} {opening.currency}",
                "total_credits": money(credits),
                "total_debits": money(debits),
                "expected_closing": money(expected),
                "closing_balance": f"{money(closing.amount)} {closing.currency}",
                "difference": money(difference) if difference is not None else "",
                "reasons": "; ".join(reasons),
            },
            # a difference beyond what an amount holds stays in the title and the detail
            amount=difference if difference is not None and abs(difference) < _AMOUNT_LIMIT else None,
            currency=currency if difference is not None and abs(difference) < _AMOUNT_LIMIT else "",
            obj=stored,
        )


def line_fingerprint(
    credit_debit: str,
    amount: Decimal,
    currency: str,
    is_reversal: bool,
    status: str,
    booking_on: str,
    value_on: str,
    account_servicer_ref: str,
    bank_ref: str,
    customer_ref: str,
    bank_transaction_code: str,
    end_to_end_id: str,
) -> bytes:
    """The fingerprint of a line, from what the bank booked, not how it described it: a re-sent
    statement in another schema version (other names, other wrapping of text) keeps its
    fingerprints. amount is quantized to 4 places, dates are ISO text ("" when absent)."""
    key = "|".join(
        (
            credit_debit,
            str(amount),
            currency,
            "R" if is_reversal else "",
            status,
            booking_on,
            value_on,
            account_servicer_ref,
            bank_ref,
            customer_ref,
            bank_transaction_code,
            end_to_end_id,
        )
    )
    return hashlib.blake2b(key.encode(), digest_size=_DIGEST_SIZE).digest()


def statement_line_fingerprint(line: StatementLine) -> str:
    """line_fingerprint, in hex, of a booked line that came without a file (the bank's API, the
    demo seed): what the line holds is what the bank booked."""
    return line_fingerprint(
        str(line.credit_debit),
        Decimal(line.amount).quantize(_PLACES),
        line.currency,
        line.is_reversal,
        _BOOKED,
        line.booking_on.isoformat() if line.booking_on else "",
        line.value_on.isoformat() if line.value_on else "",
        line.account_servicer_ref,
        "",
        "",
        line.bank_transaction_code,
        line.end_to_end_id,
    ).hex()


def _where(filename: str, statement: Statement, number: int) -> str:
    line = f", line {statement.line}" if statement.line else ""
    return f"{filename}{line}: statement {number} ({statement.document_id})"


def _iban_is_valid(iban: str) -> bool:
    try:
        IBAN(iban)
    except SchwiftyException:
        return False
    return True


def _require_currency(currency: str, where: str, what: str) -> None:
    if not _CURRENCY.match(currency):
        raise StatementRefused(f"{where}: {what} has no ISO 4217 currency (found {currency!r}); nothing was imported")


def _external_id(document_id: str) -> str:
    if len(document_id) <= _EXTERNAL_ID_MAX:
        return document_id
    # Deterministic, so a re-delivery of the same long id finds its statement again.
    digest = hashlib.sha256(document_id.encode()).hexdigest()[:32]
    return f"{document_id[: _EXTERNAL_ID_MAX - 33]}~{digest}"


def _existing(account: BankAccount, file_format: str, external_id: str) -> BankStatement | None:
    return (
        BankStatement.objects.filter(bank_account=account, format=file_format, external_id=external_id)
        .only("pk", "content_sha256", "inbound_file_id")
        .first()
    )


def _refuse_amount(entry: Entry, where: str, number: int) -> None:
    line = f" (line {entry.line})" if entry.line else ""
    raise StatementRefused(
        f"{where}: entry {number}{line} has amount {entry.amount}, which does not fit 14 digits and 4 decimals; "
        "nothing was imported"
    )


_BALANCE_LABELS = {"OPBD": "opening ", "PRCD": "opening ", "CLBD": "closing "}


def _require_balances_fit(statement: Statement, where: str) -> None:
    """Every balance of the statement fits an amount column (it is stored, or hashed rounded to 4
    places, which fails on numbers of more than 24 digits)."""
    for balance in statement.balances:
        if abs(balance.amount) >= _AMOUNT_LIMIT:
            raise StatementRefused(
                f"{where}: the {_BALANCE_LABELS.get(balance.type, '')}balance {balance.type} {balance.amount} "
                "does not fit 14 digits and 4 decimals; nothing was imported"
            )


def _balances(statement: Statement, currency: str, where: str) -> tuple[Balance | None, Balance | None, list[str]]:
    """Opening (OPBD, else PRCD) and closing (CLBD) as stored: a balance in another currency
    than the statement's is not stored as its balance, only reported."""
    notes: list[str] = []
    kept: list[Balance | None] = []
    for label, balance in (("opening", statement.opening_balance), ("closing", statement.closing_balance)):
        if balance is not None and balance.currency != currency:
            notes.append(
                f"{where}: the {label} balance {balance.type} is in {balance.currency}, the statement in "
                f"{currency}; not stored as its {label} balance"
            )
            balance = None
        if balance is not None:
            balance = Balance(balance.type, balance.amount.quantize(_PLACES), balance.currency, balance.on)
        kept.append(balance)
    return kept[0], kept[1], notes


def _statement_on(statement: Statement, tally: _Tally) -> dt.date:
    closing, opening = statement.closing_balance, statement.opening_balance
    for candidate in (
        closing.on if closing else None,
        statement.to_at.date() if statement.to_at else None,
        tally.last_booking_on,
        opening.on if opening else None,
        statement.created_at.date() if statement.created_at else None,
    ):
        if candidate is not None:
            return candidate
    return timezone.localdate()


def _column(name: str) -> str:
    field = StatementLine._meta.get_field(name)
    column = getattr(field, "column", None)
    assert isinstance(column, str), name
    return column


def _copy_lines(statement_id: int | None, events: Iterator[StatementEvent], tally: _Tally) -> Statement:
    """Read a statement's entries up to its end; COPY the booked ones into StatementLine (in the
    caller's transaction) unless statement_id is None (a statement already stored, whose content
    hash is all that is wanted). Returns the statement as its end gives it."""
    if statement_id is None:
        return _tally_entries(None, events, tally)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(name)) for name in _LINE_COLUMNS)
    sql = f"COPY {quote(StatementLine._meta.db_table)} ({columns}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.set_types(_LINE_TYPES)  # binary COPY: a third less CPU than text for these rows
        return _tally_entries(statement_id, events, tally, copy.write_row)


def _tally_entries(
    statement_id: int | None,
    events: Iterator[StatementEvent],
    tally: _Tally,
    write_row: Callable[[tuple[Any, ...]], None] | None = None,
) -> Statement:
    """The per-entry work of an import, the hot loop: validate, fingerprint, total, write."""
    where, currency = tally.where, tally.currency
    digests = tally.digests
    credits, debits = tally.credits, tally.debits
    checked_currencies: set[str] = set()
    occurrences: dict[bytes, int] = {}
    iso_dates: dict[dt.date, str] = {}
    places, limit, credit, fingerprint = _PLACES, _AMOUNT_LIMIT, CreditDebit.CREDIT, line_fingerprint
    booked = foreign = number = 0
    last_booking_on: dt.date | None = None
    end: StatementEvent | None = None
    for event in events:
        if not isinstance(event, Entry):
            end = event
            break
        number += 1
        amount = event.amount
        if amount >= limit:  # first: quantize() itself fails on amounts of more than 24 digits
            _refuse_amount(event, where, number)
        quantized = amount.quantize(places)
        if quantized != amount:
            _refuse_amount(event, where, number)
        entry_currency = event.currency
        if entry_currency not in checked_currencies:
            _require_currency(entry_currency, where, f"entry {number}")
            checked_currencies.add(entry_currency)
        booking_on, value_on = event.booking_on, event.value_on
        if booking_on is None:
            booking_text = ""
        elif (booking_text := iso_dates.get(booking_on, "")) == "":
            booking_text = iso_dates[booking_on] = booking_on.isoformat()
        if value_on is None:
            value_text = ""
        elif (value_text := iso_dates.get(value_on, "")) == "":
            value_text = iso_dates[value_on] = value_on.isoformat()
        details = event.details
        end_to_end_id = ""
        for detail in details:  # Entry.end_to_end_id, without a generator per entry
            if detail.end_to_end_id:
                end_to_end_id = detail.end_to_end_id
                break
        digest = fingerprint(
            event.credit_debit,  # a StrEnum: joins as "CRDT" or "DBIT"
            quantized,
            entry_currency,
            event.is_reversal,
            event.status,
            booking_text,
            value_text,
            event.account_servicer_ref,
            event.bank_ref,
            event.customer_ref,
            event.bank_transaction_code,
            end_to_end_id,
        )
        digests += digest
        if event.status != _BOOKED:
            continue
        booked += 1
        occurrence = occurrences[digest] = occurrences.get(digest, 0) + 1
        if event.credit_debit is credit:
            credits[entry_currency] += amount
        else:
            debits[entry_currency] += amount
        if entry_currency != currency:
            foreign += 1
        if booking_on is not None and (last_booking_on is None or booking_on > last_booking_on):
            last_booking_on = booking_on
        if write_row is None:
            continue
        counterparty = None
        for detail in details:
            if detail.counterparty_name or detail.counterparty_iban:
                counterparty = detail
                break
        description = event.description
        if not description and details:
            description = " ".join(d.remittance_info for d in details if d.remittance_info)
        write_row(
            (
                statement_id,
                booked,
                amount,
                entry_currency,
                "CRDT" if event.credit_debit is credit else "DBIT",
                event.is_reversal,
                booking_on,
                value_on,
                (event.account_servicer_ref or event.bank_ref)[:140],
                end_to_end_id[:140],
                event.bank_transaction_code[:64],
                counterparty.counterparty_name[:200] if counterparty else "",
                (counterparty.counterparty_iban or counterparty.counterparty_account)[:64] if counterparty else "",
                description,
                _UNMATCHED,
                digest.hex(),
                occurrence,
            )
        )
    if not isinstance(end, StatementEnd):  # the readers end every statement they start
        raise TypeError(f"expected the statement's end, got {type(end).__name__}")
    tally.booked, tally.foreign, tally.last_booking_on = booked, foreign, last_booking_on
    return end.statement


# --- transactions that arrive one at a time (the bank's API) ----------------------------------

DAY_STATEMENT_FORMAT = "api"


@dataclass(frozen=True)
class BookedTransaction:
    """One transaction the bank booked on one of our accounts, as its API reports it. amount is
    signed: a debit is negative."""

    account: BankAccount
    reference: str  # the bank's transaction id
    amount: Decimal
    currency: str
    booking_on: dt.date
    value_on: dt.date
    end_to_end_id: str = ""
    counterparty_name: str = ""
    description: str = ""


def day_statement(*, account: BankAccount, day: dt.date, currency: str, source: str) -> BankStatement:
    """The statement (locked) that collects an account's transactions of one booking day: format
    "api", external id "API-<iban>-<date>" ("API-<account number>-<date>" without an IBAN)."""
    statement, _ = BankStatement.objects.get_or_create(
        bank_account=account,
        format=DAY_STATEMENT_FORMAT,
        external_id=f"API-{account.iban or account.account_number}-{day:%Y-%m-%d}",
        defaults={
            "entity": account.entity,
            "source": source,
            "statement_on": day,
            "currency": currency,
            "correlation_id": current_correlation_id(),
        },
    )
    return BankStatement.objects.select_for_update().get(pk=statement.pk)


@transaction.atomic
def transaction_book(booked: BookedTransaction, *, source: str) -> StatementLine:
    """Append one booked transaction to its day's statement, fingerprinted like a file's lines,
    and add it to the statement's totals. Not idempotent by itself: the caller applies a
    transaction id once (the sync's idempotency ledger). StatementRefused when the transaction's
    currency is not its day statement's."""
    statement = day_statement(account=booked.account, day=booked.booking_on, currency=booked.currency, source=source)
    if statement.currency != booked.currency:
        raise StatementRefused(
            f"currency {booked.currency} differs from the account's statement ({statement.currency})."
        )
    credit = booked.amount >= 0
    amount = abs(booked.amount)
    line = StatementLine(
        statement=statement,
        line_no=statement.entry_count + 1,
        amount=amount,
        currency=booked.currency,
        credit_debit=CreditDebit.CREDIT if credit else CreditDebit.DEBIT,
        booking_on=booked.booking_on,
        value_on=booked.value_on,
        account_servicer_ref=booked.reference,
        end_to_end_id=booked.end_to_end_id,
        counterparty_name=booked.counterparty_name,
        description=booked.description,
    )
    line.fingerprint = statement_line_fingerprint(line)
    line.occurrence = StatementLine.objects.filter(statement=statement, fingerprint=line.fingerprint).count() + 1
    line.save(force_insert=True)
    BankStatement.objects.filter(pk=statement.pk).update(
        entry_count=F("entry_count") + 1,
        total_credits=F("total_credits") + (amount if credit else Decimal(0)),
        total_debits=F("total_debits") + (Decimal(0) if credit else amount),
    )
    return line


@transaction.atomic
def closing_balance_book(
    *, account: BankAccount, day: dt.date, currency: str, amount: Decimal, source: str
) -> tuple[BankStatement, bool]:
    """The bank's closing booked balance (CLBD) of a day becomes its day statement's closing
    balance; returns the statement and whether it changed. Idempotent: the same balance again
    changes nothing."""
    statement = day_statement(account=account, day=day, currency=currency, source=source)
    if statement.closing_balance == amount:
        return statement, False
    BankStatement.objects.filter(pk=statement.pk).update(closing_balance=amount)
    statement.closing_balance = amount
    return statement, True


# --- statements built whole elsewhere (the demo seed) ------------------------------------------


def statements_store(statements: Sequence[BankStatement], lines: Sequence[StatementLine]) -> None:
    """Store statements their caller built whole, with their lines (each line's statement one of
    `statements`), set-based: every line is fingerprinted and numbered among its statement's equal
    lines as a file's are, then statements and lines are inserted in bulk. Not idempotent by
    itself: the caller stores a statement once (the demo seed runs once)."""
    BankStatement.objects.bulk_create(statements, batch_size=2000)
    seen: dict[tuple[int, str], int] = {}
    for line in lines:
        line.fingerprint = statement_line_fingerprint(line)
        key = (id(line.statement), line.fingerprint)
        line.occurrence = seen[key] = seen.get(key, 0) + 1
    StatementLine.objects.bulk_create(lines, batch_size=2000)
