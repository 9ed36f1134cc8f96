"""Bank API transactions and balances → statements, stored by the treasury service every path
uses (finops.treasury.statements): one BankStatement per account and booking day, each transaction
one StatementLine appended in arrival order and fingerprinted like a file's; the closing booked
balance (CLBD) of a day becomes that statement's closing balance. The statements read the same
tables as imported camt.053 files, so bank reconciliation treats them alike. The account is found
by the resolver bank files use (finops.treasury.accounts).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from finops.masterdata.models import BankAccount
from finops.treasury.accounts import own_accounts_named
from finops.treasury.statements import BookedTransaction, StatementRefused, closing_balance_book, transaction_book
from integrations.connectors.base import Applied, ApplyContext, MappingError
from integrations.formats.types import AccountRef
from integrations.states import ApplyOutcome
from integrations.sync.mappers import fields


def _account(ctx: ApplyContext, payload: dict[str, Any], *, where: str) -> BankAccount:
    """The record's account ("account": an IBAN, or an account number with its "routing_number"
    when the bank gave one) among the connector entity's own, as finops.treasury.accounts reads it."""
    key = fields.text(payload, "account", where=where, max_length=34)
    routing = fields.text(payload, "routing_number", where=where, required=False, max_length=9)
    ref = AccountRef(other_id=key, routing_number=routing)
    found = own_accounts_named(ref, entity_ids={ctx.connector.entity_id})
    if not found:
        raise MappingError(f"{where}: {key} is not one of {ctx.connector.entity.code}'s bank accounts.")
    if len(found) > 1:
        names = ", ".join(account.name for account in found)
        raise MappingError(f"{where}: {key} matches several of {ctx.connector.entity.code}'s bank accounts ({names}).")
    return found[0]


@transaction.atomic
def transaction_apply(ctx: ApplyContext, payload: dict[str, Any]) -> Applied:
    """Append one booked transaction to its day's statement (finops.treasury.statements.transaction_book).
    Idempotency is the ledger's: a transaction id is applied once (VersionPolicy.IMMUTABLE)."""
    txn_id = fields.text(payload, "id", where="transaction", max_length=128)
    where = f"transaction {txn_id}"
    booked_on = fields.date(payload, "booking_date", where=where)
    booked = BookedTransaction(
        account=_account(ctx, payload, where=where),
        reference=txn_id,
        amount=fields.required_amount(payload, "amount", where=where),
        currency=fields.currency(payload, where=where),
        booking_on=booked_on,
        value_on=fields.date(payload, "value_date", where=where) if payload.get("value_date") else booked_on,
        end_to_end_id=fields.text(payload, "end_to_end_id", where=where, required=False, max_length=140),
        counterparty_name=fields.text(payload, "counterparty_name", where=where, required=False),
        description=fields.text(payload, "remittance_info", where=where, required=False, max_length=2000),
    )
    try:
        line = transaction_book(booked, source=ctx.source)
    except StatementRefused as refused:
        raise MappingError(f"{where}: {refused.message}") from refused
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
    statement, changed = closing_balance_book(
        account=account,
        day=fields.date(payload, "date", where=where),
        currency=fields.currency(payload, where=where),
        amount=fields.required_amount(payload, "amount", where=where),
        source=ctx.source,
    )
    return Applied(statement, ApplyOutcome.UPDATED if changed else ApplyOutcome.UNCHANGED)
