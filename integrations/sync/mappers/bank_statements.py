"""Bank API transactions and balances → statements.

Kept simple: one BankStatement per account and booking day (format "api", external id
"API-<iban>-<date>", or "API-<account number>-<date>" for an account without an IBAN), each
transaction one StatementLine appended in arrival order; the closing
booked balance (CLBD) of a day becomes that statement's closing balance. The statements read
the same tables as imported camt.053 files, so bank reconciliation treats them alike.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F

from finops.audit.context import current_correlation_id
from finops.masterdata.bank_identifiers import BankCodeKind
from finops.masterdata.models import BankAccount
from finops.treasury.models import BankStatement, CreditDebit, StatementLine
from integrations.connectors.base import Applied, ApplyContext, MappingError
from integrations.states import ApplyOutcome
from integrations.sync.mappers import fields

API_FORMAT = "api"


def _account(ctx: ApplyContext, payload: dict[str, Any], *, where: str) -> BankAccount:
    """The record's account ("account": an IBAN, or an account number with its "routing_number"
    when the bank gave one) among the connector entity's own."""
    key = fields.text(payload, "account", where=where, max_length=34)
    own = BankAccount.objects.filter(entity=ctx.connector.entity)
    account = own.filter(iban=key).first()
    if account is None:
        by_number = own.filter(iban="", account_number=key)
        routing = fields.text(payload, "routing_number", where=where, required=False, max_length=9)
        if routing:
            by_number = by_number.filter(bank_code_kind=BankCodeKind.ABA, bank_code=routing)
        account = by_number.order_by("pk").first()
    if account is None:
        raise MappingError(f"{where}: {key} is not one of {ctx.connector.entity.code}'s bank accounts.")
    return account


def _statement(ctx: ApplyContext, account: BankAccount, day: dt.date, currency: str) -> BankStatement:
    statement, _ = BankStatement.objects.get_or_create(
        bank_account=account,
        format=API_FORMAT,
        external_id=f"API-{account.iban or account.account_number}-{day:%Y-%m-%d}",
        defaults={
            "entity": account.entity,
            "source": ctx.source,
            "statement_on": day,
            "currency": currency,
            "correlation_id": current_correlation_id(),
        },
    )
    return BankStatement.objects.select_for_update().get(pk=statement.pk)


@transaction.atomic
def transaction_apply(ctx: ApplyContext, payload: dict[str, Any]) -> Applied:
    """Append one booked transaction to its day's statement. Idempotency is the ledger's: a
    transaction id is applied once (VersionPolicy.IMMUTABLE)."""
    txn_id = fields.text(payload, "id", where="transaction", max_length=128)
    where = f"transaction {txn_id}"
    account = _account(ctx, payload, where=where)
    currency = fields.currency(payload, where=where)
    signed = fields.required_amount(payload, "amount", where=where)
    booked = fields.date(payload, "booking_date", where=where)
    statement = _statement(ctx, account, booked, currency)
    if statement.currency != currency:
        raise MappingError(f"{where}: currency {currency} differs from the account's statement ({statement.currency}).")
    credit = signed >= 0
    line = StatementLine.objects.create(
        statement=statement,
        line_no=statement.entry_count + 1,
        amount=abs(signed),
        currency=currency,
        credit_debit=CreditDebit.CREDIT if credit else CreditDebit.DEBIT,
        booking_on=booked,
        value_on=fields.date(payload, "value_date", where=where) if payload.get("value_date") else booked,
        account_servicer_ref=txn_id,
        end_to_end_id=fields.text(payload, "end_to_end_id", where=where, required=False, max_length=140),
        counterparty_name=fields.text(payload, "counterparty_name", where=where, required=False),
        description=fields.text(payload, "remittance_info", where=where, required=False, max_length=2000),
    )
    BankStatement.objects.filter(pk=statement.pk).update(
        entry_count=F("entry_count") + 1,
        total_credits=F("total_credits") + (abs(signed) if credit else Decimal(0)),
        total_debits=F("total_debits") + (Decimal(0) if credit else abs(signed)),
    )
    return Applied(line, ApplyOutcome.CREATED)


@transaction.atomic
def balance_apply(ctx: ApplyContext, payload: dict[str, Any]) -> Applied:
    """A closing booked balance (CLBD) sets its day's closing balance; other types are only kept
    in the ledger (VersionPolicy.LATEST: the bank's latest figure wins)."""
    where = f"balance {payload.get('id')}"
    account = _account(ctx, payload, where=where)
    kind = fields.text(payload, "type", where=where, max_length=4)
    if kind != "CLBD":
        return Applied(None, ApplyOutcome.UNCHANGED)
    amount = fields.required_amount(payload, "amount", where=where)
    statement = _statement(
        ctx, account, fields.date(payload, "date", where=where), fields.currency(payload, where=where)
    )
    if statement.closing_balance == amount:
        return Applied(statement, ApplyOutcome.UNCHANGED)
    BankStatement.objects.filter(pk=statement.pk).update(closing_balance=amount)
    return Applied(statement, ApplyOutcome.UPDATED)
