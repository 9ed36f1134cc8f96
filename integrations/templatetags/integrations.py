from typing import Any

from django import template

from integrations.sync.failures import pretty

register = template.Library()


@register.filter
def pretty_json(value: Any) -> str:
    """A stored payload, indented for reading (autoescaped by the template)."""
    return pretty(value)
