"""Field checks for JSON bodies and query strings; each failure is a 422 naming the field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

from integrations.sandbox.clock import parse_date
from integrations.sandbox.exchange import FieldError

_MONEY = re.compile(r"^-?\d{1,15}(\.\d{1,2})?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def text(body: Mapping[str, Any], field: str, *, name: str = "", max_length: int = 200) -> str:
    """A required non-blank string of at most max_length characters."""
    name = name or field
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        raise FieldError(name, f"{name} is required and must be a non-empty string")
    if len(value) > max_length:
        raise FieldError(name, f"{name} is longer than {max_length} characters")
    return value


def choice(body: Mapping[str, Any], field: str, choices: Collection[str]) -> str:
    value = body.get(field)
    if value not in choices:
        raise FieldError(field, f"{field} must be one of {', '.join(sorted(choices))}")
    return str(value)


def money(body: Mapping[str, Any], field: str, *, name: str = "", allow_negative: bool = False) -> Decimal:
    """A decimal string with at most two decimals ("1234.50"). JSON numbers are refused: money never
    travels as float."""
    name = name or field
    value = body.get(field)
    if not isinstance(value, str) or not _MONEY.match(value):
        raise FieldError(name, f'{name} must be a decimal string such as "1234.50"')
    amount = Decimal(value)
    if amount < 0 and not allow_negative:
        raise FieldError(name, f"{name} must not be negative")
    return amount


def date(body: Mapping[str, Any], field: str) -> dt.date:
    value = body.get(field)
    parsed = parse_date(value) if isinstance(value, str) and len(value) == 10 else None
    if parsed is None:
        raise FieldError(field, f"{field} must be a date as YYYY-MM-DD")
    return parsed


def currency(body: Mapping[str, Any], field: str = "currency") -> str:
    value = body.get(field)
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise FieldError(field, f"{field} must be an ISO 4217 code such as EUR")
    return value


def items(body: Mapping[str, Any], field: str, *, min_items: int = 1, max_items: int = 1000) -> list[Any]:
    value = body.get(field)
    if not isinstance(value, list) or not min_items <= len(value) <= max_items:
        raise FieldError(field, f"{field} must be a list of {min_items} to {max_items} items")
    return value


def whole_number(body: Mapping[str, Any], field: str, *, default: int, low: int, high: int, name: str = "") -> int:
    """An integer in [low, high]; query-string values arrive as text and are accepted as digits."""
    name = name or field
    value = body.get(field, default)
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,9}", value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FieldError(name, f"{name} must be a whole number from {low} to {high}")
    return value
