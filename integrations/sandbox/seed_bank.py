"""Seeded bank traffic besides invoice payments (payroll, fees, tax, card payouts, cash pool), the
transaction ids, and the payment gateway's earlier captures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from integrations.sandbox.money import gateway_fee, money
from integrations.sandbox.names import ENTITIES
from integrations.sandbox.seed_context import Record, SeedContext, business_day, first_business_day


class BankSeed(SeedContext):
    def recurring_transactions(self) -> None:
        day = self.window_start
        while day < self.today:
            if day.weekday() < 5:
                self.business_day_transactions(day)
            day += dt.timedelta(days=1)

    def business_day_transactions(self, day: dt.date) -> None:
        for entity in ("DE01", "GB01"):
            operating = self.accounts[(entity, "operating")]
            collections = self.accounts[(entity, "collections")]
            local = ENTITIES[entity]
            if day == business_day(day.replace(day=25)):
                payroll = Decimal(self.rng.randrange(38_000_000, 46_000_000)) / 100
                text = "Gehälter" if entity == "DE01" else "Salaries"
                self.add_transaction(
                    operating, day, -payroll, local.name, f"{text} {day:%m/%Y}", end_to_end_id=f"PAYROLL-{day:%Y%m}"
                )
            if day == first_business_day(day):
                fee = Decimal(self.rng.randrange(4_000, 19_000)) / 100
                self.add_transaction(operating, day, -fee, "", "Account maintenance and transaction fees")
            if day == business_day(day.replace(day=10)):
                tax = Decimal(self.rng.randrange(6_000_000, 14_000_000)) / 100
                authority, text = (
                    ("Finanzamt München für Körperschaften", "USt-VA")
                    if entity == "DE01"
                    else ("HMRC VAT", "VAT return")
                )
                self.add_transaction(operating, day, -tax, authority, f"{text} {day:%m/%Y}")
            if day.weekday() in (1, 4):  # card payouts from the gateway, value next day
                payout = Decimal(self.rng.randrange(120_000, 980_000)) / 100
                self.add_transaction(
                    collections,
                    day,
                    payout,
                    "PayFlow Payments Europe",
                    f"PAYFLOW PAYOUT PO-{day:%Y%m%d}-{entity}",
                    value_on=day + dt.timedelta(days=1),
                )
        if day == first_business_day(day):
            pool = self.accounts[("DE01", "cash pool")]
            operating = self.accounts[("DE01", "operating")]
            sweep = Decimal("250000.00")
            self.add_transaction(
                operating, day, -sweep, pool["name"], "Cash pool sweep", end_to_end_id=f"SWEEP-{day:%Y%m}"
            )
            self.add_transaction(
                pool, day, sweep, ENTITIES["DE01"].name, "Cash pool sweep", end_to_end_id=f"SWEEP-{day:%Y%m}"
            )
            interest = Decimal(self.rng.randrange(180_000, 420_000)) / 100
            self.add_transaction(pool, day, interest, "", f"Interest {day:%m/%Y}")

    def numbered_transactions(self, accounts: list[Record]) -> dict[str, list[Record]]:
        order = {a["iban"]: n for n, a in enumerate(accounts)}
        ranked = sorted(self.pending_transactions, key=lambda p: (p[1]["booking_date"], order[p[0]]))
        by_account: dict[str, list[Record]] = {a["iban"]: [] for a in accounts}
        for n, (iban, transaction) in enumerate(ranked, 1):
            transaction["id"] = f"TX-{n:06d}"
            by_account[iban].append(transaction)
        return by_account

    def gateway_history(self, ar: list[Record]) -> list[Record]:
        settled = [i for i in ar if i["open_amount"] == "0.00" and i["entity"] != "US01"][:8]
        payments = []
        for invoice in settled:
            amount = Decimal(invoice["amount"])
            fee = gateway_fee(amount, invoice["currency"])
            payments.append(
                {
                    "payment_id": f"pay_{self.rng.getrandbits(64):016x}",
                    "invoice_number": invoice["number"],
                    "customer_id": invoice["counterparty_id"],
                    "amount": money(amount),
                    "currency": invoice["currency"],
                    "fee": money(fee),
                    "net": money(amount - fee),
                    "captured_at": self.moment(dt.date.fromisoformat(invoice["updated_at"][:10])),
                }
            )
        return payments
