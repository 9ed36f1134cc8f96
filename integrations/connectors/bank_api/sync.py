"""The bank pull: for each of our accounts the bank lists, its balances, then its transactions
since the account's high-water mark (a booking date; the bank's `from` is inclusive, so the last
day is read again and its transactions count as duplicates)."""

from __future__ import annotations

import datetime as dt
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


def _accounts(ctx: RunContext, listed: list[dict[str, Any]]) -> list[str]:
    ibans = [str(a.get("iban", "")) for a in listed if isinstance(a, dict)]
    wanted = set(ctx.mapping.get("accounts") or ibans)
    ours = set(BankAccount.objects.filter(entity=ctx.connector.entity, iban__in=ibans).values_list("iban", flat=True))
    return [iban for iban in ibans if iban in wanted and iban in ours]


def _first_day(ctx: RunContext) -> str:
    configured = ctx.mapping.get("transactions_from") or ""
    return configured or (timezone.now().date() - dt.timedelta(days=30)).isoformat()


def pull(ctx: RunContext) -> None:
    client = ctx.client()
    listed = client.get_json("/bank/v1/accounts", envelope=data_envelope)["data"]
    for iban in _accounts(ctx, listed):
        balances_key = f"balances:{iban}"
        if not ctx.resource_state(balances_key).get("done"):
            balances = client.get_json(balances_path(iban), envelope=data_envelope)["data"]
            records = [
                {**b, "id": f"{iban}:{b.get('type')}:{b.get('date')}", "account": iban}
                for b in balances
                if isinstance(b, dict)
            ]
            ctx.apply_records(BALANCES, records, mark_field="date")
            ctx.page_done(balances_key, cursor=None)
        _transactions(ctx, client, iban)


def _transactions(ctx: RunContext, client: Any, iban: str) -> None:
    key = f"transactions:{iban}"
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
        request = {"method": "GET", "path": transactions_path(iban), "params": params, "extra": {"account": iban}}
        try:
            page = client.get_json(request["path"], params=params, envelope=page_envelope)
        except MalformedResponse as exc:
            ctx.page_failed("transactions", request=request, raw=exc.raw, error=str(exc), attempts=exc.attempts)
            return
        records = [{**t, "account": iban} for t in page["data"] if isinstance(t, dict)]
        ctx.apply_records(TRANSACTIONS, records, mark_field="booking_date")
        ctx.set_mark(key, max((r.get("booking_date", "") for r in records), default=since))
        cursor = page.get("next_cursor")
        ctx.page_done(key, cursor=cursor, total=page_total(page))
        if cursor is None:
            return
