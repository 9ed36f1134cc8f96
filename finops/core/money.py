"""Money is Decimal with an ISO 4217 currency. Never float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models

CURRENCY_REGEX = r"^[A-Z]{3}$"
AMOUNT_DIGITS = 18
AMOUNT_PLACES = 4

# Minor units where they differ from 2 (ISO 4217).
_MINOR_UNITS = {
    "BHD": 3,
    "CLP": 0,
    "IQD": 3,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "PYG": 0,
    "TND": 3,
    "UGX": 0,
    "VND": 0,
    "XAF": 0,
    "XOF": 0,
}


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


def validate_currency(value: str) -> None:
    if not (len(value) == 3 and value.isalpha() and value.isupper()):
        raise ValidationError(f"{value!r} is not an ISO 4217 currency code (three capital letters).")


def parse_amount(text: str, *, field: str = "amount") -> Decimal:
    """A Decimal from text, refusing floats' lookalikes such as 'NaN' or '1e3'."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation as exc:
        raise ValidationError(f"{field}: {text!r} is not an amount.") from exc
    if not value.is_finite() or "e" in str(text).lower():
        raise ValidationError(f"{field}: {text!r} is not an amount.")
    return value


def quantize(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")
        validate_currency(self.currency)

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"Cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return f"{quantize(self.amount, self.currency):,} {self.currency}"


def AmountField(**kwargs: object) -> models.DecimalField:  # noqa: N802 - reads like a field class
    """The one column type for money amounts."""
    return models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES, **kwargs)  # type: ignore[arg-type]


def CurrencyField(**kwargs: object) -> models.CharField:  # noqa: N802
    return models.CharField(max_length=3, validators=[validate_currency], **kwargs)  # type: ignore[arg-type]
