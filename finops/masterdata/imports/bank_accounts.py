"""bank_accounts: legal_entity,iban,bic,account_number,currency,name and, optionally,
routing_number,bank_code_kind,bank_code,country — our own accounts (house banks).

An account is named by its IBAN, or by its account number in its country with the national
bank code its payments need (bank_code_kind and bank_code; routing_number is an ABA code, the
column older files have). The country of an account without an IBAN is the one given, else
its bank code's, its BIC's, or the entity's. Keyed per identifier kind (finops.masterdata.
bank_identifiers): the IBAN, else country, bank code and normalised account number.

These are the group's own accounts, configured by admins; a counterparty's bank details never
come this way (they go through counterparty_upsert and a verified BankAccountChange)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from finops.accounts.models import User
from finops.audit.services import audit_record
from finops.masterdata.bank_identifiers import AccountIdentifier, account_identifier_clean, normalize_account_number
from finops.masterdata.imports.base import Checker, Columns, Row, Tally
from finops.masterdata.models import BankAccount, LegalEntity, normalized_account_number
from finops.masterdata.validators import normalize_iban

COLUMNS = Columns(
    required=("legal_entity", "iban", "bic", "account_number", "currency", "name"),
    optional=("routing_number", "bank_code_kind", "bank_code", "country"),
)
_UPDATABLE = ("name", "bic")
Key = tuple[str, ...]


@dataclass(frozen=True)
class Planned:
    row: Row
    entity: LegalEntity | None
    account: AccountIdentifier
    currency: str
    name: str

    @property
    def bic(self) -> str:
        return self.account.bic


def _own_accounts(rows: list[Row]) -> dict[Key, BankAccount]:
    """Our accounts these rows could name, by identifier key."""
    ibans = {normalize_iban(row["iban"]) for row in rows if row["iban"]}
    numbers = {normalize_account_number(row["account_number"]) for row in rows if not row["iban"]}
    found = (
        BankAccount.objects.filter(entity__isnull=False)
        .annotate(normalized_number=normalized_account_number())
        .filter(Q(iban__in=ibans) | Q(iban="", normalized_number__in=numbers - {""}))
        .select_related("entity")
    )
    return {account.identifier.key: account for account in found}


def plan(rows: list[Row], checker: Checker, *, source: str) -> list[Planned]:
    entities = LegalEntity.objects.in_bulk({row["legal_entity"] for row in rows}, field_name="code")
    existing = _own_accounts(rows)
    seen: dict[Key, int] = {}
    planned = []
    for row in rows:
        entity = entities.get(row["legal_entity"])
        if entity is None:
            checker.fail(row, "legal_entity", f"{row['legal_entity']!r} is not a known legal entity code.")
        account, problems = account_identifier_clean(
            iban=row["iban"],
            bic=row["bic"],
            account_number=row["account_number"],
            bank_code_kind=row["bank_code_kind"],
            bank_code=row["bank_code"],
            country=row["country"],
            routing_number=row["routing_number"],
            fallback_country=entity.country if entity else "",
        )
        for column, message in problems.items():
            checker.fail(row, column, message)
        currency = checker.currency(row, "currency")
        name = checker.text(row, "name")
        if not problems:
            shown = account.display
            if account.key in seen:
                checker.fail(
                    row,
                    "iban" if account.iban else "account_number",
                    f"Duplicate of line {seen[account.key]} ({shown}).",
                )
            seen.setdefault(account.key, row.line)
            found = existing.get(account.key)
            if found is not None and entity is not None and found.entity_id != entity.pk:
                checker.fail(
                    row, "legal_entity", f"{shown} is an account of {found.entity.code if found.entity else '?'}."
                )
            if found is not None and currency and found.currency != currency:
                checker.fail(row, "currency", f"{shown} is a {found.currency} account; an import cannot change that.")
        planned.append(Planned(row, entity, account, currency, name))
    return planned


def write(planned: list[Planned], *, tally: Tally, source: str, actor: User | None) -> None:
    """Idempotent: an account found by its identifier with the same name and BIC is left untouched."""
    found = _own_accounts([p.row for p in planned])
    existing = {
        a.identifier.key: a
        for a in BankAccount.objects.select_for_update().filter(pk__in=[a.pk for a in found.values()])
    }
    for item in planned:
        account = existing.get(item.account.key)
        if account is None:
            account = BankAccount.objects.create(
                entity=item.entity,
                name=item.name,
                **item.account.columns(),
                currency=item.currency,
                source=source,
                external_id=":".join(part for part in item.account.key[1:] if part)[:128],
            )
            audit_record(
                account,
                action="bank_account.imported",
                actor=actor,
                reason=f"from {source}",
                after={"account": item.account.display},
            )
            existing[item.account.key] = account
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
