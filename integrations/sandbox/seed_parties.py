"""Seeded customers, suppliers, CRM accounts and the group's own bank accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from integrations.sandbox.names import BANKS, ENTITIES, NAME_PATTERNS, NAME_TEMPLATES, OWN_ACCOUNTS, Bank
from integrations.sandbox.seed_context import Record, SeedContext

GOODS_SUPPLIER_SHARE = 0.55


class PartiesSeed(SeedContext):
    def counterparties(self, prefix: str, countries: Sequence[tuple[str, int]], *, role: str) -> list[Record]:
        plan = [country for country, count in countries for _ in range(count)]
        self.rng.shuffle(plan)
        records = []
        for n, country in enumerate(plan, 1):
            record_id = f"{prefix}-{n:05d}"
            kind = "customer"
            if role == "supplier":
                kind = "goods" if self.rng.random() < GOODS_SUPPLIER_SHARE else "services"
                self.supplier_kind[record_id] = kind
            has_bank = self.rng.random() > (0.1 if role == "customer" else 0.0)
            records.append(
                {
                    "id": record_id,
                    "version": self.rng.choice((1, 1, 1, 2, 2, 3)),
                    "updated_at": self.moment(self.today - dt.timedelta(days=self.rng.randint(20, 240))),
                    "name": self.company_name(country, kind),
                    "country": country,
                    "tax_id": self.tax_id(country),
                    "status": "active",
                    "bank_account": self.bank_account(country) if has_bank else None,
                }
            )
        # A couple of blocked accounts (credit hold, supplier under review), and one new
        # supplier whose bank details have not arrived yet.
        for record in self.rng.sample(records, 2 if role == "customer" else 1):
            record["status"] = "blocked"
        if role == "supplier":
            self.rng.choice([r for r in records if r["status"] == "active"])["bank_account"] = None
        return records

    def company_name(self, country: str, kind: str) -> str:
        pattern = NAME_PATTERNS[country]
        trades = {
            "customer": pattern.customer_trades,
            "goods": pattern.goods_trades,
            "services": pattern.service_trades,
        }[kind]
        for _ in range(200):
            surname, surname2 = self.rng.sample(pattern.surnames, 2)
            name = self.rng.choice(NAME_TEMPLATES).format(
                surname=surname,
                surname2=surname2,
                place=self.rng.choice(pattern.places),
                trade=self.rng.choice(trades),
                form=self.rng.choice(pattern.legal_forms),
            )
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError(f"ran out of company names for {country}")  # pragma: no cover

    def tax_id(self, country: str) -> str:
        digits = "".join(str(self.rng.randrange(10)) for _ in range(9))
        return {
            "DE": f"DE{digits}",
            "GB": f"GB{digits}",
            "FR": f"FR{self.rng.randrange(10, 100)}{digits}",
            "NL": f"NL{digits}B01",
            "US": f"{digits[:2]}-{digits[2:]}",
        }[country]

    def bank_account(self, country: str, bank: Bank | None = None) -> Record:
        bank = bank or self.rng.choice(BANKS[country])
        if country == "US":
            account = "".join(str(self.rng.randrange(10)) for _ in range(bank.account_digits))
            return {"account_number": account, "routing_number": bank.bank_code}
        if country == "DE":
            # German banks hide a check digit inside the account number, by one of ~150 methods:
            # schwifty solves it for the bank's method.
            iban = IBAN.random(country, random=self.rng, bank_code=bank.bank_code)
            iban.validate(validate_bban=True)
            return {"iban": str(iban), "bic": bank.bic}
        for _ in range(500):
            account = "".join(str(self.rng.randrange(10)) for _ in range(bank.account_digits))
            try:
                iban = IBAN.generate(
                    country, bank_code=bank.bank_code, branch_code=bank.branch_code, account_code=account
                )
                iban.validate(validate_bban=True)
            except SchwiftyException:
                continue  # the Dutch eleven-test refuses most random numbers
            return {"iban": str(iban), "bic": bank.bic}
        raise RuntimeError(f"no valid account number found for bank code {bank.bank_code}")  # pragma: no cover

    def crm_account(self, customer: Record) -> Record:
        # The CRM keeps its own ids and its own edit history for the same companies.
        return {
            **customer,
            "id": customer["id"].replace("CUST-", "ACC-"),
            "version": self.rng.choice((1, 2, 2, 3, 4)),
            "updated_at": self.moment(self.today - dt.timedelta(days=self.rng.randint(2, 180))),
            "bank_account": dict(customer["bank_account"]) if customer["bank_account"] else None,
        }

    def own_account(self, index: int) -> Record:
        spec = OWN_ACCOUNTS[index]
        bank = next(b for b in BANKS[spec.country] if b.bank_code == spec.bank_code)
        entity = ENTITIES[spec.entity]
        details = self.bank_account(spec.country, bank)
        record = {
            "iban": details["iban"],
            "bic": details["bic"],
            "currency": entity.currency,
            "name": f"{entity.name} – {bank.name} {spec.purpose} {entity.currency}",
            "entity": spec.entity,
            "purpose": spec.purpose,
            "opening_balance": spec.opening_balance,
            "opening_on": self.window_start.isoformat(),
        }
        self.accounts[(spec.entity, spec.purpose)] = record
        return record
