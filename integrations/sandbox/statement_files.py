"""The bank's end-of-day statements as files: a camt.053.001.02 per account and booked day,
dropped into the SFTP folder of the account's bank once the day is over.

Layout under the SFTP root: one folder per bank, named by the first eight characters of its BIC
(`/COBADEFF/`), holding `camt053_<IBAN>_<YYYYMMDD>.xml`. A file is written once (to a dot-name,
then renamed, so a listing never shows half a file) and never rewritten: which files were dropped
is kept in `dropped.txt` beside the root, so a restarted sandbox does not drop them again.
The same account and day always give the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from lxml import etree
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from integrations.sandbox.clock import UTC, iso_z
from integrations.sandbox.iso_xml import IsoWriter
from integrations.sandbox.money import money

if TYPE_CHECKING:
    from integrations.sandbox.state import SandboxState

MESSAGE: Final = "camt.053.001.02"
NAMESPACE: Final = f"urn:iso:std:iso:20022:tech:xsd:{MESSAGE}"
MAX_TEXT: Final = 140
MAX_ID: Final = 35
NO_BIC_FOLDER: Final = "BANK"
# When the bank has its statements out: early on the next morning.
READY_AT: Final = dt.time(5, 40)

Record = dict[str, Any]


def bank_folder(account: Record) -> str:
    """The SFTP folder of the account's bank: the first eight characters of its BIC."""
    bic = str(account.get("bic") or "")
    if not bic:
        with contextlib.suppress(SchwiftyException, ValueError):
            bic = str(IBAN(account["iban"]).bic or "")
    return bic[:8].upper() or NO_BIC_FOLDER


def statement_name(iban: str, day: dt.date) -> str:
    return f"camt053_{iban}_{day:%Y%m%d}.xml"


def statement_created_at(day: dt.date, *, now: dt.datetime) -> dt.datetime:
    """When the statement of `day` was produced: the next morning, or now if that is still ahead."""
    return min(dt.datetime.combine(day + dt.timedelta(days=1), READY_AT, tzinfo=UTC), now)


class _Writer(IsoWriter):
    namespace = NAMESPACE

    def amount(self, parent: etree._Element, name: str, value: Decimal, currency: str) -> None:
        self.add(parent, name, money(abs(value))).set("Ccy", currency)

    def balance(self, parent: etree._Element, code: str, value: Decimal, currency: str, day: dt.date) -> None:
        node = self.add(parent, "Bal")
        self.add(self.add(self.add(node, "Tp"), "CdOrPrtry"), "Cd", code)
        self.amount(node, "Amt", value, currency)
        self.add(node, "CdtDbtInd", "CRDT" if value >= 0 else "DBIT")
        self.add(self.add(node, "Dt"), "Dt", day.isoformat())


def _identifier(prefix: str, iban: str, day: dt.date) -> str:
    head = f"{prefix}{day:%Y%m%d}"
    return head + iban[-(MAX_ID - len(head)) :]


def build_camt053(
    account: Record, day: dt.date, transactions: list[Record], *, opening: Decimal, created_at: dt.datetime
) -> bytes:
    """The end-of-day statement of one account and day: OPBD, the day's booked entries, CLBD.
    Opening + credits - debits is the closing balance, as on the bank's balances endpoint."""
    currency = account["currency"]
    created = created_at.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat()
    w = _Writer()
    report = w.add(w.root, "BkToCstmrStmt")
    header = w.add(report, "GrpHdr")
    w.add(header, "MsgId", _identifier("C053", account["iban"], day))
    w.add(header, "CreDtTm", created)
    statement = w.add(report, "Stmt")
    w.add(statement, "Id", _identifier("S", account["iban"], day))
    w.add(statement, "ElctrncSeqNb", f"{day:%Y}{day.timetuple().tm_yday:03d}")
    w.add(statement, "CreDtTm", created)
    acct = w.add(statement, "Acct")
    w.add(w.add(acct, "Id"), "IBAN", account["iban"])
    w.add(acct, "Ccy", currency)
    w.add(acct, "Nm", str(account.get("name") or "")[:MAX_TEXT] or account["iban"])
    bic = str(account.get("bic") or "")
    if bic:
        w.add(w.add(w.add(acct, "Svcr"), "FinInstnId"), "BIC", bic)
    amounts = [Decimal(t["amount"]) for t in transactions]
    credits = [a for a in amounts if a >= 0]
    debits = [-a for a in amounts if a < 0]
    closing = opening + sum(amounts, Decimal(0))
    w.balance(statement, "OPBD", opening, currency, day)
    w.balance(statement, "CLBD", closing, currency, day)
    summary = w.add(statement, "TxsSummry")
    total = w.add(summary, "TtlNtries")
    w.add(total, "NbOfNtries", str(len(amounts)))
    w.add(total, "Sum", money(sum(credits, Decimal(0)) + sum(debits, Decimal(0))))
    net = sum(amounts, Decimal(0))
    w.add(total, "TtlNetNtryAmt", money(abs(net)))
    w.add(total, "CdtDbtInd", "CRDT" if net >= 0 else "DBIT")
    for name, group in (("TtlCdtNtries", credits), ("TtlDbtNtries", debits)):
        node = w.add(summary, name)
        w.add(node, "NbOfNtries", str(len(group)))
        w.add(node, "Sum", money(sum(group, Decimal(0))))
    for transaction in transactions:
        _entry(w, statement, transaction, currency)
    return etree.tostring(w.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _entry(w: _Writer, parent: etree._Element, transaction: Record, currency: str) -> None:
    amount = Decimal(transaction["amount"])
    is_credit = amount >= 0
    entry = w.add(parent, "Ntry")
    w.amount(entry, "Amt", amount, currency)
    w.add(entry, "CdtDbtInd", "CRDT" if is_credit else "DBIT")
    w.add(entry, "Sts", "BOOK")
    w.add(w.add(entry, "BookgDt"), "Dt", transaction["booking_date"])
    w.add(w.add(entry, "ValDt"), "Dt", transaction["value_date"])
    w.add(entry, "AcctSvcrRef", transaction["id"][:MAX_ID])
    domain = w.add(w.add(entry, "BkTxCd"), "Domn")
    w.add(domain, "Cd", "PMNT")
    codes = w.add(domain, "Fmly")
    w.add(codes, "Cd", "RCDT" if is_credit else "ICDT")
    w.add(codes, "SubFmlyCd", "ESCT")
    details = w.add(w.add(entry, "NtryDtls"), "TxDtls")
    refs = w.add(details, "Refs")
    w.add(refs, "AcctSvcrRef", transaction["id"][:MAX_ID])
    w.add(refs, "EndToEndId", (transaction.get("end_to_end_id") or "NOTPROVIDED")[:MAX_ID])
    counterparty = str(transaction.get("counterparty_name") or "")
    if counterparty:
        party = w.add(w.add(details, "RltdPties"), "Dbtr" if is_credit else "Cdtr")
        w.add(party, "Nm", counterparty[:MAX_TEXT])
    remittance = str(transaction.get("remittance_info") or "")
    if remittance:
        w.add(w.add(details, "RmtInf"), "Ustrd", remittance[:MAX_TEXT])


@dataclass(frozen=True)
class RemoteFile:
    path: str  # from the SFTP root, with a leading slash
    size: int
    mtime: float

    def as_json(self) -> Record:
        return {
            "path": self.path,
            "size": self.size,
            "modified_at": iso_z(dt.datetime.fromtimestamp(self.mtime, tz=UTC)),
        }


class StatementBox:
    """The directory tree the SFTP server serves, and the bank's drops into it."""

    def __init__(self, state_dir: Path) -> None:
        self.root = state_dir / "sftp"
        self.root.mkdir(parents=True, exist_ok=True)
        self._ledger = state_dir / "dropped.txt"
        self._lock = threading.Lock()
        self._dropped: set[str] = set()
        if self._ledger.is_file():
            self._dropped = {line for line in self._ledger.read_text().splitlines() if line}

    def clear(self) -> None:
        """Empty the tree and forget what was dropped (the sandbox's reset)."""
        with self._lock:
            for child in self.root.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
            self._dropped.clear()
            self._ledger.unlink(missing_ok=True)

    def drop_statements(self, state: SandboxState) -> list[str]:
        """Write the camt.053 of every account and booked day before today not dropped yet.
        Returns the paths written. Idempotent: each (account, day) is dropped once."""
        today = state.options.seed_day()
        now = dt.datetime.now(UTC)
        with state.lock:
            accounts = [dict(a) for a in state.bank_accounts.values()]
            booked = {a["iban"]: [dict(t) for t in state.transactions.get(a["iban"], [])] for a in accounts}
        written: list[str] = []
        with self._lock:
            for account in accounts:
                for day, opening, transactions in _closed_days(account, booked[account["iban"]], today):
                    path = f"/{bank_folder(account)}/{statement_name(account['iban'], day)}"
                    if path in self._dropped:
                        continue
                    created_at = statement_created_at(day, now=now)
                    data = build_camt053(account, day, transactions, opening=opening, created_at=created_at)
                    self._write(path, data, mtime=created_at.timestamp())
                    written.append(path)
            if written:
                self._dropped.update(written)
                with self._ledger.open("a") as ledger:
                    ledger.writelines(f"{path}\n" for path in written)
        return written

    def put(self, path: str, data: bytes, *, age_seconds: float = 0.0) -> RemoteFile:
        """Place any file (a test's), modified `age_seconds` ago."""
        mtime = dt.datetime.now(UTC).timestamp() - age_seconds
        with self._lock:
            self._write(path, data, mtime=mtime)
        return RemoteFile(path=self._clean(path), size=len(data), mtime=mtime)

    def listing(self, prefix: str = "/") -> list[RemoteFile]:
        files = []
        for local in sorted(self.root.rglob("*")):
            if local.is_file():
                stat = local.stat()
                path = "/" + local.relative_to(self.root).as_posix()
                if path.startswith(prefix):
                    files.append(RemoteFile(path=path, size=stat.st_size, mtime=stat.st_mtime))
        return files

    def _write(self, path: str, data: bytes, *, mtime: float) -> None:
        target = self.local(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.part")
        partial.write_bytes(data)
        os.utime(partial, (mtime, mtime))
        partial.replace(target)

    def local(self, path: str) -> Path:
        """The local file behind an SFTP path; ValueError when it would leave the root."""
        clean = self._clean(path)
        target = (self.root / clean.lstrip("/")).resolve()
        if target == self.root.resolve() or not target.is_relative_to(self.root.resolve()):
            raise ValueError(f"{path} is not a file path inside the SFTP root")
        return target

    @staticmethod
    def _clean(path: str) -> str:
        parts = [p for p in path.split("/") if p not in ("", ".")]
        if not parts or ".." in parts:
            raise ValueError(f"{path} is not a file path inside the SFTP root")
        return "/" + "/".join(parts)


def _closed_days(
    account: Record, transactions: Iterable[Record], today: dt.date
) -> Iterable[tuple[dt.date, Decimal, list[Record]]]:
    """(day, opening balance, the day's transactions) for each booked day before today."""
    by_day: dict[str, list[Record]] = defaultdict(list)
    for transaction in transactions:
        by_day[transaction["booking_date"]].append(transaction)
    balance = Decimal(account["opening_balance"])
    for day_text in sorted(by_day):
        day_transactions = sorted(by_day[day_text], key=lambda t: t["id"])
        day = dt.date.fromisoformat(day_text)
        if day < today:
            yield day, balance, day_transactions
        balance += sum((Decimal(t["amount"]) for t in day_transactions), Decimal(0))
