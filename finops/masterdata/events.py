"""What master data announces in-process (see finops.outbox.events) to the apps above it that act
on it: the exception queue opens a master-data conflict, payables holds or releases the payments
to a bank account whose details are under change, matching matches what an import brought."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from finops.accounts.models import User
from finops.masterdata.models import BankAccount, Counterparty, LegalEntity


@dataclass(frozen=True)
class CounterpartyConflict:
    """Two systems disagree about a counterparty's field and neither may overwrite the other, or a
    source sent bank details that cannot be used: a person decides in `entity`. `cause` is the
    same for every report of the same disagreement (one open conflict per counterparty and field)."""

    entity: LegalEntity
    counterparty: Counterparty
    title: str
    cause: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class BankAccountOnHold:
    """Payments proposed to `account` must wait: a change of its details is pending, or it was
    replaced by another account."""

    account: BankAccount
    reason: str
    actor: User | None


@dataclass(frozen=True)
class BankAccountDecided:
    """A change about `account` was activated or rejected: payments held for it may go again,
    unless something else about the account is still pending (bank_account_hold_reason)."""

    account: BankAccount
    reason: str
    actor: User | None


@dataclass(frozen=True)
class RecordsImported:
    """A records file was imported (import_records): `kind` of records from `source`, about the
    records of `entity_ids` (empty for kinds that are not entity-owned). Announced in the import's
    transaction; matching subscribes, to match what arrived."""

    kind: str
    source: str
    entity_ids: frozenset[int]
    actor: User | None
