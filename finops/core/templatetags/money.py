"""Money on screen: grouped, rounded to the currency's minor units, the code after the figure,
negatives with a minus sign (U+2212) and the class `neg`. Never wrapped inside a figure.

    {{ invoice.amount|money:invoice.currency }}     1,234.50 EUR
    {{ line.amount|amount:"JPY" }}                  1,235          (the figure alone, for sentences)
    {% money_totals summary.credits %}               1,405.31 EUR · 20.00 GBP   (a {currency: amount} map)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from finops.core.money import quantize

register = template.Library()

MINUS = "\u2212"
# What detail and summary JSON hold: "1234.50", "-18.40", "197,132.75 GBP", 12, Decimal.
_AMOUNT_TEXT = re.compile(r"^\s*([+\-\u2212]?)\s*([\d,]*\.?\d+)\s*([A-Z]{3})?\s*$")


def parse_money(value: object, currency: str = "") -> tuple[Decimal, str] | None:
    """(amount, currency) from a Decimal, an int or the text a summary or detail JSON holds;
    None when it is not an amount. A currency inside the text is used when none is given."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return (value, currency) if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value), currency
    match = _AMOUNT_TEXT.match(str(value))
    if not match:
        return None
    sign, digits, code = match.groups()
    try:
        amount = Decimal(digits.replace(",", ""))
    except InvalidOperation:
        return None
    return (-amount if sign in ("-", MINUS) else amount), (currency or code or "")


def figure(amount: Decimal, currency: str) -> tuple[str, bool]:
    """The grouped figure without sign, and whether it is negative."""
    rounded = quantize(amount, currency or "XXX")
    return f"{abs(rounded):,}", rounded < 0


def money_html(value: object, currency: str = "", *, with_code: bool = True) -> SafeString | str:
    parsed = parse_money(value, currency)
    if parsed is None:
        return "" if value in (None, "") else format_html("{}", value)
    amount, code = parsed
    text, negative = figure(amount, code)
    shown = f"{MINUS if negative else ''}{text}{f' {code}' if with_code and code else ''}"
    return format_html('<span class="money{}">{}</span>', " neg" if negative else "", shown)


@register.filter
def money(value: object, currency: str = "") -> SafeString | str:
    """An amount with its currency code; blank for None so `|default:"…"` works."""
    return money_html(value, currency)


@register.filter
def amount(value: object, currency: str = "") -> SafeString | str:
    """The figure alone (rounded for the currency) where the code is said once nearby."""
    return money_html(value, currency, with_code=False)


@register.filter
def price(value: object, currency: str = "") -> str:
    """A unit price without its currency: the currency's minor units, and more places when the
    price has them (0.1250 -> '0.125', never rounded to '0.13'); blank for None."""
    parsed = parse_money(value, currency)
    if parsed is None:
        return ""
    number, code = parsed
    rounded = quantize(number, code or "XXX")
    return f"{rounded:,}" if rounded == number else f"{number.normalize():,f}"


@register.filter
def as_decimal(value: object) -> Decimal | None:
    """A stored amount as a Decimal for comparisons in templates (`{% if d > 0 %}`); None if not one."""
    parsed = parse_money(value)
    return parsed[0] if parsed else None


@register.filter
def absolute(value: Decimal | None) -> Decimal | None:
    return abs(value) if value is not None else None


@register.filter
def negated(value: object) -> Decimal | None:
    """A debit shown as a negative amount: `{{ line.amount|negated|money:line.currency }}`."""
    parsed = parse_money(value)
    return -parsed[0] if parsed else None


@register.simple_tag
def money_totals(totals: Mapping[str, object] | None, empty: str = "none") -> SafeString:
    """Sums by currency, in currency order."""
    if not totals:
        return format_html('<span class="muted">{}</span>', empty)
    return format_html_join(" · ", "{}", ((money_html(totals[code], code),) for code in sorted(totals)))
