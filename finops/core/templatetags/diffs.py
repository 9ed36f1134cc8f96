"""A before/after change as sentences with labels, never a raw dictionary:

    {% change_diff event %}
      State changed from Pending approval to Approved.
      Approvals: 2.
      Mapping › page size changed from 100 to 250.

Works on anything with `before`, `after` and `object_type` (an AuditEvent). States are named by
the record kind's own labels, amounts formatted as money when the change names its currency.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from finops.core.templatetags.facts import choice_labels, display_value, field_label

register = template.Library()


def _currency(*mappings: Mapping[str, Any]) -> str:
    for mapping in mappings:
        code = mapping.get("currency")
        if isinstance(code, str):
            return code
    return ""


def change_sentences(
    before: Mapping[str, Any], after: Mapping[str, Any], *, object_type: str = "", prefix: str = ""
) -> Iterator[SafeString]:
    labels = choice_labels(object_type) if object_type else {}
    currency = _currency(after, before)
    is_snapshot = not before

    def shown(key: str, value: Any) -> SafeString | str:
        return display_value(key, value, currency=currency, choices=labels)

    def end(value: SafeString | str) -> str:
        return "" if str(value).rstrip().endswith((".", "!", "?")) else "."

    for key in [*before, *(k for k in after if k not in before)]:
        label = f"{prefix}{field_label(key)}"
        old, new = before.get(key), after.get(key)
        if key in before and key in after:
            if old == new:
                continue
            if isinstance(old, Mapping) and isinstance(new, Mapping):
                yield from change_sentences(old, new, object_type=object_type, prefix=f"{label} › ")
                continue
            new_shown = shown(key, new)
            yield format_html(
                "{} changed from <b>{}</b> to <b>{}</b>{}", label, shown(key, old), new_shown, end(new_shown)
            )
        elif key in after:
            new_shown = shown(key, new)
            template_ = "{}: <b>{}</b>{}" if is_snapshot else "{} set to <b>{}</b>{}"
            yield format_html(template_, label, new_shown, end(new_shown))
        elif after:
            yield format_html("{} cleared (was <b>{}</b>).", label, shown(key, old))
        else:
            old_shown = shown(key, old)
            yield format_html("{} was <b>{}</b>{}", label, old_shown, end(old_shown))


@register.simple_tag
def change_diff(event: Any) -> SafeString | str:
    before, after = event.before or {}, event.after or {}
    sentences = list(change_sentences(before, after, object_type=getattr(event, "object_type", "")))
    if not sentences:
        return ""
    return format_html('<ul class="diff">{}</ul>', format_html_join("", "<li>{}</li>", ((s,) for s in sentences)))
