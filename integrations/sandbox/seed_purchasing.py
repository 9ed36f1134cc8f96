"""Seeded purchase orders, goods receipts and supplier invoices, and the supplier payments already made."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from integrations.sandbox.money import CENT, money
from integrations.sandbox.names import AP_NUMBER_STYLES, CATALOG, ENTITIES, HOME_ENTITY, SERVICE_BILLS
from integrations.sandbox.seed_context import Record, SeedContext, business_day

PURCHASE_ORDERS = 40
SERVICE_INVOICES = 31


class PurchasingSeed(SeedContext):
    def purchasing(self, suppliers: list[Record]) -> tuple[list[Record], list[Record]]:
        goods = [s for s in suppliers if self.supplier_kind[s["id"]] == "goods" and s["status"] == "active"]
        orders: list[Record] = []
        receipts: list[Record] = []
        for n in range(PURCHASE_ORDERS):
            supplier = goods[n % len(goods)] if n < len(goods) else self.rng.choice(goods)
            entity = ENTITIES[HOME_ENTITY[supplier["country"]]]
            ordered_on = self.days_ago(25, 110)
            lines = []
            for line_no, item in enumerate(self.rng.sample(CATALOG, self.rng.randint(1, 4)), 1):
                low, high = Decimal(item.price_low), Decimal(item.price_high)
                price = low + (high - low) * Decimal(self.rng.randrange(101)) / 100
                lines.append(
                    {
                        "line_no": line_no,
                        "item": item.item,
                        "quantity": str(self.rng.randint(item.qty_low // 5, item.qty_high // 5) * 5 or 5),
                        "unit_price": money(price),
                    }
                )
            order = {
                "id": "",
                "version": 1,
                "updated_at": self.moment(ordered_on),
                "number": f"45000{10_000 + n * 7 + self.rng.randrange(7):05d}",
                "supplier_id": supplier["id"],
                "entity": entity.code,
                "currency": entity.currency,
                "ordered_on": ordered_on.isoformat(),
                "lines": lines,
            }
            orders.append(order)
            receipts.extend(self.goods_receipts(order, n))
        return orders, receipts

    def goods_receipts(self, order: Record, n: int) -> list[Record]:
        """Most orders arrive whole (some in two deliveries); a few in part; the last few not yet."""
        if n >= PURCHASE_ORDERS - 4:
            return []
        ordered_on = dt.date.fromisoformat(order["ordered_on"])
        first_on = min(business_day(ordered_on + dt.timedelta(days=self.rng.randint(5, 18))), self.today)
        first_on = min(first_on, self.today - dt.timedelta(days=1))
        quantities = {line["line_no"]: Decimal(line["quantity"]) for line in order["lines"]}
        if n >= PURCHASE_ORDERS - 8:  # partly delivered
            first = {no: (q * Decimal("0.6")).to_integral_value() for no, q in quantities.items()}
            return [self.receipt(order, first_on, first)]
        if n % 5 == 0 and all(q >= 10 for q in quantities.values()):  # two deliveries
            first = {no: (q / 2).to_integral_value() for no, q in quantities.items()}
            rest = {no: q - first[no] for no, q in quantities.items()}
            second_on = min(first_on + dt.timedelta(days=self.rng.randint(3, 9)), self.today - dt.timedelta(days=1))
            return [self.receipt(order, first_on, first), self.receipt(order, second_on, rest)]
        return [self.receipt(order, first_on, quantities)]

    def receipt(self, order: Record, received_on: dt.date, quantities: dict[int, Decimal]) -> Record:
        return {
            "id": "",
            "version": 1,
            "updated_at": self.moment(received_on),
            "po_number": order["number"],
            "received_on": received_on.isoformat(),
            "lines": [{"line_no": no, "quantity": f"{q:f}"} for no, q in sorted(quantities.items()) if q > 0],
        }

    def payables(self, suppliers: list[Record], orders: list[Record], receipts: list[Record]) -> list[Record]:
        styles = {s["id"]: self.rng.choice(AP_NUMBER_STYLES) for s in suppliers}
        counters = {s["id"]: self.rng.randint(1000, 90000) for s in suppliers}
        by_id = {s["id"]: s for s in suppliers}
        invoices: list[Record] = []

        def number(supplier_id: str, on: dt.date) -> str:
            counters[supplier_id] += self.rng.randint(1, 40)
            return styles[supplier_id].format(n=counters[supplier_id], year=on.year)

        received: dict[str, dict[int, Decimal]] = {}
        last_receipt: dict[str, dt.date] = {}
        for receipt in receipts:
            lines = received.setdefault(receipt["po_number"], {})
            for line in receipt["lines"]:
                lines[line["line_no"]] = lines.get(line["line_no"], Decimal(0)) + Decimal(line["quantity"])
            on = dt.date.fromisoformat(receipt["received_on"])
            last_receipt[receipt["po_number"]] = max(on, last_receipt.get(receipt["po_number"], on))

        exceptions: list[Record] = []
        for n, order in enumerate(orders):
            got = received.get(order["number"])
            if got is None and n != PURCHASE_ORDERS - 1:
                continue  # not delivered, not billed; the last one is billed before delivery
            base_on = last_receipt.get(order["number"], dt.date.fromisoformat(order["ordered_on"]))
            issue_on = min(base_on + dt.timedelta(days=self.rng.randint(1, 8)), self.today - dt.timedelta(days=1))
            total = Decimal(0)
            for line in order["lines"]:
                quantity = got.get(line["line_no"], Decimal(0)) if got else Decimal(line["quantity"])
                price = Decimal(line["unit_price"])
                if n in (3, 11) and line["line_no"] == 1:
                    price = (price * Decimal("1.045")).quantize(CENT)  # price went up, PO not amended
                if n in (7, 19) and line["line_no"] == 1:
                    quantity += 5  # billed for more than arrived
                total += quantity * price
            supplier_id = order["supplier_id"]
            invoice = self.invoice(
                "AP", number(supplier_id, issue_on), supplier_id, order["entity"], total, issue_on, 30, order["number"]
            )
            invoices.append(invoice)
            if n in (3, 7, 11, 19, PURCHASE_ORDERS - 1):
                exceptions.append(invoice)
            if n == 5:  # the same invoice arrives again a few days later, its number typed differently
                again = dict(invoice)
                again["number"] = invoice["number"].replace("-", "").replace("/", "")
                if again["number"] == invoice["number"]:
                    again["number"] = f"{invoice['number']}-1"
                later = min(issue_on + dt.timedelta(days=self.rng.randint(2, 6)), self.today - dt.timedelta(days=1))
                again["issue_date"] = later.isoformat()
                again["updated_at"] = self.moment(later)
                invoices.append(again)
                exceptions.extend((invoice, again))

        services = [s for s in suppliers if self.supplier_kind[s["id"]] == "services" and s["status"] == "active"]
        for n in range(SERVICE_INVOICES):
            supplier = services[n % len(services)]
            entity = HOME_ENTITY[supplier["country"]]
            low, high = SERVICE_BILLS[n % len(SERVICE_BILLS)]
            amount = Decimal(self.rng.randrange(int(Decimal(low) * 100), int(Decimal(high) * 100))) / 100
            issue_on = self.days_ago(3, 80)
            invoices.append(
                self.invoice("AP", number(supplier["id"], issue_on), supplier["id"], entity, amount, issue_on, 30)
            )

        self.settle_payables([i for i in invoices if i not in exceptions], by_id)
        return invoices

    def settle_payables(self, invoices: list[Record], suppliers: dict[str, Record]) -> None:
        # The group pays on Tuesdays and Fridays, the invoices due within the next week.
        runs = 0
        for invoice in sorted(invoices, key=lambda r: r["due_date"]):
            due_on = dt.date.fromisoformat(invoice["due_date"])
            paid_on = due_on - dt.timedelta(days=self.rng.randint(0, 6))
            paid_on = business_day(max(paid_on, dt.date.fromisoformat(invoice["issue_date"]) + dt.timedelta(days=3)))
            if paid_on >= self.today or suppliers[invoice["counterparty_id"]]["bank_account"] is None:
                continue
            self.apply_payment(invoice, Decimal(invoice["amount"]), paid_on)
            runs += 1
            if invoice["entity"] == "US01" or paid_on < self.window_start:
                continue
            account = self.accounts[(invoice["entity"], "operating")]
            self.add_transaction(
                account,
                paid_on,
                -Decimal(invoice["amount"]),
                suppliers[invoice["counterparty_id"]]["name"],
                invoice["number"],
                end_to_end_id=f"NCPAY-{paid_on:%y%m%d}-{runs:04d}",
            )
