"""`{% load finops %}`: the one way every screen shows values (STYLE.md, Screens).

A page never formats a figure, a date or a reference by hand; it uses these, each defined in its
own module here:

    money       {{ x.amount|money:x.currency }}  {{ x|amount:cur }}  {% money_totals by_currency %}
    quantities  {{ line.quantity|quantity }}  {{ run.received|quantity }}
    dates       {{ x.due_on|day }}  {{ x.created_at|when }}  {{ x.created_at|when:"s" }}  {{ x|ago }}
    records     {% record_link obj %}  {% record_ref type id text %}  {% search_link url_name number %}
    badges      {% state_badge obj %}  {% state_badge "matched" "reconciles" %}
    diffs       {% change_diff audit_event %}
    facts       <dl class="facts">{% facts mapping currency=… skip="a,b" %}</dl>  {{ key|field_label }}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from finops.core.templatetags import badges, dates, diffs, facts, money, quantities, records

register = template.Library()
for _module in (money, quantities, dates, records, badges, diffs, facts):
    register.filters.update(_module.register.filters)
    register.tags.update(_module.register.tags)


@register.filter
def get_item(mapping: Mapping[str, Any] | None, key: str) -> object:
    return mapping.get(key) if mapping else None


@register.filter
def action_label(action: str) -> str:
    """'pending_approval->approved' -> 'pending approval → approved'; 'access.granted' -> 'access granted'."""
    return action.replace("->", " → ").replace("_", " ").replace(".", " ")


@register.filter
def kind_template(folder: str, kind: str) -> list[str]:
    """The template for one kind of record in folder, falling back to folder/generic.html:
    `{% include "reconciliation/exception_kinds/"|kind_template:item.kind %}`."""
    return [f"{folder}{kind}.html", f"{folder}generic.html"]
