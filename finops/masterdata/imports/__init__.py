"""CSV record import: `manage.py import_records KIND FILE.csv [--source NAME]`.

One module per kind of record; each has COLUMNS, plan() (check every row, read-only) and write()
(apply, inside the one transaction records_import opens). A file with any problem is refused
whole, naming line and column, and nothing is written.

Master data's own kinds are here; a kind about records of an app above master data lives in that
app and is registered at start-up with records_kind_register (invoices in finops.invoicing.imports,
purchase orders and receipts in finops.payables.imports), writing through that app's own upsert
services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from finops.accounts.models import User
from finops.masterdata.events import RecordsImported
from finops.masterdata.imports import bank_accounts, counterparties, legal_entities
from finops.masterdata.imports.base import (
    Checker,
    Columns,
    Problem,
    RecordsRefused,
    Row,
    Tally,
    read_rows,
    write_through,
)
from finops.masterdata.models import CounterpartyKind
from finops.outbox.events import event_notify


@dataclass(frozen=True)
class Kind:
    columns: Columns
    plan: Callable[..., list[Any]]
    write: Callable[..., None]


KINDS: dict[str, Kind] = {
    "legal_entities": Kind(legal_entities.COLUMNS, legal_entities.plan, legal_entities.write),
    "bank_accounts": Kind(bank_accounts.COLUMNS, bank_accounts.plan, bank_accounts.write),
    "customers": Kind(counterparties.COLUMNS, counterparties.plan, counterparties.writer(CounterpartyKind.CUSTOMER)),
    "suppliers": Kind(counterparties.COLUMNS, counterparties.plan, counterparties.writer(CounterpartyKind.SUPPLIER)),
}
SOURCE_MAX_LENGTH = 64


def records_kind_register(name: str, kind: Kind) -> None:
    """Add (or replace) a kind of record import_records knows; called at start-up."""
    KINDS[name] = kind


def records_import(*, kind: str, data: bytes, source: str, actor: User | None = None) -> Tally:
    """Check the whole file, then write it in one transaction; RecordsRefused (nothing written)
    on any problem. Announces RecordsImported in the same transaction (matching runs the entities'
    3-way match after an import of invoices, their lines, orders or receipts).

    Idempotent: every record is upserted by (source, external id) — legal entities by code, own
    bank accounts by IBAN or routing + account — so importing the same file again finds every
    record equal, writes nothing and counts it unchanged."""
    spec = KINDS.get(kind)
    if spec is None:
        raise RecordsRefused([Problem(0, "kind", f"{kind!r} is not one of {', '.join(KINDS)}.")])
    if not source or len(source) > SOURCE_MAX_LENGTH or not source.replace("_", "").replace("-", "").isalnum():
        raise RecordsRefused([Problem(0, "source", f"{source!r} is not a source name (letters, digits, - and _).")])
    rows = read_rows(data, spec.columns)
    checker = Checker()
    planned = spec.plan(rows, checker, source=source)
    checker.finish()
    tally = Tally(kind=kind, source=source, rows=len(rows))
    with transaction.atomic():
        spec.write(planned, tally=tally, source=source, actor=actor)
        event_notify(RecordsImported(kind=kind, source=source, entity_ids=frozenset(tally.entity_ids), actor=actor))
    return tally


__all__ = [
    "KINDS",
    "Checker",
    "Columns",
    "Kind",
    "RecordsRefused",
    "Row",
    "Tally",
    "records_import",
    "records_kind_register",
    "write_through",
]
