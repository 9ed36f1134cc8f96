"""The sandbox's memory: every record of every simulated system, behind one lock.

Handlers take `state.lock` for as long as they read or change records, and release it before
anything slow (webhook deliveries, held or delayed requests), so that a receiver calling back
into the sandbox while it is being delivered to cannot deadlock.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Final

from integrations.sandbox.clock import Clock, iso_z, parse_instant
from integrations.sandbox.config import SandboxOptions
from integrations.sandbox.faults import FaultBoard
from integrations.sandbox.idempotency import IdempotencyStore
from integrations.sandbox.seed_data import generate

if TYPE_CHECKING:
    from integrations.sandbox.statement_files import StatementBox

Record = dict[str, Any]

# The paged resources per system. The ERP and the procurement suite share suppliers, purchase
# orders and receipts: the same records under the same ids.
RESOURCES: Final[dict[tuple[str, str], str]] = {
    ("erp", "customers"): "customers",
    ("erp", "suppliers"): "suppliers",
    ("erp", "invoices"): "invoices",
    ("erp", "purchase_orders"): "purchase_orders",
    ("erp", "receipts"): "receipts",
    ("procurement", "suppliers"): "suppliers",
    ("procurement", "purchase_orders"): "purchase_orders",
    ("procurement", "receipts"): "receipts",
    ("crm", "accounts"): "crm_accounts",
}
# What the business POSTs create; readable through GET /_sandbox/{system}/{resource}.
POSTED: Final[dict[tuple[str, str], str]] = {
    ("erp", "journal_entries"): "journal_entries",
    ("erp", "cash_receipts"): "cash_receipts",
    ("crm", "activities"): "activities",
}
ID_PREFIXES: Final = {
    "customers": "CUST",
    "suppliers": "SUP",
    "invoices": "INV",
    "purchase_orders": "PO",
    "receipts": "GR",
    "crm_accounts": "ACC",
}
_PARTY: Final[Record] = {"name": "", "country": "", "tax_id": "", "status": "active", "bank_account": None}
# The fields a record created through /_sandbox gets when the body leaves them out.
TEMPLATES: Final[dict[str, Record]] = {
    "customers": _PARTY,
    "suppliers": _PARTY,
    "crm_accounts": _PARTY,
    "invoices": {
        "direction": "AR",
        "number": "",
        "counterparty_id": "",
        "entity": "DE01",
        "currency": "EUR",
        "amount": "0.00",
        "open_amount": "0.00",
        "issue_date": "",
        "due_date": "",
        "po_number": None,
    },
    "purchase_orders": {
        "number": "",
        "supplier_id": "",
        "entity": "DE01",
        "currency": "EUR",
        "ordered_on": "",
        "lines": [],
    },
    "receipts": {"po_id": "", "received_on": "", "lines": []},
}
CONTROLLED_FIELDS: Final = ("id", "version", "updated_at")


def sort_key(record: Record) -> tuple[str, str]:
    return record["updated_at"], record["id"]


class Collection:
    """Records of one kind by id, with the versions each record had before."""

    def __init__(self, records: list[Record]) -> None:
        self.records: dict[str, Record] = {r["id"]: r for r in records}
        self.history: dict[str, list[Record]] = {}

    def all(self) -> list[Record]:
        return list(self.records.values())

    def get(self, record_id: str) -> Record | None:
        return self.records.get(record_id)

    def add(self, record: Record) -> Record:
        self.records[record["id"]] = record
        return record

    def change(self, record: Record, fields: Record, updated_at: str) -> Record:
        """Apply fields to record: version + 1, updated_at now; the old version is kept."""
        self.history.setdefault(record["id"], []).append(copy.deepcopy(record))
        record.update({k: v for k, v in fields.items() if k not in CONTROLLED_FIELDS})
        record["version"] += 1
        record["updated_at"] = updated_at
        return record

    def older_version(self, record: Record) -> Record | None:
        """The version before record's: the one kept, or, for a seeded record that was edited
        before the sandbox started, a reconstruction with the same fields a day earlier."""
        kept = self.history.get(record["id"])
        if kept:
            return copy.deepcopy(kept[-1])
        if record.get("version", 1) < 2:
            return None
        moment = parse_instant(record["updated_at"])
        if moment is None:
            return None
        earlier = copy.deepcopy(record)
        earlier["version"] -= 1
        earlier["updated_at"] = iso_z(moment - dt.timedelta(days=1))
        return earlier


class SandboxState:
    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.lock = threading.RLock()
        self.stopping = threading.Event()  # set when the server shuts down: held and delayed requests end
        self.faults = FaultBoard()
        self.requests: deque[Record] = deque(maxlen=options.request_log_size)
        # set when an SFTP server serves the bank's files (integrations.sandbox.sftp)
        self.statement_box: StatementBox | None = None
        self.sftp_info: Record | None = None
        self.reset()

    def reset(self) -> None:
        """Back to the seeded state: records, payments, subscriptions, keys, faults, the request log and
        the SFTP folders (emptied; the seeded statements are dropped again at the next look)."""
        seed = copy.deepcopy(generate(self.options.seed, self.options.seed_day()))
        with self.lock:
            self.collections: dict[str, Collection] = {
                "customers": Collection(seed.customers),
                "suppliers": Collection(seed.suppliers),
                "crm_accounts": Collection(seed.crm_accounts),
                "invoices": Collection(seed.invoices),
                "purchase_orders": Collection(seed.purchase_orders),
                "receipts": Collection(seed.receipts),
                **{name: Collection([]) for name in POSTED.values()},
            }
            latest = max(r["updated_at"] for c in self.collections.values() for r in c.all())
            floor = parse_instant(latest)
            assert floor is not None
            self.clock = Clock(floor)
            self.bank_accounts: dict[str, Record] = {a["iban"]: a for a in seed.bank_accounts}
            # accounts without an IBAN (US: account number + ABA routing number), by account number;
            # apart from the IBAN ones, as no camt.053 file (which names an IBAN) is dropped for them
            self.number_accounts: dict[str, Record] = {}
            self.transactions: dict[str, list[Record]] = seed.transactions
            self.payments: dict[str, Record] = {}
            self.message_ids: dict[str, str] = {}  # pain.001 MsgId -> payment id, to spot resubmissions
            # creditor IBAN / account number -> (reason code, text): transfers to it are rejected
            self.refused_accounts: dict[str, tuple[str, str]] = {}
            self.subscriptions: dict[str, Record] = {}
            self.gateway_payments: list[Record] = seed.gateway_payments
            self.billed_invoices: list[str] = []  # invoices the billing platform issued, oldest first
            self.event_count = 0
            self.idempotency = IdempotencyStore()
            self.sftp_authorized_keys: list[str] = []  # OpenSSH public keys the SFTP server accepts
            # the downstream subscriber of our canonical events (event_inbox.py): its secret and what it got
            self.event_inbox_secret = ""
            self.event_inbox: dict[str, Record] = {}
            self.faults.clear()
            self.requests.clear()
            # Ids minted at runtime carry a tag of when this state began, so that a restarted
            # sandbox never reissues an id the control tower has already stored. The leading
            # letter sorts them after the seeded ids, which are digits.
            self.generation = "R" + _base36(time.time_ns() // 1_000_000)[-6:]
            self._counters: dict[str, int] = {}
        if self.statement_box is not None:
            self.statement_box.clear()

    def mint(self, prefix: str) -> str:
        with self.lock:
            n = self._counters.get(prefix, 0) + 1
            self._counters[prefix] = n
        return f"{prefix}-{self.generation}-{n:05d}"

    def stamp(self) -> str:
        return iso_z(self.clock.stamp())


def _base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"
