"""The bank pull: for each of our accounts the bank lists, its balances, then its transactions
since the account's high-water mark (a booking date; the bank's `from` is inclusive, so the last
day is read again and its transactions count as duplicates).

The bank lists an account by its IBAN, or one without an IBAN (a US account) by its account number
and routing number; that IBAN or account number is the account's id in the bank's paths, in the
records' "account" (with "routing_number" for an account number) and in the "accounts" mapping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from finops.masterdata.models import BankAccount
from integrations.connectors.bank_api.client import balances_path, data_envelope, transactions_path
from integrations.connectors.base import Resource, VersionPolicy
from integrations.sync.context import RunContext
from integrations.sync.http import MalformedResponse
from integrations.sync.mappers.bank_statements import balance_apply, transaction_apply
from integrations.sync.paging import page_envelope, page_total

BALANCES = Resource("balances", "", balance_apply, policy=VersionPolicy.LATEST)
TRANSACTIONS = Resource("transactions", "", transaction_apply, policy=VersionPolicy.IMMUTABLE)
RESOURCES = (BALANCES, TRANSACTIONS)


@dataclass(frozen=True)
class ListedAccount:
    key: str  # the IBAN, or the account number of an account without one
    routing_number: str = ""  # as the bank lists it, for an account number

    def tag(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record marked with the account it belongs to, for the mapper."""
        tagged = {**record, "account": self.key}
        if self.routing_number:
            tagged["routing_number"] = self.routing_number
        return tagged


def _accounts(ctx: RunContext, listed: list[dict[str, Any]]) -> list[ListedAccount]:
    """The listed accounts that are the connector entity's (by IBAN; by account number and, when
    the bank gives it, routing number) and that the "accounts" mapping names (blank: all)."""
    own = BankAccount.objects.filter(entity=ctx.connector.entity)
    ibans = set(own.exclude(iban="").values_list("iban", flat=True))
    numbers = {(a.account_number, a.routing_number) for a in own.filter(iban="").exclude(account_number="")}
    found: list[ListedAccount] = []
    for entry in listed:
        if not isinstance(entry, dict):
            continue
        iban, number = str(entry.get("iban") or ""), str(entry.get("account_number") or "")
        routing = str(entry.get("routing_number") or "")
        if iban:
            account, ours = ListedAccount(iban), iban in ibans
        elif number:
            account = ListedAccount(number, routing)
            ours = any(n == number and routing in ("", r) for n, r in numbers)
        else:
            continue
        if ours:
            found.append(account)
    wanted = set(ctx.mapping.get("accounts") or [])
    return [a for a in found if not wanted or a.key in wanted]


def _first_day(ctx: RunContext) -> str:
    configured = ctx.mapping.get("transactions_from") or ""
    return configured or (timezone.now().date() - dt.timedelta(days=30)).isoformat()


def pull(ctx: RunContext) -> None:
    client = ctx.client()
    listed = client.get_json("/bank/v1/accounts", envelope=data_envelope)["data"]
    for account in _accounts(ctx, listed):
        balances_key = f"balances:{account.key}"
        if not ctx.resource_state(balances_key).get("done"):
            balances = client.get_json(balances_path(account.key), envelope=data_envelope)["data"]
            records = [
                account.tag({**b, "id": f"{account.key}:{b.get('type')}:{b.get('date')}"})
                for b in balances
                if isinstance(b, dict)
            ]
            ctx.apply_records(BALANCES, records, mark_field="date")
            ctx.page_done(balances_key, cursor=None)
        _transactions(ctx, client, account)


def _transactions(ctx: RunContext, client: Any, account: ListedAccount) -> None:
    key = f"transactions:{account.key}"
    state = ctx.resource_state(key)
    if state.get("done"):
        return
    since = state.get("since") or _first_day(ctx)
    state["since"] = since
    cursor: str | None = state.get("cursor")
    while True:
        params: dict[str, Any] = {"from": since[:10], "limit": ctx.connector.page_size}
        if cursor:
            params["cursor"] = cursor
        request = {
            "method": "GET",
            "path": transactions_path(account.key),
            "params": params,
            "extra": account.tag({}),
        }
        try:
            page = client.get_json(request["path"], params=params, envelope=page_envelope)
        except MalformedResponse as exc:
            ctx.page_failed("transactions", request=request, raw=exc.raw, error=str(exc), attempts=exc.attempts)
            return
        records = [account.tag(t) for t in page["data"] if isinstance(t, dict)]
        ctx.apply_records(TRANSACTIONS, records, mark_field="booking_date")
        ctx.set_mark(key, max((r.get("booking_date", "") for r in records), default=since))
        cursor = page.get("next_cursor")
        ctx.page_done(key, cursor=cursor, total=page_total(page))
        if cursor is None:
            return
