"""Timestamps as the sandbox writes and reads them.

Every `updated_at` is written as `YYYY-MM-DDTHH:MM:SS.mmmZ`: one fixed width, so that the
strings sort in time order and a cursor can compare them as text.
"""

from __future__ import annotations

import datetime as dt
import threading

UTC = dt.UTC
_STEP = dt.timedelta(milliseconds=1)


def iso_z(moment: dt.datetime) -> str:
    """moment in UTC with milliseconds and a Z: 2026-03-01T09:30:00.000Z."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_instant(text: str) -> dt.datetime | None:
    """An ISO 8601 date or date-time as an aware UTC datetime; None when it is not one.

    A date-time without an offset is taken as UTC. A '+' that arrived unescaped in a query
    string reads as a space: it is put back, since `?updated_since=...+00:00` is a common slip.
    """
    candidate = text.strip().replace(" ", "+")
    if not candidate:
        return None
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def utc_now() -> dt.datetime:
    return dt.datetime.now(UTC)


class Clock:
    """Hands out strictly increasing millisecond timestamps, never earlier than `floor`.

    Two changes in the same millisecond would share an updated_at; a client that resumes
    from "updated_since = the last one I saw" must never skip the second, so each stamp is
    at least one millisecond after the previous one.
    """

    def __init__(self, floor: dt.datetime) -> None:
        self._last = _to_millisecond(floor.astimezone(UTC))
        self._lock = threading.Lock()

    def stamp(self) -> dt.datetime:
        with self._lock:
            now = _to_millisecond(utc_now())
            self._last = max(now, self._last + _STEP)
            return self._last


def _to_millisecond(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
