"""The seeded world: counterparties, invoices, purchase orders, receipts, bank accounts and
their transactions, all drawn from one `random.Random(seed)` and dated relative to `today`.

The same seed and the same `today` give the same data byte for byte. The data is laid out so
that the control tower has real work to do: customer payments already on the bank statement but
not yet applied in the ERP (some with mangled references, short-paid, or one transfer for two
invoices), unreferenced cash, supplier invoices that disagree with their purchase order or
receipt, and a supplier invoice sent twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from integrations.sandbox.names import OWN_ACCOUNTS
from integrations.sandbox.seed_bank import BankSeed
from integrations.sandbox.seed_context import Record
from integrations.sandbox.seed_parties import PartiesSeed
from integrations.sandbox.seed_purchasing import PurchasingSeed
from integrations.sandbox.seed_receivables import ReceivablesSeed

CUSTOMER_COUNTRIES = (("DE", 20), ("GB", 14), ("US", 16), ("FR", 5), ("NL", 5))
SUPPLIER_COUNTRIES = (("DE", 14), ("GB", 9), ("US", 11), ("FR", 3), ("NL", 3))


@dataclasses.dataclass
class SeedData:
    """Everything the sandbox starts with. Records are already in their API shape."""

    customers: list[Record]
    suppliers: list[Record]
    crm_accounts: list[Record]
    invoices: list[Record]
    purchase_orders: list[Record]
    receipts: list[Record]
    bank_accounts: list[Record]  # {iban, bic, currency, name, entity, purpose, opening_balance, opening_on}
    transactions: dict[str, list[Record]]  # by IBAN
    gateway_payments: list[Record]  # earlier captures, for refunds


@functools.lru_cache(maxsize=4)
def generate(seed: int, today: dt.date) -> SeedData:
    """The seeded world for `seed` as of `today`. Cached: callers copy before changing it."""
    return _Generator(seed, today).run()


class _Generator(PartiesSeed, PurchasingSeed, ReceivablesSeed, BankSeed):
    def run(self) -> SeedData:
        customers = self.counterparties("CUST", CUSTOMER_COUNTRIES, role="customer")
        suppliers = self.counterparties("SUP", SUPPLIER_COUNTRIES, role="supplier")
        crm_accounts = [self.crm_account(c) for c in customers]
        bank_accounts = [self.own_account(spec_index) for spec_index in range(len(OWN_ACCOUNTS))]
        purchase_orders, receipts = self.purchasing(suppliers)
        ar = self.receivables(customers)
        ap = self.payables(suppliers, purchase_orders, receipts)
        self.recurring_transactions()
        invoices = sorted(ar + ap, key=lambda r: (r["issue_date"], r["direction"], r["number"]))
        for n, invoice in enumerate(invoices, 1):
            invoice["id"] = f"INV-{n:05d}"
        _rename(purchase_orders, "PO", key=lambda r: (r["ordered_on"], r["number"]))
        po_ids = {po["number"]: po["id"] for po in purchase_orders}
        receipts = [
            {"id": r["id"], "version": r["version"], "updated_at": r["updated_at"], "po_id": po_ids[r["po_number"]]}
            | {"received_on": r["received_on"], "lines": r["lines"]}
            for r in receipts
        ]
        _rename(receipts, "GR", key=lambda r: (r["received_on"], r["po_id"]))
        return SeedData(
            customers=customers,
            suppliers=suppliers,
            crm_accounts=crm_accounts,
            invoices=invoices,
            purchase_orders=purchase_orders,
            receipts=receipts,
            bank_accounts=bank_accounts,
            transactions=self.numbered_transactions(bank_accounts),
            gateway_payments=self.gateway_history(ar),
        )


def _rename(records: list[Record], prefix: str, *, key: Callable[[Record], Any]) -> None:
    for n, record in enumerate(sorted(records, key=key), 1):
        record["id"] = f"{prefix}-{n:05d}"
    records.sort(key=lambda r: r["id"])
