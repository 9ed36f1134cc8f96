"""Reading payload fields: each helper raises MappingError naming the field and the value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date, parse_datetime

from finops.core.money import parse_amount, validate_currency
from integrations.connectors.base import MappingError


def text(data: dict[str, Any], key: str, *, where: str, required: bool = True, max_length: int = 200) -> str:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise MappingError(f"{where}: '{key}' is missing.")
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise MappingError(f"{where}: '{key}' must be text, not {value!r}.")
    result = str(value).strip()
    if len(result) > max_length:
        raise MappingError(f"{where}: '{key}' is longer than {max_length} characters.")
    return result


def amount(data: dict[str, Any], key: str, *, where: str, required: bool = True) -> Decimal | None:
    value = data.get(key)
    if value is None:
        if required:
            raise MappingError(f"{where}: '{key}' is missing.")
        return None
    if isinstance(value, float | bool):
        raise MappingError(f"{where}: '{key}' must be a decimal string, not {value!r}.")
    try:
        return parse_amount(str(value), field=key)
    except ValidationError as exc:
        raise MappingError(f"{where}: '{key}' {value!r} is not an amount.") from exc


def required_amount(data: dict[str, Any], key: str, *, where: str) -> Decimal:
    value = amount(data, key, where=where)
    if value is None:  # amount() already refuses a missing required value; this satisfies the type
        raise MappingError(f"{where}: '{key}' is missing.")
    return value


def currency(data: dict[str, Any], key: str = "currency", *, where: str) -> str:
    value = text(data, key, where=where, max_length=3)
    try:
        validate_currency(value)
    except ValidationError as exc:
        raise MappingError(f"{where}: '{key}' {value!r} is not an ISO 4217 currency code.") from exc
    return value


def date(data: dict[str, Any], key: str, *, where: str) -> dt.date:
    value = data.get(key)
    parsed = parse_date(value) if isinstance(value, str) else None
    if parsed is None:
        instant = parse_datetime(value) if isinstance(value, str) else None
        if instant is None:
            raise MappingError(f"{where}: '{key}' {value!r} is not a date (YYYY-MM-DD).")
        parsed = instant.date()
    return parsed


def instant(data: dict[str, Any], key: str, *, where: str) -> dt.datetime:
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise MappingError(f"{where}: '{key}' {value!r} is not a date-time.")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def quantity(data: dict[str, Any], key: str, *, where: str) -> Decimal:
    value = required_amount(data, key, where=where)
    if value < 0:
        raise MappingError(f"{where}: '{key}' must not be negative.")
    return value


def lines(data: dict[str, Any], key: str = "lines", *, where: str) -> list[dict[str, Any]]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(line, dict) for line in value):
        raise MappingError(f"{where}: '{key}' must be a list of objects.")
    return value


def integer(data: dict[str, Any], key: str, *, where: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MappingError(f"{where}: '{key}' must be a whole number, not {value!r}.")
    return value
