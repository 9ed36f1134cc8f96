"""bank_accounts: legal_entity,iban,bic,account_number,routing_number,currency,name — our own
accounts (house banks). Keyed by IBAN, or by routing + account number for US accounts.

These are the group's own accounts, configured by admins; a counterparty's bank details never
come this way (they go through counterparty_upsert and a verified BankAccountChange)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from finops.accounts.models import User
from finops.audit.services import audit_record
from finops.masterdata.imports.base import Checker, Columns, Row, Tally
from finops.masterdata.models import BankAccount, LegalEntity
from finops.masterdata.validators import normalize_iban

COLUMNS = Columns(required=("legal_entity", "iban", "bic", "account_number", "routing_number", "currency", "name"))
_UPDATABLE = ("name", "bic")


@dataclass(frozen=True)
class Planned:
    row: Row
    entity: LegalEntity | None
    key: str
    iban: str
    bic: str
    account_number: str
    routing_number: str
    currency: str
    name: str


def _key(iban: str, routing: str, account: str) -> str:
    return iban or f"{routing}/{account}"


def _own_accounts(rows: list[Row]) -> dict[str, BankAccount]:
    ibans = {normalize_iban(row["iban"]) for row in rows if row["iban"]}
    accounts = {row["account_number"] for row in rows if row["account_number"] and not row["iban"]}
    found = (
        BankAccount.objects.filter(entity__isnull=False)
        .filter(Q(iban__in=ibans) | Q(iban="", account_number__in=accounts))
        .select_related("entity")
    )
    return {_key(a.iban, a.routing_number, a.account_number): a for a in found}


def plan(rows: list[Row], checker: Checker, *, source: str) -> list[Planned]:
    entities = LegalEntity.objects.in_bulk({row["legal_entity"] for row in rows}, field_name="code")
    existing = _own_accounts(rows)
    seen: dict[tuple[str, ...], int] = {}
    planned = []
    for row in rows:
        entity = entities.get(row["legal_entity"])
        if entity is None:
            checker.fail(row, "legal_entity", f"{row['legal_entity']!r} is not a known legal entity code.")
        iban, bic = checker.iban(row), checker.bic(row)
        routing, account_number = (
            checker.routing(row),
            checker.text(row, "account_number", required=False, max_length=34),
        )
        if not row["iban"] and not row["account_number"]:
            checker.fail(row, "iban", "Give an IBAN, or a routing number and account number.")
        elif not row["iban"] and not row["routing_number"]:
            checker.fail(row, "routing_number", "An account number without an IBAN needs its routing number.")
        currency = checker.currency(row, "currency")
        name = checker.text(row, "name")
        key = _key(iban, routing, account_number)
        if (iban or (routing and account_number)) and checker.unique(
            row, (key,), "iban" if iban else "account_number", seen
        ):
            account = existing.get(key)
            if account is not None and entity is not None and account.entity_id != entity.pk:
                checker.fail(
                    row, "legal_entity", f"{key} is an account of {account.entity.code if account.entity else '?'}."
                )
            if account is not None and currency and account.currency != currency:
                checker.fail(row, "currency", f"{key} is a {account.currency} account; an import cannot change that.")
        planned.append(Planned(row, entity, key, iban, bic, account_number, routing, currency, name))
    return planned


def write(planned: list[Planned], *, tally: Tally, source: str, actor: User | None) -> None:
    """Idempotent: an account found by its IBAN (or routing + account) with the same name and BIC
    is left untouched."""
    existing = {
        _key(a.iban, a.routing_number, a.account_number): a
        for a in BankAccount.objects.select_for_update().filter(
            entity__isnull=False, pk__in=[a.pk for a in _own_accounts([p.row for p in planned]).values()]
        )
    }
    for item in planned:
        account = existing.get(item.key)
        if account is None:
            account = BankAccount.objects.create(
                entity=item.entity,
                name=item.name,
                iban=item.iban,
                bic=item.bic,
                account_number=item.account_number,
                routing_number=item.routing_number,
                currency=item.currency,
                source=source,
                external_id=item.key,
            )
            audit_record(
                account,
                action="bank_account.imported",
                actor=actor,
                reason=f"from {source}",
                after={"account": item.key},
            )
            tally.count("created")
            continue
        changed = {k: getattr(item, k) for k in _UPDATABLE if getattr(account, k) != getattr(item, k)}
        if not changed:
            tally.count("unchanged")
            continue
        before = {k: getattr(account, k) for k in changed}
        BankAccount.objects.filter(pk=account.pk).update(**changed)
        audit_record(
            account, action="bank_account.updated", actor=actor, reason=f"from {source}", before=before, after=changed
        )
        tally.count("updated")
