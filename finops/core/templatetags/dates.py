"""Dates and times: ISO dates that never wrap, times in the site's zone with the zone named.

    {{ invoice.due_on|day }}              2026-11-20
    {{ event.occurred_at|when }}          2026-11-20 14:03 UTC
    {{ event.occurred_at|when:"s" }}      2026-11-20 14:03:05 UTC
    {{ connector.last_success_at|ago }}   3 hours ago  (the exact time as its title)

Each renders a <time datetime="…"> element; the date and the clock time are each kept on one
line (a narrow column may put the time under the date, never split a date).
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

register = template.Library()


def as_datetime(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and value:
        parsed = parse_datetime(value.strip())
        if parsed is None:
            return None
        moment = parsed
    else:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)  # storage is UTC; a naive value is a UTC one
    return timezone.localtime(moment)


def as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        moment = as_datetime(value)
        return moment.date() if moment else None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        text = value.strip()
        return parse_date(text[:10]) if len(text) >= 10 and text[4] == "-" else None
    return None


def _zone(moment: dt.datetime) -> str:
    return moment.tzname() or timezone.get_current_timezone_name()


def when_text(value: object, precision: str = "") -> str | None:
    moment = as_datetime(value)
    if moment is None:
        return None
    clock = "%H:%M:%S" if precision == "s" else "%H:%M"
    return f"{moment:%Y-%m-%d} {moment.strftime(clock)} {_zone(moment)}"


@register.filter
def day(value: object) -> SafeString | str:
    date = as_date(value)
    if date is None:
        return "" if value in (None, "") else format_html("{}", value)
    return format_html('<time class="date" datetime="{0}">{0}</time>', date.isoformat())


@register.filter
def when(value: object, precision: str = "") -> SafeString | str:
    """A moment in the current zone (UTC unless the site says otherwise), the zone named.
    precision "s" adds seconds."""
    moment = as_datetime(value)
    if moment is None:
        return "" if value in (None, "") else format_html("{}", value)
    clock = "%H:%M:%S" if precision == "s" else "%H:%M"
    return format_html(
        '<time class="when" datetime="{}"><span>{}</span> <span>{} {}</span></time>',
        moment.isoformat(),
        f"{moment:%Y-%m-%d}",
        moment.strftime(clock),
        _zone(moment),
    )


@register.filter
def ago(value: object) -> SafeString | str:
    moment = as_datetime(value)
    if moment is None:
        return ""
    return format_html(
        '<time class="ago" datetime="{}" title="{}">{} ago</time>',
        moment.isoformat(),
        when_text(moment),
        timesince(moment),
    )
