"""Ten business days of camt.053 statements per own account: the day's bookings, cash sweeps,
balances chained from one day to the next, and one deliberate balance break."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from finops.demo.seed.bookings import (
    SWEEP_CODE,
    CashEvent,
    customer_receipt_events,
    direct_debit_events,
    fee_events,
    payroll_events,
    supplier_payment_events,
    unapplied_cash_events,
)
from finops.demo.seed.context import SOURCE, next_business_day
from finops.demo.seed.entities import ENTITIES, OWN_ACCOUNTS, EntitySpec, own_account
from finops.demo.seed.exceptions import Finding
from finops.demo.seed.identifiers import account_display
from finops.demo.seed.invoices import InvoiceDraft
from finops.demo.seed.parties import Parties
from finops.masterdata.models import BankAccount, LegalEntity
from finops.treasury.balances import balance_difference, balance_expected
from finops.treasury.models import BankStatement, CreditDebit, StatementLine, StatementLineState
from finops.treasury.statements import statements_store
from reconciliation.exceptions.states import ExceptionKind

# The one statement whose closing balance is off (a fee the bank booked but left out of the file).
BREAK_ACCOUNT = "HB-GB01-BARC"
BREAK_DAY_INDEX = 3
BREAK_AMOUNT = Decimal("18.40")


@dataclass
class Statements:
    statements: list[BankStatement]
    line_count: int
    findings: list[Finding]


def statements_create(
    rng: random.Random,
    entities: dict[str, LegalEntity],
    own: dict[str, BankAccount],
    parties: Parties,
    purchases: list[InvoiceDraft],
    sales: list[InvoiceDraft],
    window: list[dt.date],
) -> Statements:
    events = [
        *customer_receipt_events(rng, sales, own, parties),
        *supplier_payment_events(rng, purchases, own, parties),
        *unapplied_cash_events(rng, own, parties, window),
        *direct_debit_events(rng, own, window),
        *payroll_events(rng, own, window),
        *fee_events(rng, own, window),
    ]
    by_account_day: dict[tuple[str, dt.date], list[CashEvent]] = defaultdict(list)
    for event in events:
        by_account_day[(event.account, event.day)].append(event)
    statements, lines, findings = statements_build(rng, entities, own, by_account_day, window)
    statements_store(statements, lines)
    findings += statement_line_findings(events)
    return Statements(statements, len(lines), findings)


def statements_build(
    rng: random.Random,
    entities: dict[str, LegalEntity],
    own: dict[str, BankAccount],
    by_account_day: dict[tuple[str, dt.date], list[CashEvent]],
    window: list[dt.date],
) -> tuple[list[BankStatement], list[StatementLine], list[Finding]]:
    """Day by day: sweep surplus cash from collections to operating, then write each account's
    statement, its opening balance being the previous closing."""
    balance = {s.external_id: s.opening_balance for s in OWN_ACCOUNTS}
    statements: list[BankStatement] = []
    lines: list[StatementLine] = []
    findings: list[Finding] = []
    for index, day in enumerate(window):
        for spec in ENTITIES:
            sweep_events(own, by_account_day, spec, day, balance, is_sweep_day=index % 3 == 2)
        for account_spec in OWN_ACCOUNTS:
            events = by_account_day.get((account_spec.external_id, day), [])
            rng.shuffle(events)
            account = own[account_spec.external_id]
            statement = statement_write(account, entities[account_spec.entity], day, balance, events, index)
            if account_spec.external_id == BREAK_ACCOUNT and index == BREAK_DAY_INDEX:
                findings.append(balance_break(statement))
            statements.append(statement)
            lines += [e.line for e in events if e.line is not None]
    return statements, lines, findings


def sweep_events(
    own: dict[str, BankAccount],
    by_account_day: dict[tuple[str, dt.date], list[CashEvent]],
    spec: EntitySpec,
    day: dt.date,
    balance: dict[str, Decimal],
    *,
    is_sweep_day: bool,
) -> None:
    if not is_sweep_day:
        return
    collections, operating = own_account(own, spec.code, "collections"), own_account(own, spec.code, "operating")
    day_events = by_account_day[(collections.external_id, day)]
    expected = balance[collections.external_id] + sum(
        (e.amount if e.is_credit else -e.amount for e in day_events), Decimal(0)
    )
    amount = (expected * Decimal("0.7") / 10000).to_integral_value(ROUND_DOWN) * 10000  # 30 % stays as a buffer
    if amount <= 0:
        return
    to_text, from_text = (
        ("Cash Pooling Übertrag auf", "Cash Pooling Übertrag von")
        if spec.country == "DE"
        else ("SWEEP TO", "SWEEP FROM")
    )
    reference = f"SWEEP-{spec.code}-{day:%Y%m%d}"
    day_events.append(
        CashEvent(
            account=collections.external_id,
            day=day,
            is_credit=False,
            amount=amount,
            code=SWEEP_CODE,
            description=f"{to_text} {account_display(operating)}",
            end_to_end_id=reference,
            counterparty_name=operating.name,
            counterparty_account=account_display(operating),
            is_matched=True,
        )
    )
    by_account_day[(operating.external_id, day)].append(
        CashEvent(
            account=operating.external_id,
            day=day,
            is_credit=True,
            amount=amount,
            code=SWEEP_CODE,
            description=f"{from_text} {account_display(collections)}",
            end_to_end_id=reference,
            counterparty_name=collections.name,
            counterparty_account=account_display(collections),
            is_matched=True,
        )
    )


def statement_write(
    account: BankAccount,
    entity: LegalEntity,
    day: dt.date,
    balance: dict[str, Decimal],
    events: list[CashEvent],
    index: int,
) -> BankStatement:
    credits = sum((e.amount for e in events if e.is_credit), Decimal(0))
    debits = sum((e.amount for e in events if not e.is_credit), Decimal(0))
    opening = balance[account.external_id]
    closing = balance_expected(opening, credits, debits)
    if account.external_id == BREAK_ACCOUNT and index == BREAK_DAY_INDEX:
        closing -= BREAK_AMOUNT  # the bank booked a charge but left its entry out of the file
    balance[account.external_id] = closing
    identifier = account.iban or account.account_number
    statement = BankStatement(
        source=SOURCE,
        external_id=f"STMT-{identifier}-{day:%Y%m%d}",
        entity=entity,
        bank_account=account,
        format="camt.053",
        sequence=f"{day:%Y}/{day.timetuple().tm_yday:03d}",
        statement_on=day,
        currency=account.currency,
        opening_balance=opening,
        closing_balance=closing,
        entry_count=len(events),
        total_credits=credits,
        total_debits=debits,
        created_at=dt.datetime.combine(next_business_day(day), dt.time(5, 40), tzinfo=dt.UTC),
    )
    statement.created_at = min(statement.created_at, timezone.now())
    statement.updated_at = statement.created_at
    bank_prefix = (account.bic or "BANK")[:4]
    for n, event in enumerate(events, start=1):
        event.line = StatementLine(
            statement=statement,
            line_no=n,
            amount=event.amount,
            currency=account.currency,
            credit_debit=CreditDebit.CREDIT if event.is_credit else CreditDebit.DEBIT,
            booking_on=day,
            value_on=day,
            account_servicer_ref=f"{bank_prefix}{day:%y%m%d}{index:02d}{n:04d}",
            end_to_end_id=event.end_to_end_id,
            bank_transaction_code=event.code,
            counterparty_name=event.counterparty_name,
            counterparty_account=event.counterparty_account,
            description=event.description,
            state=StatementLineState.MATCHED if event.is_matched else StatementLineState.UNMATCHED,
        )
    return statement


def balance_break(statement: BankStatement) -> Finding:
    assert statement.opening_balance is not None
    assert statement.closing_balance is not None
    expected = balance_expected(statement.opening_balance, statement.total_credits, statement.total_debits)
    difference = balance_difference(
        statement.opening_balance, statement.total_credits, statement.total_debits, statement.closing_balance
    )
    return Finding(
        entity=statement.entity,
        kind=ExceptionKind.BALANCE_MISMATCH,
        title=f"Statement {statement.external_id} does not balance: closing is {difference} "
        f"{statement.currency} below opening + entries",
        dedupe_key=f"{ExceptionKind.BALANCE_MISMATCH}:treasury.BankStatement:{SOURCE}:{statement.external_id}",
        detail={
            "statement": statement.external_id,
            "statement_on": statement.statement_on,
            "opening_balance": statement.opening_balance,
            "total_credits": statement.total_credits,
            "total_debits": statement.total_debits,
            "expected_closing": expected,
            "closing_balance": statement.closing_balance,
            "difference": difference,
        },
        obj=statement,
        amount=difference,
        currency=statement.currency,
    )


def statement_line_findings(events: list[CashEvent]) -> list[Finding]:
    findings = []
    for e in events:
        if not e.flag or e.line is None:
            continue
        statement = e.line.statement
        key = f"treasury.StatementLine:{SOURCE}:{statement.external_id}:{e.line.line_no}"
        money = f"{e.amount:,} {statement.currency}"
        if e.flag == "unapplied":
            kind = ExceptionKind.UNAPPLIED_CASH
            title = f"Receipt of {money} from {e.counterparty_name} names no invoice"
        else:
            kind = ExceptionKind.BANK_RECONCILIATION
            title = f"Debit of {money} to {e.counterparty_name} has no booking"
        findings.append(
            Finding(
                entity=statement.entity,
                kind=kind,
                title=title,
                dedupe_key=f"{kind}:{key}",
                detail={
                    "statement": statement.external_id,
                    "line_no": e.line.line_no,
                    "booking_on": e.day,
                    "description": e.description,
                    "counterparty": e.counterparty_name,
                },
                obj=e.line,
                amount=e.amount,
                currency=statement.currency,
            )
        )
    return findings
