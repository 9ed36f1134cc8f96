"""One search over every kind of record a finance user looks up by what they have in hand: an
invoice or payment number, a counterparty's name, an IBAN, an amount, a statement or batch
reference. Each kind reads through its own app's entity-scoped selector, so a search never shows
what the user's list pages would not, and only for the kinds their role may open.

Every condition is served by an index (migration search/0001): trigram indexes for text that is
searched anywhere inside (numbers, names, references, IBANs) and b-tree indexes for amounts, so a
search costs a few index scans whatever the size of the tables (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from finops.accounts.models import User
from finops.invoicing.selectors import invoice_list
from finops.masterdata.models import BankAccount
from finops.masterdata.selectors import bank_account_list, counterparty_list
from finops.payables.selectors import batch_list, payment_list, purchase_order_list
from finops.search.query import SearchQuery
from finops.treasury.selectors import statement_line_list, statement_list

PER_KIND = 10


@dataclass(frozen=True)
class Hit:
    """One record found, with what tells it apart at a glance."""

    record: Any
    note: str = ""  # a counterparty, an account's owner, a line's payer
    amount: Decimal | None = None
    currency: str = ""
    on: dt.date | None = None
    entity: str = ""

    @property
    def state(self) -> Any:
        return self.record if hasattr(self.record, "get_state_display") else None


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    hits: list[Hit]
    has_more: bool
    list_url_name: str = ""  # the list that shows every match of the same text, if any


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    perms: tuple[str, ...]  # any one of these model permissions opens the kind
    find: Callable[[User, SearchQuery], QuerySet[Any]]
    hit: Callable[[Any], Hit]
    list_url_name: str = ""
    text_in_list: bool = field(default=False)


def _text(query: SearchQuery, *fields: str) -> Q:
    """Each word of the text inside one of the fields (case-insensitive)."""
    if not query.searches_text:
        return Q(pk__in=[])
    condition = Q()
    for word in query.text.split():
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    return condition


def _amount(query: SearchQuery, *fields: str, currency: str = "currency") -> Q:
    if not query.amounts:
        return Q(pk__in=[])
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__in": query.amounts})
    return condition & Q(**{currency: query.currency}) if query.currency else condition


def _roles(counterparty: Any) -> str:
    roles = [
        name
        for name, holds in (("supplier", counterparty.is_supplier), ("customer", counterparty.is_customer))
        if holds
    ]
    return " and ".join(roles).capitalize()


def _invoices(user: User, query: SearchQuery) -> QuerySet[Any]:
    found = _text(query, "number") | _amount(query, "amount", "open_amount")
    return invoice_list(user=user).filter(found).order_by("-issue_on", "-pk")


def _payments(user: User, query: SearchQuery) -> QuerySet[Any]:
    found = _text(query, "end_to_end_id") | _amount(query, "amount")
    return payment_list(user=user).filter(found).order_by("-created_at", "-pk")


def _batches(user: User, query: SearchQuery) -> QuerySet[Any]:
    found = _text(query, "external_id") | _amount(query, "control_sum")
    return batch_list(user=user).filter(found)


def _orders(user: User, query: SearchQuery) -> QuerySet[Any]:
    return purchase_order_list(user=user).filter(_text(query, "number"))


def _counterparties(user: User, query: SearchQuery) -> QuerySet[Any]:
    by_tax_id = Q(tax_id__iexact=query.compact) if query.searches_text else Q(pk__in=[])
    return counterparty_list(user=user).filter(_text(query, "name") | by_tax_id).order_by("name")


def _bank_accounts(user: User, query: SearchQuery) -> QuerySet[Any]:
    """Our accounts and the counterparties' (as far as the role shows either) by IBAN or account
    number, typed with or without spaces. The identifier narrows first (its indexes), then what
    the user may see is checked on the few accounts found."""
    if not query.searches_identifier:
        return BankAccount.objects.none()
    found = (
        Q(iban__contains=query.compact)
        | Q(account_number__icontains=query.compact)
        | Q(account_number__icontains=query.text)
    )
    visible = Q(pk__in=[])
    if user.has_perm("masterdata.view_bankaccount"):
        visible |= Q(pk__in=bank_account_list(user=user).filter(found).values("pk"))
    if user.has_perm("masterdata.view_counterparty"):
        visible |= Q(counterparty__in=counterparty_list(user=user).values("pk"))
    rows = BankAccount.objects.filter(found).filter(visible).select_related("entity", "counterparty")
    return rows.order_by("iban", "pk")


def _statements(user: User, query: SearchQuery) -> QuerySet[Any]:
    return statement_list(user=user).filter(_text(query, "external_id"))


def _statement_lines(user: User, query: SearchQuery) -> QuerySet[Any]:
    return statement_line_list(user=user).filter(_amount(query, "amount")).order_by("-statement__statement_on", "-pk")


KINDS: tuple[Kind, ...] = (
    Kind(
        "invoices",
        "Invoices",
        ("invoicing.view_invoice",),
        _invoices,
        lambda i: Hit(i, i.counterparty.name, i.amount, i.currency, i.issue_on, i.entity.code),
        "invoicing:invoice-list",
        text_in_list=True,
    ),
    Kind(
        "payments",
        "Payments",
        ("payables.view_payment",),
        _payments,
        lambda p: Hit(p, p.counterparty.name, p.amount, p.currency, None, p.entity.code),
        "payables:payment-list",
        text_in_list=True,
    ),
    Kind(
        "batches",
        "Payment batches",
        ("payables.view_paymentbatch",),
        _batches,
        lambda b: Hit(b, f"{b.payment_count} payments", b.control_sum, b.currency, b.execution_on, b.entity.code),
    ),
    Kind(
        "orders",
        "Purchase orders",
        ("payables.view_purchaseorder",),
        _orders,
        lambda o: Hit(o, o.supplier.name, o.amount, o.currency, o.ordered_on, o.entity.code),
        "payables:po-list",
        text_in_list=True,
    ),
    Kind(
        "counterparties",
        "Counterparties",
        ("masterdata.view_counterparty",),
        _counterparties,
        lambda c: Hit(c, _roles(c)),
        "masterdata:counterparty-list",
        text_in_list=True,
    ),
    Kind(
        "bank_accounts",
        "Bank accounts",
        ("masterdata.view_bankaccount", "masterdata.view_counterparty"),
        _bank_accounts,
        lambda a: Hit(
            a,
            f"{a.name} · ours" if a.entity_id else a.counterparty.name,
            currency=a.currency,
            entity=a.entity.code if a.entity_id else "",
        ),
    ),
    Kind(
        "statements",
        "Bank statements",
        ("treasury.view_bankstatement",),
        _statements,
        lambda s: Hit(s, s.bank_account.name, s.closing_balance, s.currency, s.statement_on, s.entity.code),
        "treasury:statement-list",
        text_in_list=True,
    ),
    Kind(
        "statement_lines",
        "Bank statement entries",
        ("treasury.view_bankstatement",),
        _statement_lines,
        lambda line: Hit(
            line,
            line.counterparty_name or line.description[:80],
            line.amount if line.credit_debit == "CRDT" else -line.amount,
            line.currency,
            line.booking_on,
            line.statement.entity.code,
        ),
    ),
)


def search(*, user: User, query: SearchQuery) -> list[Group]:
    """The records of each kind the user may open that match the query, at most PER_KIND of each;
    kinds without a match are left out."""
    if query.is_empty:
        return []
    groups = []
    for kind in KINDS:
        if not any(user.has_perm(perm) for perm in kind.perms):
            continue
        rows = list(kind.find(user, query)[: PER_KIND + 1])
        if rows:
            more_url = kind.list_url_name if kind.text_in_list and query.searches_text else ""
            hits = [kind.hit(row) for row in rows[:PER_KIND]]
            groups.append(Group(kind.key, kind.label, hits, len(rows) > PER_KIND, more_url))
    return groups
