"""What the banks booked in the statement window: customer receipts, supplier payments, unapplied
cash, direct debits, payroll and fees, each as it will read on a statement line."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from finops.demo.names import DIRECT_DEBITS
from finops.demo.seed.context import amount_between, chance, month_name
from finops.demo.seed.entities import ENTITIES, OWN_ACCOUNTS, own_account
from finops.demo.seed.identifiers import account_display
from finops.demo.seed.invoices import InvoiceDraft
from finops.demo.seed.parties import Parties
from finops.masterdata.models import BankAccount, Counterparty
from finops.treasury.models import StatementLine


@dataclass(eq=False)
class CashEvent:
    """One booking the bank will report on a statement line."""

    account: str  # own account external id
    day: dt.date
    is_credit: bool
    amount: Decimal
    code: str  # bank transaction code, camt Domain/Family/SubFamily
    description: str
    end_to_end_id: str = ""
    counterparty_name: str = ""
    counterparty_account: str = ""
    is_matched: bool = False
    flag: str = ""  # "unapplied" | "unbooked": the line becomes an exception
    counterparty: Counterparty | None = None
    line: StatementLine | None = None


def _receipt_text(country: str, draft: InvoiceDraft) -> str:
    name = draft.counterparty.name
    return {
        "DE": f"SEPA-Gutschrift {name} Rechnung {draft.number}",
        "GB": f"FASTER PAYMENT RECEIVED {name.upper()} REF {draft.number}",
        "US": f"ACH CREDIT {name.upper()} CCD REMIT {draft.number}",
    }[country]


def _payment_text(country: str, draft: InvoiceDraft) -> str:
    name = draft.counterparty.name
    return {
        "DE": f"SEPA-Überweisung {name} Re. {draft.number}",
        "GB": f"FASTER PAYMENT {name.upper()} INV {draft.number}",
        "US": f"ACH PMT {name.upper()} INV {draft.number}",
    }[country]


CODES = {
    "DE": {"receipt": "PMNT/RCDT/ESCT", "payment": "PMNT/ICDT/ESCT", "debit": "PMNT/RDDT/ESDD"},
    "GB": {"receipt": "PMNT/RCDT/DMCT", "payment": "PMNT/ICDT/DMCT", "debit": "PMNT/RDDT/PMDD"},
    "US": {"receipt": "PMNT/RCDT/ACDT", "payment": "PMNT/ICDT/ACDT", "debit": "PMNT/RDDT/ADBT"},
}
FEE_CODE, PAYROLL_CODE, SWEEP_CODE = "ACMT/MDOP/CHRG", "PMNT/ICDT/SALA", "CAMT/ACCB/SWEP"
FEES = {
    "DE": ("Entgelt Zahlungsverkehr", ("4.90", "7.35", "12.50", "23.80")),
    "GB": ("SERVICE CHARGES", ("4.25", "8.50", "15.00")),
    "US": ("WIRE TRANSFER FEE", ("15.00", "25.00", "35.00")),
}
PAYROLL = {
    "DE": ("SEPA-Sammelüberweisung Lohn/Gehalt {month}", "362000", "398000"),
    "GB": ("BACS PAYROLL {month}", "214000", "236000"),
    "US": ("ADP PAYROLL NET PAY {month}", "288000", "315000"),
}
UNAPPLIED = {
    "DE": "SEPA-Gutschrift {name} Zahlung lt. Avis",
    "GB": "BACS CREDIT {name} PAYMENT ON ACCOUNT",
    "US": "ACH CREDIT {name} CCD PAYMENT",
}
UNAPPLIED_PER_ENTITY = {"DE01": 2, "GB01": 1, "US01": 1}


def customer_receipt_events(
    rng: random.Random, sales: list[InvoiceDraft], own: dict[str, BankAccount], parties: Parties
) -> list[CashEvent]:
    events = []
    for d in sales:
        if d.cash_on is None:
            continue
        purpose = "collections" if chance(rng, 80) else "operating"
        e2e = d.number if chance(rng, 50) else ("NOTPROVIDED" if d.spec.country == "DE" else "")
        events.append(
            CashEvent(
                account=own_account(own, d.spec.code, purpose).external_id,
                day=d.cash_on,
                is_credit=True,
                amount=d.cash_amount,
                code=CODES[d.spec.country]["receipt"],
                description=_receipt_text(d.spec.country, d),
                end_to_end_id=e2e,
                counterparty_name=d.counterparty.name,
                counterparty_account=account_display(parties.account_of[d.counterparty.pk]),
                is_matched=d.cash_matched,
            )
        )
    return events


def supplier_payment_events(
    rng: random.Random, purchases: list[InvoiceDraft], own: dict[str, BankAccount], parties: Parties
) -> list[CashEvent]:
    return [
        CashEvent(
            account=own_account(own, d.spec.code, "operating").external_id,
            day=d.cash_on,
            is_credit=False,
            amount=d.cash_amount,
            code=CODES[d.spec.country]["payment"],
            description=_payment_text(d.spec.country, d),
            end_to_end_id=f"NLC-{d.external_id}",
            counterparty_name=d.counterparty.name,
            counterparty_account=account_display(parties.account_of[d.counterparty.pk]),
            is_matched=chance(rng, 25),
        )
        for d in purchases
        if d.cash_on is not None
    ]


def unapplied_cash_events(
    rng: random.Random, own: dict[str, BankAccount], parties: Parties, window: list[dt.date]
) -> list[CashEvent]:
    """Customer money without any invoice reference: someone has to find out what it pays."""
    events = []
    for spec in ENTITIES:
        for _ in range(UNAPPLIED_PER_ENTITY[spec.code]):
            customer = rng.choice(parties.customers[spec.code])
            name = customer.name if spec.country == "DE" else customer.name.upper()
            events.append(
                CashEvent(
                    account=own_account(own, spec.code, "collections").external_id,
                    day=rng.choice(window[:-1]),
                    is_credit=True,
                    amount=amount_between(rng, "1800", "24000"),
                    code=CODES[spec.country]["receipt"],
                    description=UNAPPLIED[spec.country].format(name=name),
                    counterparty=customer,
                    end_to_end_id="NOTPROVIDED" if spec.country == "DE" else "",
                    counterparty_name=customer.name,
                    counterparty_account=account_display(parties.account_of[customer.pk]),
                    flag="unapplied",
                )
            )
    return events


def direct_debit_events(rng: random.Random, own: dict[str, BankAccount], window: list[dt.date]) -> list[CashEvent]:
    """Utilities and insurers collect by direct debit; the first one per company has no booking yet."""
    events = []
    for spec in ENTITIES:
        for n, (payee, text, low, high) in enumerate(rng.sample(DIRECT_DEBITS[spec.country], 2)):
            day = rng.choice(window[:-2])
            events.append(
                CashEvent(
                    account=own_account(own, spec.code, "operating").external_id,
                    day=day,
                    is_credit=False,
                    amount=amount_between(rng, low, high),
                    code=CODES[spec.country]["debit"],
                    description=text.format(month=month_name(day)),
                    counterparty_name=payee,
                    flag="unbooked" if n == 0 and spec.code != "US01" else "",
                )
            )
    return events


def payroll_events(rng: random.Random, own: dict[str, BankAccount], window: list[dt.date]) -> list[CashEvent]:
    events = []
    for spec in ENTITIES:
        text, low, high = PAYROLL[spec.country]
        day = window[-3]
        events.append(
            CashEvent(
                account=own_account(own, spec.code, "operating").external_id,
                day=day,
                is_credit=False,
                amount=amount_between(rng, low, high),
                code=PAYROLL_CODE,
                description=text.format(month=month_name(day)),
                counterparty_name=f"{spec.name} payroll",
            )
        )
    return events


def fee_events(rng: random.Random, own: dict[str, BankAccount], window: list[dt.date]) -> list[CashEvent]:
    events = []
    for spec in OWN_ACCOUNTS:
        text, amounts = FEES[spec.country]
        events += [
            CashEvent(
                account=spec.external_id,
                day=day,
                is_credit=False,
                amount=Decimal(rng.choice(amounts)),
                code=FEE_CODE,
                description=text,
                counterparty_name=own[spec.external_id].bank_name,
            )
            for day in window
            if chance(rng, 40)
        ]
    return events
