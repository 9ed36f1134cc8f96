"""What a search box's text can mean, read the way a finance user types it. Pure: no Django.

Amounts. People type amounts with the grouping and decimal marks of their habit, with or without a
currency: "1,234.50", "1234.5", "1.234,50", "1 234,50", "1'234.50", "EUR 1,234.50", "€1.234,50".
The rules, in order:

- A currency code (three letters, set apart by a space) before or after, or a sign (€ £ $ ¥),
  is taken off and remembered; spaces, apostrophes and thin spaces are grouping and are dropped. A sign (−, -) is
  dropped too: stored amounts are positive and carry their direction separately.
- With both "," and ".": the one that comes last is the decimal mark ("1,234.50" and "1.234,50"
  are both 1234.50).
- With one kind of mark used more than once: it groups thousands ("1.234.567" is 1234567).
- With a single mark followed by one, two or four digits: it is the decimal mark ("1234,5",
  "12.50", "0,0125").
- With a single mark followed by exactly three digits ("1,234", "1.234"): both readings are
  searched, 1234 and 1.234, because both habits are common and a result for either is wanted.
- Grouping must be in threes after the first group ("12,34,567" is not an amount).
- Digits alone ("4711") are an amount too; the same text is also searched as a number.

Identifiers. An IBAN or account number is compared without spaces, dashes and dots, in upper case
("de89 3704 0044 0532 0130 00" finds DE89370400440532013000).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Fewer characters than this are too common to search as text (a trigram index needs three).
MIN_TEXT_LENGTH = 3

_SYMBOLS = {"€": "EUR", "£": "GBP", "$": "USD", "¥": "JPY"}
_CURRENCY = re.compile(r"^(?:([A-Za-z]{3})\s+)?(.*?)(?:\s+([A-Za-z]{3}))?$")
_GROUPING = re.compile(r"[\s'\u2009\u202f\u00a0]")
_SIGN = re.compile(r"^[\u2212+\-]")
_NUMBER = re.compile(r"^\d[\d.,]*$")
_IDENTIFIER_NOISE = re.compile(r"[\s.\-/]")
_IBANISH = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]+$")


@dataclass(frozen=True)
class SearchQuery:
    text: str  # as typed, trimmed, inner spaces collapsed
    compact: str  # upper case, without spaces, dashes, dots and slashes: for IBANs and account numbers
    amounts: tuple[Decimal, ...]  # every reading of the text as an amount (none, one or two)
    currency: str  # a currency typed with the amount, else ""

    @property
    def searches_text(self) -> bool:
        return len(self.text) >= MIN_TEXT_LENGTH

    @property
    def searches_identifier(self) -> bool:
        """Whether the text may be (a part of) an IBAN or account number."""
        return len(self.compact) >= MIN_TEXT_LENGTH + 1 and (
            bool(_IBANISH.match(self.compact)) or self.compact.isdigit()
        )

    @property
    def is_empty(self) -> bool:
        return not self.searches_text and not self.amounts


def search_query(raw: str) -> SearchQuery:
    text = " ".join(raw.split())[:200]
    amounts, currency = amount_readings(text)
    return SearchQuery(text=text, compact=_IDENTIFIER_NOISE.sub("", text).upper(), amounts=amounts, currency=currency)


def amount_readings(text: str) -> tuple[tuple[Decimal, ...], str]:
    """Every amount `text` can mean, and the currency typed with it (see the module's rules)."""
    value = text.strip()
    for symbol, code in _SYMBOLS.items():
        if symbol in value:
            value = value.replace(symbol, " ")
            currency = code
            break
    else:
        currency = ""
    match = _CURRENCY.match(value.strip())
    if match is None:
        return (), ""
    before, figure, after = match.groups()
    codes = [c.upper() for c in (before, after) if c]
    if len(codes) > 1 or (codes and currency and codes[0] != currency):
        return (), ""
    currency = codes[0] if codes else currency
    figure = _GROUPING.sub("", _SIGN.sub("", figure.strip()))
    if not _NUMBER.match(figure):
        return (), ""
    readings = [_reading(figure, decimal_mark) for decimal_mark in _decimal_marks(figure)]
    found = tuple(dict.fromkeys(r for r in readings if r is not None))
    return found, (currency if found else "")


def _decimal_marks(figure: str) -> list[str | None]:
    """Which mark may be the decimal one (None: the figure is whole)."""
    commas, dots = figure.count(","), figure.count(".")
    if commas and dots:
        return ["," if figure.rfind(",") > figure.rfind(".") else "."]
    if not commas and not dots:
        return [None]
    mark = "," if commas else "."
    if commas + dots > 1:
        return [None]  # used more than once: it groups
    decimals = len(figure) - figure.index(mark) - 1
    if decimals == 3:
        return [None, mark]  # "1,234": a thousand and more, or one and a bit
    return [mark]


def _reading(figure: str, decimal_mark: str | None) -> Decimal | None:
    whole, _, decimals = figure.partition(decimal_mark) if decimal_mark else (figure, "", "")
    if decimal_mark and ("," in decimals or "." in decimals or not decimals):
        return None
    groups = re.split(r"[.,]", whole)
    if len(groups) > 1 and (not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])):
        return None
    try:
        amount = Decimal("".join(groups) + (f".{decimals}" if decimals else ""))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount < Decimal("1e14") else None
