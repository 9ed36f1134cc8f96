"""Storing parsed statements (camt.052/.053/.054, MT940, BAI2) as BankStatement + StatementLine.

Called by the importer inside the file's one transaction: a refusal here rolls back every
statement of the file. Lines go in with PostgreSQL COPY, the statements one by one, so a
100,000-entry statement costs one round trip per few thousand lines, not one per line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Replace, Upper
from django.utils import timezone
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from finops.accounts.models import User
from finops.audit.context import current_correlation_id
from finops.audit.services import audit_record
from finops.masterdata.models import BankAccount
from finops.treasury.models import BankStatement, StatementLine, StatementLineState
from integrations.bankfiles.models import InboundFile
from integrations.bankfiles.services.common import Access, BankFileRefused, Outcome, money
from integrations.formats.types import AccountRef, Balance, CreditDebit, Entry, Statement
from reconciliation.services import exception_open
from reconciliation.states import ExceptionKind

_PLACES = Decimal("0.0001")  # AmountField keeps 4 decimal places
_AMOUNT_LIMIT = Decimal(10) ** 14  # AmountField has 18 digits, 4 of them decimals
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_EXTERNAL_ID_MAX = 128
_BOOKED = "BOOK"

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


def _normalized(identifier: str) -> str:
    return re.sub(r"[\s-]", "", identifier).upper()


@dataclass(frozen=True)
class _Totals:
    """What one pass over a statement's entries learns before anything is written."""

    fingerprints: tuple[str, ...]  # of the booked entries, in order
    content_sha256: str
    credits: dict[str, Decimal]  # booked, by entry currency
    debits: dict[str, Decimal]
    booked: int
    foreign: int  # booked entries in another currency than the statement's
    last_booking_on: dt.date | None


class AccountResolver:
    """Finds which of OUR accounts (BankAccount with an entity) a statement is about; never
    creates one. IBANs are compared without blanks and case; an Othr/Id, MT940 :25: or BAI2
    account number is compared whole, or after a "bank code/" prefix, with our account numbers."""

    def __init__(self, access: Access) -> None:
        self._access = access
        self._cache: dict[AccountRef, BankAccount] = {}

    def resolve(self, ref: AccountRef, *, where: str) -> BankAccount:
        if ref not in self._cache:
            self._cache[ref] = self._lookup(ref, where)
        return self._cache[ref]

    def _lookup(self, ref: AccountRef, where: str) -> BankAccount:
        own = BankAccount.objects.filter(entity__isnull=False).select_related("entity")
        ibans = {_normalized(v) for v in (ref.iban, ref.other_id) if v and _IBAN_SHAPE.match(_normalized(v))}
        found: list[BankAccount] = []
        if ibans:
            found = list(own.annotate(norm=Upper(Replace("iban", Value(" "), Value("")))).filter(norm__in=ibans))
        if not found and ref.other_id:
            found = self._by_number(own, ref)
        visible = [account for account in found if self._access.sees(account.entity_id or 0)]
        if not visible:
            raise BankFileRefused(
                f"{where} is for account {ref.identifier}, which is not one of our bank accounts"
                f"{'' if self._access.user is None else ' in your entities'}; nothing was imported. "
                "Add the account under Bank accounts (with its entity) and import the file again."
            )
        if len(visible) > 1:
            names = ", ".join(f"{a.name} ({a.entity.code if a.entity else '?'})" for a in visible)
            raise BankFileRefused(
                f"{where} is for account {ref.identifier}, which matches several of our accounts ({names}); "
                "nothing was imported. Make the account numbers unambiguous first."
            )
        account = visible[0]
        if not self._access.may_import(account.entity_id or 0):
            entity = account.entity.code if account.entity else "?"
            raise BankFileRefused(
                f"{where} is for account {ref.identifier} of {entity}, where your role does not allow "
                "importing bank files; nothing was imported."
            )
        return account

    def _by_number(self, own: Any, ref: AccountRef) -> list[BankAccount]:
        whole = _normalized(ref.other_id)
        tail = whole.rpartition("/")[2]
        normalized = Upper(Replace(Replace("account_number", Value(" "), Value("")), Value("-"), Value("")))
        candidates = list(own.annotate(norm=normalized).filter(norm__in={whole, tail}))
        exact = [a for a in candidates if a.norm == whole]
        found = exact or candidates
        if ref.routing_number and len(found) > 1:
            found = [a for a in found if a.routing_number == ref.routing_number] or found
        return found


class StatementWriter:
    """Writes the statements of one file. Idempotent per statement: (account, format, document
    id) is unique, and a statement already there is skipped when its content_sha256 matches and
    refused when it does not."""

    def __init__(self, *, inbound: InboundFile, user: User | None, access: Access, outcome: Outcome) -> None:
        self._inbound = inbound
        self._user = user
        self._outcome = outcome
        self._accounts = AccountResolver(access)

    def write_all(self, statements: Iterable[Statement], *, file_format: str, filename: str) -> None:
        for number, statement in enumerate(statements, 1):
            self.write(statement, number=number, file_format=file_format, filename=filename)

    def write(self, statement: Statement, *, number: int, file_format: str, filename: str) -> None:
        where = _where(filename, statement, number)
        account = self._accounts.resolve(statement.account, where=where)
        self._outcome.documents += 1
        self._outcome.entity_ids.add(account.entity_id or 0)
        currency = statement.account.currency or account.currency
        _require_currency(currency, where, "the statement")
        if statement.account.currency and statement.account.currency != account.currency:
            self._outcome.warnings.append(
                f"{where}: the file says the account is in {statement.account.currency}, "
                f"our account {account.name} is in {account.currency}"
            )
        if statement.account.iban and not _iban_is_valid(statement.account.iban):
            # Real banks send such files: a warning, never a refusal.
            self._outcome.warnings.append(f"{where}: account IBAN {statement.account.iban} fails its checksum")
        totals = _totals(statement, currency, where)
        external_id = _external_id(statement.document_id)
        existing = _existing(account, file_format, external_id)
        if existing is None:
            created = self._create(statement, account, file_format, external_id, currency, totals, where)
            if created is None:  # a concurrent import stored it between our look and our insert
                existing = _existing(account, file_format, external_id)
        if existing is not None:
            self._skip_duplicate(existing, totals, statement, account, where)

    def _create(
        self,
        statement: Statement,
        account: BankAccount,
        file_format: str,
        external_id: str,
        currency: str,
        totals: _Totals,
        where: str,
    ) -> BankStatement | None:
        opening, closing, balance_notes = _balances(statement, currency, where)
        entity = account.entity
        assert entity is not None  # the resolver returns our own accounts only
        try:
            with transaction.atomic():
                stored = BankStatement.objects.create(
                    source=self._inbound.source,
                    external_id=external_id,
                    correlation_id=current_correlation_id(),
                    entity=entity,
                    bank_account=account,
                    format=file_format,
                    sequence=statement.sequence[:35],
                    statement_on=_statement_on(statement, totals),
                    currency=currency,
                    opening_balance=opening.amount if opening else None,
                    closing_balance=closing.amount if closing else None,
                    entry_count=totals.booked,
                    total_credits=totals.credits.get(currency, Decimal(0)),
                    total_debits=totals.debits.get(currency, Decimal(0)),
                    inbound_file=self._inbound,
                    content_sha256=totals.content_sha256,
                )
        except IntegrityError:
            return None
        _copy_lines(stored.pk, statement.entries, totals.fingerprints)
        outcome = self._outcome
        outcome.statements += 1
        outcome.entries += totals.booked
        outcome.statement_ids.append(stored.pk)
        for ccy, amount in totals.credits.items():
            outcome.credits[ccy] += amount
        for ccy, amount in totals.debits.items():
            outcome.debits[ccy] += amount
        if totals.foreign:
            outcome.warnings.append(
                f"{where}: {totals.foreign} booked entr{'y is' if totals.foreign == 1 else 'ies are'} not in the "
                f"statement currency {currency}; kept as lines, left out of the statement totals"
            )
        outcome.warnings.extend(balance_notes)
        audit_record(
            stored,
            action="statement.imported",
            actor=self._user,
            after={
                "inbound_file": self._inbound.pk,
                "entries": totals.booked,
                "credits": stored.total_credits,
                "debits": stored.total_debits,
            },
        )
        self._check_balances(stored, statement, currency, totals, balance_notes, where)
        return stored

    def _skip_duplicate(
        self, existing: BankStatement, totals: _Totals, statement: Statement, account: BankAccount, where: str
    ) -> None:
        if existing.content_sha256 != totals.content_sha256:
            earlier = f" (inbound file #{existing.inbound_file_id})" if existing.inbound_file_id else ""
            raise BankFileRefused(
                f"{where}: statement {statement.document_id} for account {account.display_identifier} was already "
                f"imported with different content{earlier}; nothing was imported. A corrected statement needs a "
                "new statement id from the bank."
            )
        self._outcome.duplicates += 1
        self._outcome.statement_ids.append(existing.pk)

    def _check_balances(
        self,
        stored: BankStatement,
        statement: Statement,
        currency: str,
        totals: _Totals,
        balance_notes: list[str],
        where: str,
    ) -> None:
        """A statement that does not add up is imported all the same (it is what the bank
        sent) and opens one balance_mismatch exception, keyed on the statement row."""
        opening, closing = statement.opening_balance, statement.closing_balance
        if opening is None or closing is None:
            return
        credits, debits = totals.credits.get(currency, Decimal(0)), totals.debits.get(currency, Decimal(0))
        expected = opening.amount + credits - debits
        same_currency = opening.currency == closing.currency == currency
        if same_currency and not totals.foreign and expected == closing.amount:
            return
        difference = expected - closing.amount if same_currency else None
        reasons = list(balance_notes)
        if totals.foreign:
            reasons.append(f"{totals.foreign} booked entries are in another currency than {currency}")
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
            amount=difference,
            currency=currency if difference is not None else "",
            obj=stored,
        )


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
        raise BankFileRefused(f"{where}: {what} has no ISO 4217 currency (found {currency!r}); nothing was imported")


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


def _fingerprint(entry: Entry, amount: Decimal) -> str:
    """What the bank booked, not how it described it: a re-sent statement in another schema
    version (other names, other wrapping of text) keeps its fingerprints."""
    key = "|".join(
        (
            entry.credit_debit.value,
            str(amount),
            entry.currency,
            "R" if entry.is_reversal else "",
            entry.status,
            entry.booking_on.isoformat() if entry.booking_on else "",
            entry.value_on.isoformat() if entry.value_on else "",
            entry.account_servicer_ref,
            entry.bank_ref,
            entry.customer_ref,
            entry.bank_transaction_code,
            entry.end_to_end_id,
        )
    )
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def _amount(entry: Entry, where: str, number: int) -> Decimal:
    amount = entry.amount.quantize(_PLACES)
    if amount != entry.amount or amount >= _AMOUNT_LIMIT:
        line = f" (line {entry.line})" if entry.line else ""
        raise BankFileRefused(
            f"{where}: entry {number}{line} has amount {entry.amount}, which does not fit 14 digits and 4 decimals; "
            "nothing was imported"
        )
    return amount


def _totals(statement: Statement, currency: str, where: str) -> _Totals:
    fingerprints: list[str] = []
    credits: defaultdict[str, Decimal] = defaultdict(Decimal)
    debits: defaultdict[str, Decimal] = defaultdict(Decimal)
    content = hashlib.sha256()
    content.update(f"{currency}|{statement.sequence}".encode())
    for balance in statement.balances:
        content.update(f"|{balance.type}:{balance.amount.quantize(_PLACES)}:{balance.currency}:{balance.on}".encode())
    foreign = 0
    last_booking_on: dt.date | None = None
    checked_currencies: set[str] = set()
    for number, entry in enumerate(statement.entries, 1):
        amount = _amount(entry, where, number)
        if entry.currency not in checked_currencies:
            _require_currency(entry.currency, where, f"entry {number}")
            checked_currencies.add(entry.currency)
        fingerprint = _fingerprint(entry, amount)
        content.update(fingerprint.encode())
        if entry.status != _BOOKED:
            continue
        fingerprints.append(fingerprint)
        (credits if entry.credit_debit is CreditDebit.CREDIT else debits)[entry.currency] += entry.amount
        foreign += entry.currency != currency
        if entry.booking_on and (last_booking_on is None or entry.booking_on > last_booking_on):
            last_booking_on = entry.booking_on
    return _Totals(
        fingerprints=tuple(fingerprints),
        content_sha256=content.hexdigest(),
        credits=dict(credits),
        debits=dict(debits),
        booked=len(fingerprints),
        foreign=foreign,
        last_booking_on=last_booking_on,
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


def _statement_on(statement: Statement, totals: _Totals) -> dt.date:
    closing, opening = statement.closing_balance, statement.opening_balance
    for candidate in (
        closing.on if closing else None,
        statement.to_at.date() if statement.to_at else None,
        totals.last_booking_on,
        opening.on if opening else None,
        statement.created_at.date() if statement.created_at else None,
    ):
        if candidate is not None:
            return candidate
    return timezone.localdate()


def _line_rows(statement_id: int, entries: Iterable[Entry], fingerprints: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
    seen: dict[str, int] = {}
    booked = (entry for entry in entries if entry.status == _BOOKED)
    for line_no, (entry, fingerprint) in enumerate(zip(booked, fingerprints, strict=True), 1):
        occurrence = seen[fingerprint] = seen.get(fingerprint, 0) + 1
        detail = next((d for d in entry.details if d.counterparty_name or d.counterparty_iban), None)
        description = entry.description or " ".join(d.remittance_info for d in entry.details if d.remittance_info)
        yield (
            statement_id,
            line_no,
            entry.amount,
            entry.currency,
            entry.credit_debit.value,
            entry.is_reversal,
            entry.booking_on,
            entry.value_on,
            (entry.account_servicer_ref or entry.bank_ref)[:140],
            entry.end_to_end_id[:140],
            entry.bank_transaction_code[:64],
            (detail.counterparty_name if detail else "")[:200],
            ((detail.counterparty_iban or detail.counterparty_account) if detail else "")[:64],
            description,
            StatementLineState.UNMATCHED.value,
            fingerprint,
            occurrence,
        )


def _column(name: str) -> str:
    field = StatementLine._meta.get_field(name)
    column = getattr(field, "column", None)
    assert isinstance(column, str), name
    return column


def _copy_lines(statement_id: int, entries: Iterable[Entry], fingerprints: tuple[str, ...]) -> None:
    """COPY the booked entries into StatementLine, in the caller's transaction."""
    if not fingerprints:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(name)) for name in _LINE_COLUMNS)
    sql = f"COPY {quote(StatementLine._meta.db_table)} ({columns}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.set_types(_LINE_TYPES)  # binary COPY: a third less CPU than text for these rows
        for row in _line_rows(statement_id, entries, fingerprints):
            copy.write_row(row)
