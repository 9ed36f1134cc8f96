"""Quantities and counts: grouped, no trailing zeros, at most four decimals, a minus sign.

{{ line.quantity|quantity }}          1,250.5
{{ line.quantity|quantity:"pcs" }}    12 pcs
{{ run.received|quantity }}           12,400
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django import template

from finops.core.templatetags.money import MINUS

register = template.Library()

PLACES = Decimal("0.0001")


def quantity_text(value: object) -> str | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    rounded = number.quantize(PLACES, rounding=ROUND_HALF_EVEN).normalize()
    text = f"{abs(rounded):,f}"
    return f"{MINUS}{text}" if rounded < 0 else text


@register.filter
def quantity(value: object, unit: str = "") -> str:
    """Plain text (a grouped figure does not break); a unit is kept on the figure's line."""
    text = quantity_text(value)
    if text is None:
        return "" if value in (None, "") else str(value)
    return f"{text}\u00a0{unit}" if unit else text
