"""Suppliers and customers: unique names, valid tax ids, one bank account each."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from finops.demo.names import BANKS, CUSTOMER_COUNTRIES, NAME_PATTERNS, SUPPLIER_COUNTRIES
from finops.demo.seed.context import SOURCE, chance
from finops.demo.seed.entities import ENTITIES, PRIMARY_ENTITY_OF_COUNTRY
from finops.demo.seed.identifiers import TAX_ID_OF_COUNTRY, BankDetails, bank_details
from finops.masterdata.bank_identifiers import BankCodeKind
from finops.masterdata.models import BankAccount, Counterparty, LegalEntity

SUPPLIER_COUNT = 225
CUSTOMER_COUNT = 325


@dataclass(frozen=True)
class CounterpartySpec:
    external_id: str
    name: str
    country: str
    tax_id: str
    is_supplier: bool
    entities: tuple[str, ...]
    bank: BankDetails


def company_name(rng: random.Random, country: str, *, supplier: bool) -> str:
    pattern = NAME_PATTERNS[country]
    surname, surname2 = rng.sample(pattern.surnames, 2)
    return rng.choice(pattern.templates).format(
        surname=surname,
        surname2=surname2,
        place=rng.choice(pattern.places),
        trade=rng.choice(pattern.supplier_trades if supplier else pattern.customer_trades),
        form=rng.choice(pattern.legal_forms),
    )


def counterparty_specs(rng: random.Random) -> list[CounterpartySpec]:
    """Suppliers and customers with unique names, tax ids and bank details. Pure: same rng, same list."""
    specs: list[CounterpartySpec] = []
    names: set[str] = set()
    plan = [
        (True, SUPPLIER_COUNT, SUPPLIER_COUNTRIES, "V", 100001),
        (False, CUSTOMER_COUNT, CUSTOMER_COUNTRIES, "C", 200001),
    ]
    for is_supplier, count, countries, prefix, first_number in plan:
        for number in range(first_number, first_number + count):
            country = rng.choices([c for c, _ in countries], weights=[w for _, w in countries])[0]
            name = company_name(rng, country, supplier=is_supplier)
            while name in names:
                name = company_name(rng, country, supplier=is_supplier)
            names.add(name)
            primary = PRIMARY_ENTITY_OF_COUNTRY[country]
            entities: tuple[str, ...] = (primary,)
            if chance(rng, 25):
                entities += (rng.choice([e.code for e in ENTITIES if e.code != primary]),)
            specs.append(
                CounterpartySpec(
                    external_id=f"{prefix}-{number}",
                    name=name,
                    country=country,
                    tax_id=TAX_ID_OF_COUNTRY[country](rng),
                    is_supplier=is_supplier,
                    entities=entities,
                    bank=bank_details(rng, rng.choice(BANKS[country])),
                )
            )
    return specs


@dataclass
class Parties:
    all: list[Counterparty]
    suppliers: dict[str, list[Counterparty]]  # by entity code
    customers: dict[str, list[Counterparty]]
    account_of: dict[int, BankAccount]  # counterparty pk -> its bank account


def counterparties_create(specs: Sequence[CounterpartySpec], entities: dict[str, LegalEntity]) -> Parties:
    rows = Counterparty.objects.bulk_create(
        [
            Counterparty(
                source=SOURCE,
                external_id=s.external_id,
                name=s.name,
                country=s.country,
                tax_id=s.tax_id,
                is_supplier=s.is_supplier,
                is_customer=not s.is_supplier,
            )
            for s in specs
        ]
    )
    through = Counterparty.entities.through
    through.objects.bulk_create(
        [
            through(counterparty_id=row.pk, legalentity_id=entities[code].pk)
            for row, spec in zip(rows, specs, strict=True)
            for code in spec.entities
        ]
    )
    accounts = BankAccount.objects.bulk_create(
        [
            BankAccount(
                source=SOURCE,
                external_id=f"{s.external_id}-BA1",
                counterparty=row,
                name=f"{s.name} – {s.bank.bank_name}",
                bank_name=s.bank.bank_name,
                currency=s.bank.currency,
                iban=s.bank.iban,
                bic=s.bank.bic,
                bank_code_kind=BankCodeKind.ABA if s.bank.routing_number else "",
                bank_code=s.bank.routing_number,
                account_number=s.bank.account_number,
                country=s.bank.country,
            )
            for row, s in zip(rows, specs, strict=True)
        ]
    )
    parties = Parties(
        all=rows,
        suppliers=defaultdict(list),
        customers=defaultdict(list),
        account_of={a.counterparty_id: a for a in accounts if a.counterparty_id},
    )
    for row, spec in zip(rows, specs, strict=True):
        for code in spec.entities:
            (parties.suppliers if spec.is_supplier else parties.customers)[code].append(row)
    return parties
