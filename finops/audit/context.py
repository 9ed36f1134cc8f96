"""The correlation id of the work in progress: a request, a task, an import.

Held in a contextvar so services deep down can stamp it on records and audit events without
every signature carrying it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import structlog

_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def current_correlation_id() -> str:
    value = _correlation_id.get()
    if value is None:
        value = uuid.uuid4().hex
        _correlation_id.set(value)
    return value


@contextmanager
def correlation(correlation_id: str | None = None) -> Iterator[str]:
    value = correlation_id or uuid.uuid4().hex
    token = _correlation_id.set(value)
    structlog.contextvars.bind_contextvars(correlation_id=value)
    try:
        yield value
    finally:
        _correlation_id.reset(token)
        structlog.contextvars.unbind_contextvars("correlation_id")
