"""The bank: accounts, balances and transactions, and the intake of pain.001 payment files
answered with a pain.002."""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from decimal import Decimal
from typing import Any, Final

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from integrations.sandbox.clock import parse_date, utc_now
from integrations.sandbox.exchange import FieldError, HttpError, Request, Response, json_response
from integrations.sandbox.money import money
from integrations.sandbox.paging import bend_page, page_request, paginate
from integrations.sandbox.payment_intake import ACCEPTED, IntakeError, aba_is_valid, assess, read_pain001
from integrations.sandbox.payment_status import RECEIVED, build_pain002
from integrations.sandbox.routing import Route, route
from integrations.sandbox.state import Record, SandboxState
from integrations.sandbox.validation import currency, text
from integrations.sandbox.validation import date as date_field
from integrations.sandbox.validation import money as money_field

MAX_HISTORY_DAYS: Final = 366
# A US account number: digits only, up to the 17 a NACHA entry has room for.
_ACCOUNT_NUMBER: Final = re.compile(r"[0-9]{4,17}")


def account_key(account: Record) -> str:
    """What the bank knows an account by: its IBAN, or its account number for an account
    without one (a US account, kept with its ABA routing number)."""
    return str(account.get("iban") or account["account_number"])


def _listed(account: Record) -> Record:
    if account.get("iban"):
        return {"iban": account["iban"], "currency": account["currency"], "name": account["name"]}
    return {
        "account_number": account["account_number"],
        "routing_number": account["routing_number"],
        "currency": account["currency"],
        "name": account["name"],
    }


def list_accounts(state: SandboxState, request: Request) -> Response:
    with state.lock:
        data = [_listed(a) for a in (*state.bank_accounts.values(), *state.number_accounts.values())]
    return json_response(200, {"data": data})


def account_balances(state: SandboxState, request: Request) -> Response:
    today = state.options.seed_day()
    with state.lock:
        account = _account(state, request.params["account"])
        transactions = state.transactions[account_key(account)]
        booked = Decimal(account["opening_balance"]) + sum(
            (Decimal(t["amount"]) for t in transactions if t["booking_date"] < today.isoformat()), Decimal(0)
        )
        today_total = sum(
            (Decimal(t["amount"]) for t in transactions if t["booking_date"] == today.isoformat()), Decimal(0)
        )
    closed_on = _previous_business_day(today).isoformat()
    code = account["currency"]
    known_until = account.get("known_until", "")
    if known_until and known_until < closed_on:
        # An account opened with a history ending in the past: the bank knows nothing of it
        # after that day, so it reports the balance it closed that day with, and nothing intraday.
        return json_response(200, {"data": _closing_balances(account, transactions, known_until)})
    data = [
        {"type": "CLBD", "amount": money(booked), "currency": code, "date": closed_on},
        {"type": "CLAV", "amount": money(booked), "currency": code, "date": closed_on},
        {"type": "ITBD", "amount": money(booked + today_total), "currency": code, "date": today.isoformat()},
    ]
    return json_response(200, {"data": data})


def _closing_balances(account: Record, transactions: list[Record], until: str) -> list[Record]:
    booked = Decimal(account["opening_balance"]) + sum(
        (Decimal(t["amount"]) for t in transactions if t["booking_date"] <= until), Decimal(0)
    )
    day = dt.date.fromisoformat(until)
    while day.weekday() >= 5:  # the last business day of the history
        day -= dt.timedelta(days=1)
    code = account["currency"]
    return [
        {"type": kind, "amount": money(booked), "currency": code, "date": day.isoformat()} for kind in ("CLBD", "CLAV")
    ]


def account_transactions(state: SandboxState, request: Request) -> Response:
    page = page_request(request)
    since = request.query.get("from", "")
    if since and parse_date(since) is None:
        raise FieldError("from", "from must be a date as YYYY-MM-DD")
    with state.lock:
        account = _account(state, request.params["account"])
        records = state.transactions[account_key(account)]
        data, next_cursor = paginate(records, lambda t: (t["booking_date"], t["id"]), page, lower_bound=since)
    return json_response(200, {"data": bend_page(request.fault, data), "next_cursor": next_cursor})


def submit_payment(state: SandboxState, request: Request) -> Response:
    try:
        payment = read_pain001(request.body, max_bytes=state.options.max_body_bytes)
    except IntakeError as exc:
        raise FieldError(exc.element, exc.message) from exc
    payment_id = state.mint("PMT")
    decision = assess(
        payment, earlier_payment_id=state.message_ids.get(payment.message_id), refused=state.refused_accounts
    )
    now = utc_now()
    report_id = f"STS-{payment_id}"
    state.message_ids.setdefault(payment.message_id, payment_id)
    state.payments[payment_id] = {
        "payment_id": payment_id,
        "message_id": payment.message_id,
        "status": decision.status,
        "pain002": build_pain002(payment, decision, report_id=report_id, created_at=now).decode(),
        "received_pain002": build_pain002(payment, None, report_id=report_id, created_at=now).decode(),
        "ready_at": time.monotonic() + state.options.bank_processing_seconds,
        "received_at": now.isoformat(),
    }
    # Accepted transfers from one of the bank's own accounts show up on its statement at once,
    # so that bank reconciliation has something to find.
    for block in decision.blocks:
        account = state.bank_accounts.get(block.block.debtor_iban)
        for status in block.transfers:
            transfer = status.transfer
            if account is None or status.status != ACCEPTED or transfer.currency != account["currency"]:
                continue
            _book(
                state,
                account,
                amount=-transfer.amount,
                end_to_end_id=transfer.end_to_end_id,
                counterparty_name=transfer.creditor_name,
                remittance_info=transfer.remittance_info,
                value_on=parse_date(block.block.execution_on),
            )
    return json_response(202, {"payment_id": payment_id, "status": RECEIVED})


def payment_status(state: SandboxState, request: Request) -> Response:
    with state.lock:
        payment = state.payments.get(request.params["payment_id"])
        if payment is None:
            raise HttpError(404, f"no payment {request.params['payment_id']}")
        if time.monotonic() < payment["ready_at"]:
            status, report = RECEIVED, payment["received_pain002"]
        else:
            status, report = payment["status"], payment["pain002"]
    return json_response(200, {"payment_id": payment["payment_id"], "status": status, "pain002": report})


def add_transaction(state: SandboxState, body: Record) -> Record:
    """A transaction on one of the bank's accounts, for tests (POST /_sandbox/bank/transactions):
    the account given by `iban`, or by `account_number` for an account without one."""
    field = "iban" if "iban" in body or "account_number" not in body else "account_number"
    key = text(body, field, max_length=34)
    account = state.bank_accounts.get(_compact(key)) if field == "iban" else state.number_accounts.get(_compact(key))
    if account is None:
        raise FieldError(field, f"no account {key} at this bank")
    amount = money_field(body, "amount", allow_negative=True)
    booking_on = date_field(body, "booking_date") if "booking_date" in body else state.options.seed_day()
    value_on = date_field(body, "value_date") if "value_date" in body else booking_on
    return _book(
        state,
        account,
        amount=amount,
        end_to_end_id=str(body.get("end_to_end_id") or "NOTPROVIDED"),
        counterparty_name=str(body.get("counterparty_name") or ""),
        remittance_info=str(body.get("remittance_info") or ""),
        booking_on=booking_on,
        value_on=value_on,
    )


def add_account(state: SandboxState, body: Record) -> tuple[Record, bool]:
    """Open (or rename) an account at the bank, for a demo or test whose own accounts should be
    served here (POST /_sandbox/bank/accounts). Returns the account and whether it is new.

    With `history` {from, to, closing_balance?} the bank books its usual traffic on the account's
    business days from..to (before today), the same for the same account and range, so that its
    API and its statement files have something to tell. History is booked only on an account
    without transactions: opening the account again changes its name, nothing else.

    An account without an IBAN (a US one) is opened with `account_number` and `routing_number`
    instead, and is known by its account number from then on."""
    identity = _identity(body)
    key = account_key(identity)
    code = currency(body)
    name = text(body, "name", max_length=140)
    opening = money_field(body, "opening_balance", allow_negative=True) if "opening_balance" in body else Decimal(0)
    history = _history_request(state, body.get("history"))
    accounts = state.bank_accounts if "iban" in identity else state.number_accounts
    existing = accounts.get(key)
    if existing is not None:
        existing.update({"currency": code, "name": name})
        if "opening_balance" in body or not state.transactions[key]:
            existing["opening_balance"] = money(opening)
        if history is not None and not state.transactions[key]:
            _book_history(state, existing, *history)
        return existing, False
    account = {
        **identity,
        "bic": str(body.get("bic") or ""),
        "currency": code,
        "name": name,
        "entity": str(body.get("entity") or ""),
        "purpose": "",
        "opening_balance": money(opening),
        "opening_on": state.options.seed_day().isoformat(),
    }
    accounts[key] = account
    state.transactions[key] = []
    if history is not None:
        _book_history(state, account, *history)
    return account, True


def _identity(body: Record) -> Record:
    """{iban} or {account_number, routing_number} of an account to open, checked."""
    has_iban, has_number = bool(body.get("iban")), bool(body.get("account_number"))
    if has_iban == has_number:
        field = "account_number" if has_iban else "iban"
        raise FieldError(field, "give either iban or account_number (with routing_number), not both or neither")
    if has_iban:
        iban = _compact(text(body, "iban", max_length=42))
        try:
            IBAN(iban)
        except SchwiftyException as exc:
            raise FieldError("iban", f"{iban} is not a valid IBAN ({exc})") from exc
        return {"iban": iban}
    number = _compact(text(body, "account_number", max_length=34))
    if not _ACCOUNT_NUMBER.fullmatch(number):
        raise FieldError("account_number", "account_number must be 4 to 17 digits")
    routing = _compact(text(body, "routing_number", max_length=9))
    if not aba_is_valid(routing):
        raise FieldError("routing_number", f"{routing} is not an ABA routing number (9 digits, valid check digit)")
    return {"account_number": number, "routing_number": routing}


def _history_request(state: SandboxState, value: Any) -> tuple[dt.date, dt.date, Decimal | None] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FieldError("history", "history must be an object {from, to, closing_balance?}")
    first, last = date_field(value, "from"), date_field(value, "to")
    if not first <= last < state.options.seed_day():
        raise FieldError("history", "history needs from <= to, both before today")
    if (last - first).days > MAX_HISTORY_DAYS:
        raise FieldError("history", f"history covers at most {MAX_HISTORY_DAYS} days")
    closing = money_field(value, "closing_balance", allow_negative=True) if "closing_balance" in value else None
    return first, last, closing


def _book_history(state: SandboxState, account: Record, first: dt.date, last: dt.date, closing: Decimal | None) -> None:
    """Customer transfers in, supplier payments out and the monthly account fee, on each business
    day first..last. Drawn from a generator seeded by the account and the range, with ids made of
    them too, so a restarted sandbox books the very same transactions. With a closing balance,
    the opening balance is what makes the last day close at it."""
    rng = random.Random(f"fct-sandbox:{state.options.seed}:{account_key(account)}:{first}:{last}")  # noqa: S311
    customers = sorted(state.collections["customers"].all(), key=lambda c: c["id"])
    suppliers = sorted(state.collections["suppliers"].all(), key=lambda s: s["id"])
    booked: list[Record] = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            booked += _history_day(rng, account, day, customers, suppliers)
        day += dt.timedelta(days=1)
    if closing is not None:
        account["opening_balance"] = money(closing - sum((Decimal(t["amount"]) for t in booked), Decimal(0)))
    account["opening_on"] = first.isoformat()
    account["known_until"] = last.isoformat()
    state.transactions[account_key(account)].extend(booked)


def _history_day(
    rng: random.Random, account: Record, day: dt.date, customers: list[Record], suppliers: list[Record]
) -> list[Record]:
    moves: list[tuple[Decimal, str, str]] = []
    for _ in range(rng.randint(1, 3)):
        customer = rng.choice(customers)
        amount = Decimal(rng.randrange(45_000, 2_400_000)) / 100
        moves.append((amount, customer["name"], f"Payment {customer['id']} {day:%d.%m.%Y}"))
    for _ in range(rng.randint(0, 2)):
        supplier = rng.choice(suppliers)
        amount = Decimal(rng.randrange(30_000, 1_800_000)) / 100
        moves.append((-amount, supplier["name"], f"Supplier payment {supplier['id']} {day:%m/%Y}"))
    if day.day <= 3 and all(d.weekday() >= 5 for d in _days_of_month_before(day)):
        fee = Decimal(rng.randrange(4_000, 19_000)) / 100
        moves.append((-fee, "", "Account maintenance and transaction fees"))
    tag = account_key(account)[-10:]
    return [
        {
            "id": f"TX-{day:%Y%m%d}-{tag}-{n:02d}",
            "booking_date": day.isoformat(),
            "value_date": day.isoformat(),
            "amount": money(amount),
            "currency": account["currency"],
            "end_to_end_id": "NOTPROVIDED",
            "counterparty_name": counterparty,
            "remittance_info": remittance,
        }
        for n, (amount, counterparty, remittance) in enumerate(moves, 1)
    ]


def _days_of_month_before(day: dt.date) -> list[dt.date]:
    return [day.replace(day=d) for d in range(1, day.day)]


def _book(
    state: SandboxState,
    account: Record,
    *,
    amount: Decimal,
    end_to_end_id: str,
    counterparty_name: str,
    remittance_info: str,
    booking_on: dt.date | None = None,
    value_on: dt.date | None = None,
) -> Record:
    booking_on = booking_on or state.options.seed_day()
    transaction = {
        "id": state.mint("TX"),
        "booking_date": booking_on.isoformat(),
        "value_date": max(value_on or booking_on, booking_on).isoformat(),
        "amount": money(amount),
        "currency": account["currency"],
        "end_to_end_id": end_to_end_id,
        "counterparty_name": counterparty_name,
        "remittance_info": remittance_info,
    }
    state.transactions[account_key(account)].append(transaction)
    return transaction


def refuse_account(state: SandboxState, body: Record) -> Record:
    """From now on, transfers to this creditor account are rejected with `reason` (e.g. AC04 for a
    closed account, AG01 for a transaction the account may not receive). The caller holds the lock."""
    account = text(body, "account", max_length=34).replace(" ", "").upper()
    reason = text(body, "reason", max_length=4)
    if not re.fullmatch(r"[A-Z0-9]{4}", reason):
        raise FieldError("reason", "reason must be an ISO 20022 status reason code such as AC04")
    info = str(body.get("info") or f"transfers to {account} are refused ({reason})")[:105]
    state.refused_accounts[account] = (reason, info)
    return {"account": account, "reason": reason, "info": info}


def _account(state: SandboxState, key: str) -> Record:
    """An account by its IBAN, or by its account number when it has no IBAN."""
    account = state.bank_accounts.get(_compact(key)) or state.number_accounts.get(_compact(key))
    if account is None:
        raise HttpError(404, f"no account {key} at this bank")
    return account


def _compact(iban: str) -> str:
    return iban.replace(" ", "").upper()


def _previous_business_day(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


ROUTES: tuple[Route, ...] = (
    route("GET", "/bank/v1/accounts", list_accounts),
    route("GET", "/bank/v1/accounts/{account}/balances", account_balances),
    route("GET", "/bank/v1/accounts/{account}/transactions", account_transactions, is_paged=True),
    route("POST", "/bank/v1/payments", submit_payment, is_idempotent=True),
    route("GET", "/bank/v1/payments/{payment_id}", payment_status),
)
