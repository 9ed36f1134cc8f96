"""Keyset pagination with opaque cursors, and the page faults that bend it.

A cursor is the URL-safe base64 of the sort key of the last record served, [updated_at, id]
(or [booking_date, id] for bank transactions). Keyset paging means a record changed while a
client pages moves behind its cursor and is served again later, never skipped.
"""

from __future__ import annotations

import base64
import binascii
import copy
import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Any

from integrations.sandbox.exchange import FieldError, Request
from integrations.sandbox.validation import whole_number

Record = dict[str, Any]
SortKey = tuple[str, str]
DEFAULT_LIMIT = 100
MAX_LIMIT = 500


@dataclasses.dataclass(frozen=True)
class PageRequest:
    limit: int
    after: SortKey | None


def page_request(request: Request) -> PageRequest:
    limit = whole_number(request.query, "limit", default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
    cursor = request.query.get("cursor", "")
    return PageRequest(limit=limit, after=decode_cursor(cursor) if cursor else None)


def encode_cursor(key: SortKey) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> SortKey:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise FieldError("cursor", "cursor is not one this server issued") from exc
    if not (isinstance(key, list) and len(key) == 2 and all(isinstance(part, str) for part in key)):
        raise FieldError("cursor", "cursor is not one this server issued")
    return key[0], key[1]


def paginate(
    records: Sequence[Record], key: Callable[[Record], SortKey], page: PageRequest, *, lower_bound: str = ""
) -> tuple[list[Record], str | None]:
    """The page of records (copies) after page.after whose first key part is >= lower_bound,
    and the cursor for the next page (None on the last page)."""
    chosen: list[Record] = []
    for record in sorted(records, key=key):
        record_key = key(record)
        if record_key[0] < lower_bound or (page.after is not None and record_key <= page.after):
            continue
        chosen.append(record)
        if len(chosen) > page.limit:
            break
    has_more = len(chosen) > page.limit
    data = copy.deepcopy(chosen[: page.limit])
    next_cursor = encode_cursor(key(data[-1])) if has_more and data else None
    return data, next_cursor


def bend_page(
    kind: str | None, data: list[Record], older: Callable[[Record], Record | None] = lambda _: None
) -> list[Record]:
    """Apply a page fault: `duplicate` serves every record twice; `out_of_order` puts an older
    version of a record after the newer one (or, when no record has one, reverses the page)."""
    if kind == "duplicate":
        return data + copy.deepcopy(data)
    if kind == "out_of_order" and data:
        for record in reversed(data):
            earlier = older(record)
            if earlier is not None:
                return [*data, earlier]
        return list(reversed(data))
    return data
