"""Seeded customer invoices and the customer payments: applied in the ERP, or only on the bank statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from integrations.sandbox.money import CENT
from integrations.sandbox.names import ENTITIES, HOME_ENTITY
from integrations.sandbox.seed_context import Record, SeedContext, business_day

AR_INVOICES = 85


class ReceivablesSeed(SeedContext):
    def receivables(self, customers: list[Record]) -> list[Record]:
        sequences = {code: 10_001 + 10_000 * i for i, code in enumerate(ENTITIES)}
        invoices = []
        active = [c for c in customers if c["status"] == "active"]
        for _ in range(AR_INVOICES):
            customer = self.rng.choice(active)
            entity = ENTITIES[HOME_ENTITY[customer["country"]]]
            issue_on = self.days_ago(3, 95)
            number = f"{entity.ar_prefix}-{issue_on.year}-{sequences[entity.code]}"
            sequences[entity.code] += self.rng.randint(1, 3)
            amount = Decimal(self.rng.randrange(85_000, 4_800_000)) / 100
            invoices.append(
                self.invoice(
                    "AR", number, customer["id"], entity.code, amount, issue_on, self.rng.choice((14, 30, 30, 45))
                )
            )
        self.settle_receivables(invoices, customers)
        return invoices

    def settle_receivables(self, invoices: list[Record], customers: list[Record]) -> None:
        names = {c["id"]: c["name"] for c in customers}
        by_age = sorted(invoices, key=lambda r: r["issue_date"])
        older, recent = by_age[: len(by_age) // 2], by_age[len(by_age) // 2 :]
        # Older invoices: mostly paid and applied in the ERP, a few partly.
        for n, invoice in enumerate(older):
            if n % 6 == 5:
                continue  # still open, overdue
            paid_on = business_day(
                dt.date.fromisoformat(invoice["issue_date"]) + dt.timedelta(days=self.rng.randint(9, 40))
            )
            if paid_on >= self.today:
                continue
            amount = Decimal(invoice["amount"])
            paid = amount if n % 6 != 4 else (amount * Decimal("0.5")).quantize(CENT)
            self.apply_payment(invoice, paid, paid_on)
            self.customer_credit(invoice, names, paid, paid_on, invoice["number"])
        # Recent invoices: paid at the bank in the last days but not yet applied in the ERP.
        candidates = [i for i in recent if i["entity"] != "US01"]
        self.rng.shuffle(candidates)
        exact, mangled, short, rest = candidates[:9], candidates[9:12], candidates[12:14], candidates[14:]
        for invoice in exact:
            self.customer_credit(
                invoice, names, Decimal(invoice["amount"]), self.paid_recently(invoice), invoice["number"]
            )
        for invoice in mangled:
            reference = self.rng.choice(
                (
                    invoice["number"].replace("-", " "),
                    invoice["number"].split("-", 1)[1],
                    f"Rg.Nr. {invoice['number'].replace('-', '')}",
                )
            )
            self.customer_credit(invoice, names, Decimal(invoice["amount"]), self.paid_recently(invoice), reference)
        for invoice in short:  # the payer's bank took its charges out of the transfer
            fee = Decimal(self.rng.choice(("7.50", "12.00", "15.00")))
            amount = Decimal(invoice["amount"]) - fee
            self.customer_credit(invoice, names, amount, self.paid_recently(invoice), invoice["number"])
        taken = exact + mangled + short
        pairs = (
            (first, second)
            for first in rest
            for second in by_age
            if second is not first
            and second not in taken
            and second["counterparty_id"] == first["counterparty_id"]
            and second["open_amount"] == second["amount"]
        )
        pair = next(pairs, None)
        if pair is not None:  # one transfer for two invoices
            first, second = pair
            total = Decimal(first["amount"]) + Decimal(second["amount"])
            on = max(self.paid_recently(first), self.paid_recently(second))
            self.customer_credit(first, names, total, on, f"{first['number']} {second['number']}")
        # Cash nobody can place: no reference at all.
        for customer in self.rng.sample([c for c in customers if HOME_ENTITY[c["country"]] != "US01"], 2):
            entity = HOME_ENTITY[customer["country"]]
            amount = Decimal(self.rng.randrange(40_000, 900_000)) / 100
            account = self.accounts[(entity, "collections")]
            self.add_transaction(
                account,
                self.days_ago(1, 8),
                amount,
                customer["name"],
                self.rng.choice(("Payment", "Zahlung", "Invoice payment")),
            )

    def paid_recently(self, invoice: Record) -> dt.date:
        """A day in the last week, not before the invoice was issued."""
        issued_on = dt.date.fromisoformat(invoice["issue_date"])
        return max(self.days_ago(1, 6), issued_on + dt.timedelta(days=1))

    def customer_credit(
        self, invoice: Record, names: dict[str, str], amount: Decimal, on: dt.date, reference: str
    ) -> None:
        if invoice["entity"] == "US01" or on < self.window_start:
            return  # US01 banks elsewhere (BAI2 files); older cash is before the statement window
        account = self.accounts[(invoice["entity"], "collections")]
        self.add_transaction(account, on, amount, names[invoice["counterparty_id"]], reference)
