"""How the world names a bank account, checked and put in one canonical form.

An account is named by its IBAN, or by a local account number in a country, with a national bank
code where that country's payments need one, and the kind of that code stated. Every entry point
(the records import, the API and its page, Django admin, connectors' bank details, bank-detail
changes) cleans identifiers here, so they are stored, compared and shown one way.

    BankCodeKind      country       canonical form   as written
    aba               US            021000021        ABA routing number, check digit verified
    gb_sort_code      GB            200000           sort code 20-00-00
    ca_routing        CA            000312345        transit 12345 and institution 003 (12345-003),
                                                     stored as the 9-digit electronic routing number
    ch_clearing       CH, LI        00700            clearing number / IID, 3 to 5 digits
    au_bsb            AU            062000           BSB 062-000
    in_ifsc           IN            HDFC0000123      IFSC

An ABA routing number is required for an account in the US without an IBAN, and optional
elsewhere: a Hungarian 1966315302010001 or a Swiss 0035-2915203-10-000 is an account number in
its country and nothing more. The account number is kept as written (dashes and spaces help the
people who read it); it is compared in its normalised form (letters and digits, upper case).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pycountry
from django.core.exceptions import ValidationError
from django.db import models

from finops.masterdata.validators import aba_check_digit_ok, normalize_iban, validate_bic, validate_iban


class BankCodeKind(models.TextChoices):
    ABA = "aba", "ABA routing number (US)"
    GB_SORT_CODE = "gb_sort_code", "Sort code (UK)"
    CA_ROUTING = "ca_routing", "Transit and institution number (Canada)"
    CH_CLEARING = "ch_clearing", "Clearing number / IID (Switzerland)"
    AU_BSB = "au_bsb", "BSB (Australia)"
    IN_IFSC = "in_ifsc", "IFSC (India)"


K = BankCodeKind
# Where each kind of code is used; the first is the country an account with that code is in
# unless another is given (a Swiss clearing number also serves Liechtenstein).
KIND_COUNTRIES: dict[str, tuple[str, ...]] = {
    K.ABA: ("US",),
    K.GB_SORT_CODE: ("GB",),
    K.CA_ROUTING: ("CA",),
    K.CH_CLEARING: ("CH", "LI"),
    K.AU_BSB: ("AU",),
    K.IN_IFSC: ("IN",),
}
_SHORT_LABEL: dict[str, str] = {
    K.ABA: "ABA",
    K.GB_SORT_CODE: "sort code",
    K.CA_ROUTING: "transit",
    K.CH_CLEARING: "clearing",
    K.AU_BSB: "BSB",
    K.IN_IFSC: "IFSC",
}
# The currency an account in a country is held in when its details do not say (a counterparty's
# account is in its own country's currency, never in that of the entity that happened to sync it).
_EURO = "AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MC MT NL PT SI SK SM VA AD ME XK"
COUNTRY_CURRENCY: dict[str, str] = {
    **dict.fromkeys(_EURO.split(), "EUR"),
    **{"GB": "GBP", "GG": "GBP", "JE": "GBP", "IM": "GBP", "US": "USD", "PR": "USD", "CA": "CAD"},
    **{"CH": "CHF", "LI": "CHF", "HU": "HUF", "PL": "PLN", "CZ": "CZK", "SE": "SEK", "DK": "DKK"},
    **{"NO": "NOK", "IS": "ISK", "RO": "RON", "BG": "BGN", "RS": "RSD", "TR": "TRY", "UA": "UAH"},
    **{"AU": "AUD", "NZ": "NZD", "IN": "INR", "JP": "JPY", "CN": "CNY", "HK": "HKD", "SG": "SGD"},
    **{"KR": "KRW", "TW": "TWD", "MX": "MXN", "BR": "BRL", "ZA": "ZAR", "AE": "AED", "SA": "SAR"},
    **{"IL": "ILS", "TH": "THB", "MY": "MYR", "ID": "IDR", "PH": "PHP", "VN": "VND", "CL": "CLP"},
}
ACCOUNT_NUMBER_MAX = 34
_ACCOUNT_NUMBER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 ./-]*[A-Za-z0-9])?")
_DIGITS = re.compile(r"[0-9]+")
_SEPARATORS = re.compile(r"[\s./-]")
_IFSC = re.compile(r"[A-Z]{4}0[A-Z0-9]{6}")
_CA_PAPER = re.compile(r"([0-9]{5})[\s-]([0-9]{3})")
_CA_ELECTRONIC = re.compile(r"0([0-9]{3})([0-9]{5})")


def normalize_account_number(value: str) -> str:
    """What two spellings of one account number have in common: letters and digits, upper case."""
    return "".join(c for c in value if c.isascii() and c.isalnum()).upper()


def _digits(value: str, count: range, what: str) -> str:
    compact = _SEPARATORS.sub("", value)
    if not (_DIGITS.fullmatch(compact) and len(compact) in count):
        width = f"{count.start}" if len(count) == 1 else f"{count.start} to {count.stop - 1}"
        raise ValidationError(f"{value!r} is not a {what} ({width} digits).")
    return compact


def bank_code_clean(kind: str, value: str) -> str:
    """The code in its canonical form, or ValidationError saying what a code of this kind is."""
    text = value.strip()
    if kind == K.ABA:
        code = _digits(text, range(9, 10), "ABA routing number")
        if not aba_check_digit_ok(code):
            raise ValidationError(f"{value!r} is not a valid ABA routing number (nine digits, check digit).")
        return code
    if kind == K.GB_SORT_CODE:
        return _digits(text, range(6, 7), "UK sort code")
    if kind == K.AU_BSB:
        return _digits(text, range(6, 7), "BSB")
    if kind == K.CH_CLEARING:
        return _digits(text, range(3, 6), "Swiss clearing number / IID").zfill(5)
    if kind == K.CA_ROUTING:
        if paper := _CA_PAPER.fullmatch(text):
            return f"0{paper.group(2)}{paper.group(1)}"
        if _CA_ELECTRONIC.fullmatch(text):
            return text
        raise ValidationError(
            f"{value!r} is not a Canadian transit and institution number: write it as 12345-003 "
            "(transit, institution) or as the 9-digit electronic routing number 000312345."
        )
    if kind == K.IN_IFSC:
        code = text.upper()
        if not _IFSC.fullmatch(code):
            raise ValidationError(f"{value!r} is not an IFSC (4 letters, 0, 6 letters or digits).")
        return code
    raise ValidationError(f"{kind!r} is not one of {', '.join(K.values)}.")


def bank_code_written(kind: str, code: str) -> str:
    """The code as people write it: 20-00-00, 12345-003 (transit-institution), 062-000."""
    if kind == K.GB_SORT_CODE and len(code) == 6:
        return f"{code[:2]}-{code[2:4]}-{code[4:]}"
    if kind == K.AU_BSB and len(code) == 6:
        return f"{code[:3]}-{code[3:]}"
    if kind == K.CA_ROUTING and len(code) == 9:
        return f"{code[4:]}-{code[1:4]}"
    return code


def bank_code_display(kind: str, code: str) -> str:
    """The code as people write it, with what it is: "sort code 20-00-00"."""
    return f"{_SHORT_LABEL.get(kind, kind)} {bank_code_written(kind, code)}"


IDENTIFIER_COLUMNS = ("iban", "bic", "account_number", "bank_code_kind", "bank_code", "country")


@dataclass(frozen=True)
class AccountIdentifier:
    """An account as the world names it, cleaned (see account_identifier_clean)."""

    iban: str = ""
    bic: str = ""
    account_number: str = ""
    bank_code_kind: str = ""
    bank_code: str = ""
    country: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.iban or self.account_number)

    def columns(self) -> dict[str, str]:
        """The identifier as the columns of a BankAccount or BankAccountChange."""
        return {column: getattr(self, column) for column in IDENTIFIER_COLUMNS}

    @property
    def routing_number(self) -> str:
        """The ABA routing number, or "" for an account that has none."""
        return self.bank_code if self.bank_code_kind == K.ABA else ""

    @property
    def bank_code_shown(self) -> str:
        return bank_code_written(self.bank_code_kind, self.bank_code)

    @property
    def key(self) -> tuple[str, ...]:
        """Equal for two spellings of one account: the IBAN, else country, code and number."""
        if self.iban:
            return ("iban", self.iban)
        number = normalize_account_number(self.account_number)
        return ("local", self.country, self.bank_code_kind, self.bank_code, number)

    @property
    def display(self) -> str:
        """IBAN in groups of four; else "GB sort code 20-00-00 · 55779911" or "HU 1966315302010001"."""
        if self.iban:
            return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))
        code = f" {bank_code_display(self.bank_code_kind, self.bank_code)} ·" if self.bank_code else ""
        return f"{self.country}{code} {self.account_number}".strip()

    def __str__(self) -> str:
        """One line for audit trails and conflicts: the IBAN (ungrouped) or the local display, and BIC."""
        return " ".join(part for part in (self.iban or self.display, self.bic) if part)


def _validated(value: str, validate: Callable[[str], None]) -> str:
    validate(value)
    return value


def _country(value: str) -> str:
    code = value.strip().upper()
    if not (len(code) == 2 and code.isascii() and code.isalpha() and pycountry.countries.get(alpha_2=code)):
        raise ValidationError(f"{value!r} is not an ISO 3166 country code (two letters).")
    return code


def account_identifier_clean(
    *,
    iban: str = "",
    bic: str = "",
    account_number: str = "",
    bank_code_kind: str = "",
    bank_code: str = "",
    country: str = "",
    routing_number: str = "",
    fallback_country: str = "",
) -> tuple[AccountIdentifier, dict[str, str]]:
    """Clean an account's identifiers: (the identifier, {field: what is wrong}); usable only when
    the problems are empty.

    routing_number is the older way of giving an ABA code. The country of an account without
    an IBAN is the one given, else the one its bank code belongs to, else its BIC's, else
    fallback_country (our own accounts: the entity's)."""
    problems: dict[str, str] = {}

    def check(field: str, clean: Callable[[], str]) -> str:
        try:
            return clean()
        except ValidationError as exc:
            problems[field] = " ".join(exc.messages)
            return ""

    iban = normalize_iban(iban)
    if iban:
        iban = check("iban", lambda: _validated(iban, validate_iban))
    bic = "".join(bic.split()).upper()
    if bic:
        bic = check("bic", lambda: _validated(bic, validate_bic))
    account_number = account_number.strip()
    if account_number and not (len(account_number) <= ACCOUNT_NUMBER_MAX and _ACCOUNT_NUMBER.fullmatch(account_number)):
        problems["account_number"] = (
            f"{account_number!r} is not an account number (letters and digits, with spaces, dots, "
            f"dashes or slashes between them, at most {ACCOUNT_NUMBER_MAX} characters)."
        )
    kind = bank_code_kind.strip().lower()
    code_field = "bank_code"
    if routing_number.strip() and not bank_code.strip() and kind in ("", K.ABA):
        kind, bank_code, code_field = K.ABA, routing_number, "routing_number"
    if kind and kind not in K.values:
        problems["bank_code_kind"] = f"{bank_code_kind!r} is not one of {', '.join(K.values)}."
        kind = ""
    code = ""
    if bank_code.strip() and not kind and "bank_code_kind" not in problems:
        problems["bank_code_kind"] = f"Say which kind of bank code {bank_code.strip()!r} is ({', '.join(K.values)})."
    elif kind and not bank_code.strip():
        problems["bank_code"] = f"A {K(kind).label} is needed with that kind."
    elif kind:
        code = check(code_field, lambda: bank_code_clean(kind, bank_code))
    given_country = check("country", lambda: _country(country)) if country.strip() else ""
    if iban:
        if given_country and given_country != iban[:2]:
            problems["country"] = f"The IBAN is an account in {iban[:2]}, not {given_country}."
        resolved = iban[:2]
    else:
        from_kind = KIND_COUNTRIES[kind][0] if kind else ""
        resolved = given_country or from_kind or (bic[4:6] if bic else "") or fallback_country.upper()
    if kind and resolved and resolved not in KIND_COUNTRIES[kind]:
        problems["bank_code_kind"] = f"A {K(kind).label} is for accounts in {', '.join(KIND_COUNTRIES[kind])}."
    if not iban and not account_number and not problems.get("iban"):
        problems["iban"] = "Give an IBAN, or an account number (with its bank code where the country needs one)."
    elif not iban and account_number:
        if not resolved:
            problems["country"] = "Say which country the account is in."
        elif resolved == "US" and kind != K.ABA and "bank_code" not in problems:
            problems["routing_number" if code_field == "routing_number" else "bank_code"] = (
                "An account in the US needs its ABA routing number."
            )
    identifier = AccountIdentifier(
        iban=iban,
        bic=bic,
        account_number="" if iban else account_number,
        bank_code_kind="" if iban else kind,
        bank_code="" if iban else code,
        country=resolved,
    )
    return identifier, problems
