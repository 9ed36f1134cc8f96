"""A record reference is a link to the record's own page, saying what people call the record.

    {% record_link invoice %}                               <a class="ref" href="/invoices/7/">INV-1001</a>
    {% record_link payment.batch "the batch" %}             the same with other words
    {% record_ref event.object_type event.object_id event.object_repr %}   by type label and id

A record kind gets its page here (PAGES, keyed by model label); a kind without a page yet is shown
as plain text with the same label, and becomes a link everywhere once its page is added here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import template
from django.apps import apps
from django.db.models import Model
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@dataclass(frozen=True)
class RecordPage:
    url_name: str | None  # reversed with the record's primary key; None: no page of its own
    label: Callable[[Any], str]
    url: Callable[[Any], str | None] | None = None  # when the page is not url_name(pk)


def _bank_account_url(account: Any) -> str:
    if account.entity_id:
        return reverse("masterdata:bankaccount-detail", args=[account.pk])
    return reverse("masterdata:counterparty-detail", args=[account.counterparty_id])


def _failure_url(failure: Any) -> str:
    if failure.run_id:
        return reverse("integrations:run-detail", args=[failure.run_id])
    return reverse("integrations:failure-list")


PAGES: dict[str, RecordPage] = {
    "invoicing.Invoice": RecordPage("invoicing:invoice-detail", lambda o: o.number),
    "payables.Payment": RecordPage("payables:payment-detail", lambda o: o.end_to_end_id),
    "payables.PaymentBatch": RecordPage("payables:batch-detail", lambda o: o.external_id),
    "payables.PurchaseOrder": RecordPage(None, lambda o: o.number),
    "payables.GoodsReceipt": RecordPage(None, lambda o: o.external_id),
    "treasury.BankStatement": RecordPage("treasury:statement-detail", lambda o: o.external_id),
    "treasury.StatementLine": RecordPage(
        None,
        lambda o: f"{o.statement.external_id} line {o.line_no}",
        url=lambda o: reverse("treasury:statement-detail", args=[o.statement_id]),
    ),
    "ledger.JournalEntry": RecordPage("ledger:journal-detail", lambda o: o.external_id),
    "masterdata.Counterparty": RecordPage("masterdata:counterparty-detail", lambda o: o.name),
    # by id alone the owner is unknown (our account or a counterparty's): linked from the object only
    "masterdata.BankAccount": RecordPage(None, lambda o: o.display_identifier, url=_bank_account_url),
    "masterdata.BankAccountChange": RecordPage(
        "masterdata:bankchange-detail", lambda o: f"bank details {o.display_identifier}"
    ),
    "masterdata.LegalEntity": RecordPage(None, lambda o: f"{o.code} {o.name}"),
    "reconciliation.ExceptionItem": RecordPage("reconciliation:exception-detail", lambda o: o.title),
    "integrations.Connector": RecordPage("integrations:connector-detail", lambda o: o.name),
    "integrations.SyncRun": RecordPage("integrations:run-detail", lambda o: f"Run {o.pk}"),
    "integrations.SyncFailure": RecordPage(None, lambda o: f"{o.resource}/{o.key}", url=_failure_url),
    "bankfiles.InboundFile": RecordPage("bankfiles:file-detail", lambda o: o.filename),
    "outbox.OutboxMessage": RecordPage(
        None, lambda o: f"{o.topic} #{o.pk}", url=lambda o: reverse("outbox:trace", args=[o.correlation_id])
    ),
    "outbox.WebhookSubscription": RecordPage("outbox:subscription-edit", lambda o: o.name),
    "receivables.Remittance": RecordPage(None, lambda o: o.payer_reference or o.external_id),
}


def _reverse(url_name: str, pk: object) -> str | None:
    try:
        return reverse(url_name, args=[pk])
    except NoReverseMatch:
        return None


def record_url(obj: Model) -> str | None:
    """The page of a record, or None when its kind has no page."""
    page = PAGES.get(obj._meta.label)
    if page is None:
        return obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else None
    if page.url is not None:
        return page.url(obj)
    return _reverse(page.url_name, obj.pk) if page.url_name else None


def record_label(obj: Model) -> str:
    page = PAGES.get(obj._meta.label)
    return str(page.label(obj) if page else obj)


def _link(url: str | None, text: str) -> SafeString:
    if url:
        return format_html('<a class="ref" href="{}">{}</a>', url, text)
    return format_html('<span class="ref">{}</span>', text)


@register.simple_tag
def record_link(obj: Model | None, text: str = "") -> SafeString | str:
    if obj is None or obj == "":
        return ""
    return _link(record_url(obj), text or record_label(obj))


def page_of(object_type: str, object_id: object) -> str | None:
    """The page of a record known by its model label and primary key, or None."""
    page = PAGES.get(object_type)
    return _reverse(page.url_name, object_id) if page and page.url_name and object_id not in (None, "") else None


@register.simple_tag
def record_ref(object_type: str, object_id: object, text: str = "") -> SafeString | str:
    """A link from a stored reference (audit events, exceptions): model label and primary key."""
    if not object_type or object_id in (None, ""):
        return format_html("{}", text) if text else ""
    return _link(page_of(object_type, object_id), text or f"{_noun(object_type)} {object_id}")


@register.filter
def record_noun(object_type: str) -> str:
    """What a kind of record is called: 'payables.PaymentBatch' -> 'payment batch'."""
    return _noun(str(object_type))


def _noun(object_type: str) -> str:
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type.rsplit(".", 1)[-1]


@register.simple_tag
def search_link(url_name: str, reference: object) -> SafeString | str:
    """A reference known only by its number (an invoice number in a remittance advice): a link to
    the list searched for it."""
    if reference in (None, ""):
        return ""
    query = urlencode({"q": str(reference)})
    return format_html('<a class="ref" href="{}?{}">{}</a>', reverse(url_name), query, reference)
