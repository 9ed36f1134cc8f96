"""Tax ids and bank identifiers for the demo, check digits included, so every validator accepts them."""

from __future__ import annotations

import random
from dataclasses import dataclass

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from finops.demo.names import BANK_CURRENCY, Bank
from finops.demo.seed.context import random_digits
from finops.masterdata.models import BankAccount


def de_vat_id(rng: random.Random) -> str:
    body = random_digits(rng, 8)
    product = 10
    for digit in body:  # ISO 7064 MOD 11,10
        total = (int(digit) + product) % 10 or 10
        product = (2 * total) % 11
    check = (11 - product) % 10
    return f"DE{body}{check}"


def gb_vat_id(rng: random.Random) -> str:
    body = random_digits(rng, 7)
    total = sum(int(d) * w for d, w in zip(body, range(8, 1, -1), strict=True))
    return f"GB{body}{(-total) % 97:02d}"


def fr_vat_id(rng: random.Random) -> str:
    body = random_digits(rng, 8)
    luhn = sum(int(d) if i % 2 == 0 else sum(divmod(int(d) * 2, 10)) for i, d in enumerate(reversed(body + "0")))
    siren = body + str((10 - luhn % 10) % 10)
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def nl_vat_id(rng: random.Random) -> str:
    while True:
        body = random_digits(rng, 8)
        check = sum(int(d) * w for d, w in zip(body, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return f"NL{body}{check}B01"


US_EIN_PREFIXES = ("20", "26", "27", "30", "35", "36", "38", "45", "46", "47", "81", "82", "84", "85", "87", "88")


def us_ein(rng: random.Random) -> str:
    return f"{rng.choice(US_EIN_PREFIXES)}-{random_digits(rng, 7)}"


TAX_ID_OF_COUNTRY = {"DE": de_vat_id, "GB": gb_vat_id, "FR": fr_vat_id, "NL": nl_vat_id, "US": us_ein}


@dataclass(frozen=True)
class BankDetails:
    bank_name: str
    currency: str
    country: str
    iban: str = ""
    bic: str = ""
    routing_number: str = ""
    account_number: str = ""


def bank_details(rng: random.Random, bank: Bank) -> BankDetails:
    """A valid account at `bank`: IBAN with national check digits (schwifty) or ABA + account."""
    currency = BANK_CURRENCY[bank.country]
    if bank.country == "US":
        return BankDetails(
            bank.name,
            currency,
            bank.country,
            bic=bank.us_bic,
            routing_number=bank.bank_code,
            account_number=random_digits(rng, bank.account_digits),
        )
    # Random account numbers often fail a German bank's own check-digit method: draw until one passes.
    for _ in range(5000):
        account = "".join(str(rng.randrange(10)) for _ in range(bank.account_digits))
        try:
            iban = IBAN.generate(
                bank.country, bank_code=bank.bank_code, branch_code=bank.branch_code, account_code=account
            )
            IBAN(str(iban), validate_bban=True)
        except SchwiftyException:
            continue
        return BankDetails(bank.name, currency, bank.country, iban=str(iban), bic=str(iban.bic))
    raise RuntimeError(f"No valid account number found for bank code {bank.bank_code}")  # pragma: no cover


def account_display(account: BankAccount) -> str:
    return account.iban or f"{account.routing_number} {account.account_number}"


def details_display(details: BankDetails) -> str:
    return details.iban or f"{details.routing_number} {details.account_number}"
