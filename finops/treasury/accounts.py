"""Which of our accounts is this? The one answer, for a bank file's statement and the bank's API alike.

A bank names an account in many ways: an IBAN (camt `Acct/Id/IBAN`), a local number (camt
`Othr/Id`, BAI2's account under the group's originator), or MT940's `:25:`, which may be
`BIC/account`, `bank code/account`, an account with its currency appended, with spaces, dashes or
dots. Each is read into the identifiers it can stand for (own_account_readings), normalised (no
spaces, dashes or dots; upper case), and an account of ours (a BankAccount with an entity) matches
when one of its identifiers, normalised, is equal to one of them. The closest reading wins: an
IBAN, then the number as written, then the number after a bank code or BIC or without its
currency; a routing number (BAI2's originator, or an ABA routing number before the `/`) decides
between several accounts with the same number.

Our identifiers are the IBAN and the account number (with the routing number to tell accounts
apart); a national bank code beside the account number is one more identifier to compare here.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

import pycountry
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace, Upper

from finops.masterdata.models import BankAccount
from integrations.formats.types import AccountRef

_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_ABA_ROUTING = re.compile(r"^[0-9]{9}$")
_CURRENCY_SUFFIX = re.compile(r"^(?P<number>.*[0-9])(?P<currency>[A-Z]{3})$")
_SEPARATORS = (" ", "-", ".")

# The readings of a reference, closest first: a match of an earlier tier wins over a later one.
IBAN, WHOLE, PART = 0, 1, 2


def normalized(identifier: str) -> str:
    """An identifier without spaces, dashes or dots, in upper case."""
    return re.sub(r"[\s.\-]", "", identifier).upper()


def _normalized_column(column: str) -> Upper:
    expression: F | Replace = F(column)
    for separator in _SEPARATORS:
        expression = Replace(expression, Value(separator), Value(""))
    return Upper(expression)


@dataclass(frozen=True)
class Readings:
    """What a reference can stand for, normalised: IBANs, and account numbers by tier."""

    ibans: frozenset[str]
    numbers: dict[str, int]  # number -> WHOLE or PART
    routing_number: str


def _without_currency(number: str, currency: str) -> str | None:
    found = _CURRENCY_SUFFIX.match(number)
    if found is None or (currency and found["currency"] != currency):
        return None
    if not currency and pycountry.currencies.get(alpha_3=found["currency"]) is None:
        return None
    return found["number"]


def own_account_readings(ref: AccountRef) -> Readings:
    """The identifiers `ref` can stand for (see the module's docstring)."""
    ibans: set[str] = set()
    numbers: dict[str, int] = {}
    routing = ref.routing_number
    if ref.iban:
        ibans.add(normalized(ref.iban))
    if ref.other_id:
        whole = normalized(ref.other_id)
        prefix, _, tail = whole.rpartition("/")
        candidates = [(whole, WHOLE)] + ([(tail, PART)] if prefix and tail else [])
        if prefix and not routing and _ABA_ROUTING.match(prefix):
            routing = prefix
        currency = normalized(ref.currency)
        for value, _tier in list(candidates):
            stripped = _without_currency(value, currency)
            if stripped:
                candidates.append((stripped, PART))
        for value, tier in candidates:
            if _IBAN_SHAPE.match(value):
                ibans.add(value)
            if value not in numbers or tier < numbers[value]:
                numbers[value] = tier
    return Readings(ibans=frozenset(ibans), numbers=numbers, routing_number=routing)


def own_accounts_named(ref: AccountRef, *, entity_ids: Collection[int] | None = None) -> list[BankAccount]:
    """Our accounts (with an entity; only those of `entity_ids` when given) that `ref` names, by
    the closest reading that names any; several when the reference is ambiguous, none when it
    names no account of ours."""
    readings = own_account_readings(ref)
    if not readings.ibans and not readings.numbers:
        return []
    own: QuerySet[BankAccount] = BankAccount.objects.filter(entity__isnull=False).select_related("entity")
    if entity_ids is not None:
        own = own.filter(entity_id__in=entity_ids)
    matching = Q(iban_norm__in=readings.ibans) | Q(number_norm__in=readings.numbers.keys())
    candidates = own.annotate(
        iban_norm=_normalized_column("iban"), number_norm=_normalized_column("account_number")
    ).filter(matching)
    best: dict[int, list[BankAccount]] = {}
    for account in candidates.order_by("pk"):
        iban, number = normalized(account.iban), normalized(account.account_number)
        tiers = [IBAN] if iban and iban in readings.ibans else []
        if number and number in readings.numbers:
            tiers.append(readings.numbers[number])
        if tiers:
            best.setdefault(min(tiers), []).append(account)
    if not best:
        return []
    found = best[min(best)]
    if len(found) > 1 and readings.routing_number:
        found = [a for a in found if a.routing_number == readings.routing_number] or found
    return found
