from decimal import Decimal

from django import template
from django.utils.html import format_html

from finops.core.money import quantize

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """1234.5, 'EUR' -> '1,234.50 EUR' with the currency's minor units; blank for None."""
    if amount is None:
        return ""
    return f"{quantize(amount, currency or 'XXX'):,} {currency}".strip()


@register.filter
def price(amount: Decimal | None, currency: str = "") -> str:
    """A unit price without its currency: the currency's minor units, and more places when the
    price has them (0.1250 -> '0.125', never rounded to '0.13'); blank for None."""
    if amount is None:
        return ""
    rounded = quantize(amount, currency or "XXX")
    return f"{rounded:,}" if rounded == amount else f"{amount.normalize():,f}"


@register.simple_tag
def state_badge(state: str, label: str = "") -> str:
    return format_html('<span class="badge badge-{}">{}</span>', state, label or state.replace("_", " "))


@register.filter
def get_item(mapping: dict, key: str) -> object:  # type: ignore[type-arg]
    return mapping.get(key)


@register.filter
def action_label(action: str) -> str:
    """'pending_approval->approved' -> 'pending approval → approved'; 'access.granted' -> 'access granted'."""
    return action.replace("->", " → ").replace("_", " ").replace(".", " ")
