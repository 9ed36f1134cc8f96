"""Money as the sandbox writes it, and what the simulated payment gateway charges."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# Card pricing of the simulated gateway per currency: (percentage, fixed fee).
GATEWAY_PRICING = {"EUR": (Decimal("0.014"), Decimal("0.25")), "GBP": (Decimal("0.015"), Decimal("0.20"))}
DEFAULT_PRICING = (Decimal("0.029"), Decimal("0.30"))


def money(value: Decimal) -> str:
    """value as a decimal string with two places ("1234.50")."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):f}"


def gateway_fee(amount: Decimal, currency: str) -> Decimal:
    rate, fixed = GATEWAY_PRICING.get(currency, DEFAULT_PRICING)
    return (amount * rate + fixed).quantize(CENT, rounding=ROUND_HALF_UP)
