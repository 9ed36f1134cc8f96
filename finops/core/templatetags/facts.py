"""Stored facts (exception details, import summaries, audit before/after) shown to people:
each key gets a label, each value its formatting, never a raw key or a Python literal.

    <dl class="facts">{% facts item.detail currency=item.currency skip="statement,file" %}</dl>
    {{ "end_to_end_id"|field_label }}        End-to-end id

`facts` writes <dt>/<dd> pairs for a <dl class="facts">. Amount keys are shown as money (in the
given currency, or the mapping's own "currency"), dates and moments as dates and times, states by
their label, lists joined, {currency: amount} maps as totals and long text folded away.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from django import template
from django.apps import apps
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from finops.core.templatetags.badges import state_words
from finops.core.templatetags.dates import day, when
from finops.core.templatetags.money import money_html, parse_money
from finops.core.templatetags.quantities import quantity
from finops.core.templatetags.records import record_ref

register = template.Library()

FIELD_LABELS = {
    "account_number": "Account number",
    "bank_api": "Bank API",
    "bic": "BIC",
    "change_code": "Change code",
    "control_sum": "Total",
    "corrected_data": "Corrected data",
    "correlation_id": "Correlation id",
    "crm_activity_id": "CRM activity",
    "end_to_end_id": "End-to-end id",
    "erp": "In the ERP",
    "erp_document_id": "ERP document",
    "expected_closing": "Opening + credits − debits",
    "external_id": "External id",
    "iban": "IBAN",
    "idempotency_key": "Idempotency key",
    "inbound_file": "Bank file",
    "invoiced_net": "Invoiced (net)",
    "last run": "Last run",
    "last_error": "Last error",
    "line_no": "Line",
    "open_amount": "Open amount",
    "original_external_id": "Already received as",
    "original_invoice_id": "Original invoice",
    "original_state": "State of the original",
    "payer_reference": "Payer's reference",
    "po": "Purchase order",
    "procurement": "In procurement",
    "purchase_order": "Purchase order",
    "reason_code": "Reason code",
    "received_value": "Received value",
    "reported_in": "Reported in",
    "routing_number": "Routing number",
    "sha256": "SHA-256",
    "statement_on": "Statement date",
    "booking_on": "Booked on",
    "tax_amount": "Tax",
    "tax_id": "Tax id",
    "total_credits": "Credits",
    "total_debits": "Debits",
    "unknown_references": "Unknown references",
    "url": "URL",
}
MONEY_KEYS = frozenset(
    {
        "amount",
        "closing_balance",
        "control_sum",
        "credit",
        "credits",
        "debit",
        "debits",
        "difference",
        "expected_closing",
        "invoiced_net",
        "open_amount",
        "opening_balance",
        "paid",
        "received_value",
        "tax_amount",
        "total",
        "total_credits",
        "total_debits",
        "unit_price",
    }
)
MONEY_SUFFIXES = ("_amount", "_balance", "_sum", "_total")
# Keys that hold the primary key of another record: shown as a link to it.
REFERENCE_KEYS = {
    "inbound_file": "bankfiles.InboundFile",
    "last run": "integrations.SyncRun",
    "original_invoice_id": "invoicing.Invoice",
    "exception": "reconciliation.ExceptionItem",
}
LONG_TEXT = 160
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@register.filter
def field_label(key: str) -> str:
    """'total_credits' -> 'Credits'; unknown keys read as words: 'failure streak' -> 'Failure streak'."""
    text = str(key)
    return FIELD_LABELS.get(text) or text.replace("_", " ").strip().capitalize()


def is_money_key(key: str) -> bool:
    return key in MONEY_KEYS or key.endswith(MONEY_SUFFIXES)


def _is_totals(value: Mapping[str, Any]) -> bool:
    return bool(value) and all(_CURRENCY.match(str(k)) for k in value)


@lru_cache(maxsize=64)
def choice_labels(object_type: str) -> dict[str, dict[str, str]]:
    """The labels of every choice field of a model ('payables.PaymentBatch'), by field name:
    {"state": {"pending_approval": "Pending approval", …}, …}; empty for an unknown model."""
    try:
        fields = apps.get_model(object_type)._meta.get_fields()
    except (LookupError, ValueError):
        return {}
    return {
        field.name: {str(value): str(label) for value, label in field.flatchoices}
        for field in fields
        if getattr(field, "choices", None)
    }


def display_value(
    key: str, value: Any, *, currency: str = "", choices: Mapping[str, Mapping[str, str]] | None = None
) -> SafeString | str:
    """One stored value as people read it: `currency` formats amount keys, `choices` (from
    choice_labels) names the values of choice fields."""
    if value is None or value == "" or value == [] or value == {}:
        return mark_safe('<span class="muted">none</span>')
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        if _is_totals(value):
            return format_html_join(" · ", "{}", ((money_html(value[c], c),) for c in sorted(value)))
        inner = value.get("currency", currency) if isinstance(value.get("currency"), str) else currency
        return format_html_join(
            "; ",
            "{} {}",
            ((field_label(k), display_value(str(k), v, currency=inner)) for k, v in value.items() if k != "currency"),
        )
    if isinstance(value, list | tuple):
        return format_html_join(", ", "{}", ((display_value(key, v, currency=currency),) for v in value))
    if is_money_key(key) and parse_money(value, currency) is not None:
        return money_html(value, currency)
    if key in REFERENCE_KEYS and isinstance(value, int | str) and str(value).isdigit():
        return record_ref(REFERENCE_KEYS[key], value)
    labels = (choices or {}).get(key)
    if labels and str(value) in labels:
        return labels[str(value)]
    if key == "state" or key.endswith("_state"):
        return state_words(str(value))
    if isinstance(value, int):
        return quantity(value)
    text = str(value)
    if _ISO_DATE.match(text):
        return day(text)
    if _ISO_MOMENT.match(text):
        return when(text)
    if len(text) > LONG_TEXT or "\n" in text:
        lines = text.count("\n") + 1
        summary = f"{lines} lines" if lines > 1 else f"{len(text):,} characters"
        return format_html('<details class="long"><summary>Show ({})</summary><pre>{}</pre></details>', summary, text)
    return text


@register.filter
def fact(value: Any, key: str) -> SafeString | str:
    """One stored value shown as `facts` shows it: `{{ value|fact:key }}`."""
    return display_value(str(key), value)


@register.simple_tag
def facts(mapping: Mapping[str, Any] | None, currency: str = "", skip: str = "", object_type: str = "") -> SafeString:
    """<dt>/<dd> pairs of a stored mapping, in its order, leaving out the keys named in skip
    (comma-separated)."""
    if not mapping:
        return mark_safe("")
    left_out = {k.strip() for k in skip.split(",") if k.strip()}
    code = currency or (mapping.get("currency") if isinstance(mapping.get("currency"), str) else "") or ""
    labels = choice_labels(object_type) if object_type else {}
    rows: Iterable[tuple[str, SafeString | str]] = (
        (field_label(k), display_value(str(k), v, currency=code, choices=labels))
        for k, v in mapping.items()
        if k not in left_out
    )
    return format_html_join("\n", "<dt>{}</dt><dd>{}</dd>", rows)
