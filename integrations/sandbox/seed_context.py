"""What every part of the seed shares: the random generator, the calendar, and the bank
accounts that invoices are paid through."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from integrations.sandbox.clock import UTC, iso_z
from integrations.sandbox.money import money
from integrations.sandbox.names import ENTITIES

Record = dict[str, Any]
STATEMENT_DAYS = 30  # bank transactions cover this many calendar days before today


class SeedContext:
    def __init__(self, seed: int, today: dt.date) -> None:
        # Seeded on purpose: the data must come out the same on every run.
        self.rng = random.Random(f"fct-sandbox:{seed}")  # noqa: S311
        self.today = today
        self.window_start = today - dt.timedelta(days=STATEMENT_DAYS)
        self.names: set[str] = set()
        self.supplier_kind: dict[str, str] = {}
        self.accounts: dict[tuple[str, str], Record] = {}  # (entity, purpose) -> own bank account
        self.pending_transactions: list[tuple[str, Record]] = []  # (iban, transaction without id)

    def moment(self, day: dt.date) -> str:
        """A business-hours time on day, never at or after today's midnight."""
        day = min(day, self.today - dt.timedelta(days=1))
        at = dt.datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC)
        offset = dt.timedelta(seconds=self.rng.randrange(11 * 3600), milliseconds=self.rng.randrange(1000))
        return iso_z(at + offset)

    def days_ago(self, low: int, high: int) -> dt.date:
        return business_day(self.today - dt.timedelta(days=self.rng.randint(low, high)))

    def invoice(
        self,
        direction: str,
        number: str,
        counterparty_id: str,
        entity: str,
        amount: Decimal,
        issue_on: dt.date,
        terms: int,
        po_number: str | None = None,
    ) -> Record:
        return {
            "id": "",
            "version": 1,
            "updated_at": self.moment(issue_on),
            "direction": direction,
            "number": number,
            "counterparty_id": counterparty_id,
            "entity": entity,
            "currency": ENTITIES[entity].currency,
            "amount": money(amount),
            "open_amount": money(amount),
            "issue_date": issue_on.isoformat(),
            "due_date": (issue_on + dt.timedelta(days=terms)).isoformat(),
            "po_number": po_number,
        }

    def apply_payment(self, invoice: Record, paid: Decimal, paid_on: dt.date) -> None:
        invoice["open_amount"] = money(Decimal(invoice["open_amount"]) - paid)
        invoice["version"] += 1
        invoice["updated_at"] = self.moment(paid_on + dt.timedelta(days=1))

    def add_transaction(
        self,
        account: Record,
        on: dt.date,
        amount: Decimal,
        counterparty: str,
        remittance: str,
        *,
        end_to_end_id: str = "NOTPROVIDED",
        value_on: dt.date | None = None,
    ) -> None:
        self.pending_transactions.append(
            (
                account["iban"],
                {
                    "id": "",
                    "booking_date": on.isoformat(),
                    "value_date": (value_on or on).isoformat(),
                    "amount": money(amount),
                    "currency": account["currency"],
                    "end_to_end_id": end_to_end_id,
                    "counterparty_name": counterparty,
                    "remittance_info": remittance,
                },
            )
        )


def business_day(day: dt.date) -> dt.date:
    """day, or the Friday before when it falls on a weekend."""
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def first_business_day(day: dt.date) -> dt.date:
    first = day.replace(day=1)
    while first.weekday() >= 5:
        first += dt.timedelta(days=1)
    return first
