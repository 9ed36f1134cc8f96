"""The group's three companies and their house-bank accounts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from finops.demo.names import BANKS, GROUP_NAME, Bank
from finops.demo.seed.context import SOURCE
from finops.demo.seed.identifiers import bank_details
from finops.masterdata.bank_identifiers import BankCodeKind
from finops.masterdata.models import BankAccount, LegalEntity


@dataclass(frozen=True)
class EntitySpec:
    code: str
    name: str
    country: str
    currency: str
    dual_approval_threshold: Decimal
    vat_rate: Decimal


ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec("DE01", f"{GROUP_NAME} GmbH", "DE", "EUR", Decimal("50000.00"), Decimal("0.19")),
    EntitySpec("GB01", f"{GROUP_NAME} Ltd", "GB", "GBP", Decimal("40000.00"), Decimal("0.20")),
    EntitySpec("US01", f"{GROUP_NAME} Inc.", "US", "USD", Decimal("60000.00"), Decimal("0.00")),
)
ENTITY_INDEX = {e.code: n for n, e in enumerate(ENTITIES, start=1)}
PRIMARY_ENTITY_OF_COUNTRY = {"DE": "DE01", "FR": "DE01", "NL": "DE01", "GB": "GB01", "US": "US01"}


@dataclass(frozen=True)
class OwnAccountSpec:
    external_id: str
    entity: str
    purpose: str  # "operating" pays suppliers and payroll; "collections" receives customer cash
    country: str
    bank_code: str
    opening_balance: Decimal


OWN_ACCOUNTS: tuple[OwnAccountSpec, ...] = (
    OwnAccountSpec("HB-DE01-COBA", "DE01", "operating", "DE", "37040044", Decimal("1864250.00")),
    OwnAccountSpec("HB-DE01-DEUT", "DE01", "collections", "DE", "50070010", Decimal("742918.35")),
    OwnAccountSpec("HB-GB01-NWBK", "GB01", "operating", "GB", "NWBK601613", Decimal("1215480.00")),
    OwnAccountSpec("HB-GB01-BARC", "GB01", "collections", "GB", "BARC200000", Decimal("468302.17")),
    OwnAccountSpec("HB-US01-CHAS", "US01", "operating", "US", "021000021", Decimal("2036775.00")),
    OwnAccountSpec("HB-US01-BOFA", "US01", "collections", "US", "026009593", Decimal("811460.52")),
)


# Accounts whose statements only the bank's API delivers: the seed makes none of their history,
# so what the demo shows of them is what the Bank API connector pulled from the sandbox bank.
API_ACCOUNTS: tuple[OwnAccountSpec, ...] = (
    OwnAccountSpec("HB-DE01-DEUT-TRS", "DE01", "treasury", "DE", "50070010", Decimal("0.00")),
)


def _bank(country: str, bank_code: str) -> Bank:
    return next(b for b in BANKS[country] if b.bank_code == bank_code)


def entities_create() -> dict[str, LegalEntity]:
    rows = LegalEntity.objects.bulk_create(
        [
            LegalEntity(
                source=SOURCE,
                external_id=e.code,
                code=e.code,
                name=e.name,
                country=e.country,
                base_currency=e.currency,
                dual_approval_threshold=e.dual_approval_threshold,
            )
            for e in ENTITIES
        ]
    )
    return {e.code: e for e in rows}


def own_accounts_create(rng: random.Random, entities: dict[str, LegalEntity]) -> dict[str, BankAccount]:
    accounts = []
    for spec in (*OWN_ACCOUNTS, *API_ACCOUNTS):
        bank = _bank(spec.country, spec.bank_code)
        details = bank_details(rng, bank)
        accounts.append(
            BankAccount(
                source=SOURCE,
                external_id=spec.external_id,
                entity=entities[spec.entity],
                name=f"{bank.name} {spec.purpose} {details.currency}",
                bank_name=bank.name,
                currency=details.currency,
                iban=details.iban,
                bic=details.bic,
                bank_code_kind=BankCodeKind.ABA if details.routing_number else "",
                bank_code=details.routing_number,
                account_number=details.account_number,
                country=details.country,
            )
        )
    return {a.external_id: a for a in BankAccount.objects.bulk_create(accounts)}


def own_account(own: dict[str, BankAccount], entity: str, purpose: str) -> BankAccount:
    spec = next(s for s in OWN_ACCOUNTS if s.entity == entity and s.purpose == purpose)
    return own[spec.external_id]
