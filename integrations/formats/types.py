"""Frozen dataclasses every reader returns and every writer takes.

No Django here: these are plain values, built by pure functions from bytes. Amounts are
Decimal, never float; currencies are ISO 4217 codes; dates are dates and datetimes are
timezone-aware.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import TypeAlias


class CreditDebit(StrEnum):
    CREDIT = "CRDT"
    DEBIT = "DBIT"


@dataclass(frozen=True, slots=True)
class AccountRef:
    """The account a statement is about, as the bank names it."""

    iban: str = ""
    other_id: str = ""  # Othr/Id, MT940 :25:, BAI2 03 account number
    currency: str = ""
    bic: str = ""
    name: str = ""
    routing_number: str = ""

    @property
    def identifier(self) -> str:
        return self.iban or self.other_id


@dataclass(frozen=True, slots=True)
class Balance:
    """A balance the bank reports. amount is signed: a debit balance is negative."""

    type: str  # ISO code as given: OPBD, CLBD, PRCD, OPAV, CLAV, FWAV, ITBD; MT940 60F/60M/62F/62M/64/65 mapped to ISO
    amount: Decimal
    currency: str
    on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class TransactionDetail:
    """One transaction inside an entry (camt TxDtls); a batch entry has several."""

    amount: Decimal | None = None
    currency: str = ""
    end_to_end_id: str = ""
    tx_id: str = ""
    instruction_id: str = ""
    account_servicer_ref: str = ""
    uetr: str = ""
    mandate_id: str = ""
    creditor_ref: str = ""  # structured remittance reference (CdtrRefInf/Ref)
    remittance_info: str = ""  # unstructured, joined with a space
    counterparty_name: str = ""
    counterparty_iban: str = ""
    counterparty_account: str = ""
    counterparty_bic: str = ""
    return_reason: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """One booked (or pending) movement on the account.

    amount is the absolute entry amount in the entry's currency; the direction is
    credit_debit. A reversal keeps the direction the bank gives (camt: the reversal of a credit
    is booked as a DBIT with is_reversal=True; MT940 RC is a debit, RD a credit).
    """

    amount: Decimal
    currency: str
    credit_debit: CreditDebit
    is_reversal: bool = False
    status: str = "BOOK"  # BOOK, PDNG, INFO
    booking_on: dt.date | None = None
    value_on: dt.date | None = None
    account_servicer_ref: str = ""
    bank_ref: str = ""  # MT940 bank reference after //, BAI2 bank reference
    customer_ref: str = ""  # MT940 reference for the account owner, BAI2 customer reference
    bank_transaction_code: str = ""  # camt Domn/Fmly/SubFmlyCd joined with "/", or Prtry; MT940 N-code; BAI2 type code
    proprietary_code: str = ""
    description: str = ""  # AddtlNtryInf / MT940 :86: / BAI2 text
    details: tuple[TransactionDetail, ...] = ()
    line: int | None = None  # line in the source file where the entry starts, when known

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.credit_debit is CreditDebit.CREDIT else -self.amount

    @property
    def end_to_end_id(self) -> str:
        return next((d.end_to_end_id for d in self.details if d.end_to_end_id), "")


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement, report or notification for one account (camt Stmt/Rpt/Ntfctn, one MT940
    :20:..62: block, one BAI2 03..49 account)."""

    document_id: str  # camt Stmt/Id, Rpt/Id, Ntfctn/Id; MT940 :20:+:28C:; BAI2 file id + account
    account: AccountRef
    entries: tuple[Entry, ...] = ()
    balances: tuple[Balance, ...] = ()
    sequence: str = ""  # ElctrncSeqNb / LglSeqNb, MT940 :28C:
    created_at: dt.datetime | None = None
    from_at: dt.datetime | None = None
    to_at: dt.datetime | None = None
    declared_entry_count: int | None = None  # TxsSummry/TtlNtries/NbOfNtries; BAI2 item counts of the 100/400 summaries
    declared_entry_sum: Decimal | None = None
    line: int | None = None

    def balance(self, *types: str) -> Balance | None:
        """The first balance of the first type given that the statement carries."""
        for wanted in types:
            for bal in self.balances:
                if bal.type == wanted:
                    return bal
        return None

    @property
    def opening_balance(self) -> Balance | None:
        return self.balance("OPBD", "PRCD")

    @property
    def closing_balance(self) -> Balance | None:
        return self.balance("CLBD")

    @property
    def booked_entries(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.status == "BOOK")

    @property
    def reconciles(self) -> bool | None:
        """opening + credits - debits == closing; None when a balance is missing."""
        opening, closing = self.opening_balance, self.closing_balance
        if opening is None or closing is None:
            return None
        movement = sum((e.signed_amount for e in self.booked_entries), Decimal(0))
        return opening.amount + movement == closing.amount


@dataclass(frozen=True, slots=True)
class StatementStart:
    """A statement as far as it is read before its first entry; its entries follow one by one,
    then its StatementEnd. statement.entries is empty, and what the file gives only after the
    entries (an MT940 closing balance) is not there yet."""

    statement: Statement


@dataclass(frozen=True, slots=True)
class StatementEnd:
    """The statement complete but for its entries (statement.entries is empty): they were
    yielded one by one between its StatementStart and this."""

    statement: Statement


# What the streaming readers yield: for each statement, its start, its entries, its end. Memory
# stays flat whatever the size of a statement; the statement's totals come with its end.
StatementEvent: TypeAlias = StatementStart | Entry | StatementEnd


def statements_from(events: Iterable[StatementEvent]) -> Iterator[Statement]:
    """Whole statements (entries included) from a stream of statement events."""
    entries: list[Entry] = []
    for event in events:
        if isinstance(event, Entry):
            entries.append(event)
        elif isinstance(event, StatementStart):
            entries = []
        else:
            yield replace(event.statement, entries=tuple(entries))
            entries = []


def statement_events(statements: Iterable[Statement]) -> Iterator[StatementEvent]:
    """The events of statements read whole (BAI2, CSV), for a consumer of streamed statements."""
    for statement in statements:
        head = replace(statement, entries=())
        yield StatementStart(head)
        yield from statement.entries
        yield StatementEnd(head)


@dataclass(frozen=True, slots=True)
class BankFile:
    """A parsed statement-type file: camt.052/.053/.054, MT940, BAI2 or CSV."""

    format: str  # "camt.053", "camt.052", "camt.054", "mt940", "bai2", "csv"
    version: str = ""  # e.g. "001.02"; BAI2 "2"
    message_id: str = ""  # GrpHdr/MsgId; BAI2 file id; MT940 first :20:
    created_at: dt.datetime | None = None
    sender: str = ""
    receiver: str = ""
    statements: tuple[Statement, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StatusReason:
    code: str = ""  # StsRsnInf/Rsn/Cd or Prtry
    additional_info: str = ""


@dataclass(frozen=True, slots=True)
class TransactionStatus:
    status: str  # ACCP, ACSC, ACSP, ACTC, ACWC, PDNG, RJCT, ...
    payment_info_id: str = ""
    original_instruction_id: str = ""
    original_end_to_end_id: str = ""
    original_tx_id: str = ""
    amount: Decimal | None = None
    currency: str = ""
    reasons: tuple[StatusReason, ...] = ()


@dataclass(frozen=True, slots=True)
class PaymentInfoStatus:
    payment_info_id: str
    status: str = ""  # may be empty when only transactions carry a status
    reasons: tuple[StatusReason, ...] = ()
    transactions: tuple[TransactionStatus, ...] = ()


@dataclass(frozen=True, slots=True)
class PaymentStatusReport:
    """A parsed pain.002: group, payment-information and transaction level statuses."""

    message_id: str
    original_message_id: str
    version: str = ""
    created_at: dt.datetime | None = None
    initiating_party: str = ""
    original_message_type: str = ""
    group_status: str = ""
    group_reasons: tuple[StatusReason, ...] = ()
    payments: tuple[PaymentInfoStatus, ...] = ()
    warnings: tuple[str, ...] = ()
    format: str = "pain.002"

    @property
    def transactions(self) -> tuple[TransactionStatus, ...]:
        return tuple(t for p in self.payments for t in p.transactions)


# --- outbound payments -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    iban: str = ""
    bic: str = ""
    account_number: str = ""  # non-IBAN accounts (US)
    routing_number: str = ""  # ABA for US accounts
    country: str = ""
    address_lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CreditTransfer:
    end_to_end_id: str
    amount: Decimal
    currency: str
    creditor: Party
    remittance_info: str = ""
    instruction_id: str = ""


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    """What we send the bank: one pain.001 message with one payment-information block."""

    message_id: str
    payment_info_id: str
    created_at: dt.datetime
    execution_on: dt.date
    debtor: Party
    transfers: tuple[CreditTransfer, ...] = field(default_factory=tuple)
    initiating_party: str = ""
    batch_booking: bool = True
    charge_bearer: str = "SLEV"
    service_level: str = ""  # "SEPA" for SEPA credit transfers; empty otherwise
    local_instrument: str = ""  # e.g. "CCD" / "PPD" for US ACH over ISO
