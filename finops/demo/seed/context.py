"""What every step of the demo seed shares: the source tag, the calendar, and the random draws
of dates, amounts and digits."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from finops.demo.names import PRICE_LEVEL, CatalogItem

SOURCE = "demo"
CENT = Decimal("0.01")
HISTORY_DAYS = 90
PAYMENT_TERMS = dt.timedelta(days=30)


def business_days_before(today: dt.date, count: int) -> list[dt.date]:
    """The `count` business days before today, oldest first (today's statement is not out yet)."""
    days: list[dt.date] = []
    day = today
    while len(days) < count:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return sorted(days)


def next_business_day(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def chance(rng: random.Random, percent: int) -> bool:
    return rng.randrange(100) < percent


def amount_between(rng: random.Random, low: str | Decimal, high: str | Decimal) -> Decimal:
    low_cents, high_cents = int(Decimal(low) * 100), int(Decimal(high) * 100)
    return Decimal(rng.randint(low_cents, high_cents)).scaleb(-2)


def catalog_price(rng: random.Random, item: CatalogItem, currency: str) -> Decimal:
    return (amount_between(rng, item.price_low, item.price_high) * Decimal(PRICE_LEVEL[currency])).quantize(CENT)


def random_digits(rng: random.Random, count: int) -> str:
    return str(rng.randint(1, 9)) + "".join(str(rng.randrange(10)) for _ in range(count - 1))


def moment_on(day: dt.date, rng: random.Random, *, hour: int = 8) -> dt.datetime:
    """A time on `day` for created_at, never in the future."""
    moment = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=dt.UTC)
    return min(moment, timezone.now())


def month_name(day: dt.date) -> str:
    return f"{calendar.month_name[day.month]} {day.year}"
