"""The state of a record as a badge: the state's own label, coloured by what it means.

    {% state_badge batch %}                       the record's state and its display label
    {% state_badge "matched" "reconciles" %}      a state value and the words to show

Colours come from app.css (.badge-<state>): waiting (amber), moving (blue), done (green),
refused or failed (red); anything else is grey. The words always say the state, so colour is
never the only signal.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def state_words(state: str) -> str:
    return state.replace("_", " ").capitalize()


@register.simple_tag
def state_badge(subject: Any, label: str = "") -> SafeString | str:
    if subject is None or subject == "":
        return ""
    if isinstance(subject, str):
        state = subject
    else:
        state = str(subject.state)
        label = label or subject.get_state_display()
    return format_html('<span class="badge badge-{}">{}</span>', state, label or state_words(state))


@register.filter
def any_in_state(records: Any, states: str) -> bool:
    """Whether any record is in one of the states (comma-separated): `{% if notes|any_in_state:"pending" %}`,
    typically to keep polling while something is in flight."""
    wanted = {s.strip() for s in states.split(",")}
    return any(str(getattr(r, "state", "")) in wanted for r in records or ())
