"""Idempotent POSTs: a key names one request; its first successful answer is its answer for good.

Keyed by (Idempotency-Key, method, path). A replay with the same body gets the stored answer
with status 200; with a different body, 409. Only successful answers are stored, so a request
refused for a malformed body can be corrected and sent again under the same key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

from integrations.sandbox.exchange import FieldError, HttpError, Request, Response

HEADER: Final = "Idempotency-Key"
MAX_KEY_LENGTH: Final = 255
MAX_KEYS: Final = 100_000
REUSED: Final = "idempotency key reused with a different body"


@dataclasses.dataclass(frozen=True)
class StoredAnswer:
    fingerprint: str
    response: Response


def fingerprint(body: bytes) -> str:
    """The same JSON written with other spacing or key order is the same body; anything else
    is compared byte for byte."""
    try:
        # Numbers are kept as their literal text so that 1.50 and 1.5 stay different bodies.
        parsed = json.loads(body, parse_float=lambda s: f"float:{s}", parse_int=lambda s: f"int:{s}")
        canonical = json.dumps(parsed, sort_keys=True, separators=(",", ":")).encode()
    except (UnicodeDecodeError, json.JSONDecodeError):
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


class IdempotencyStore:
    """Callers hold the state lock around `run`, so that a key is looked up, processed and stored
    as one step and two concurrent requests with the same key cannot both be processed."""

    def __init__(self) -> None:
        self._answers: OrderedDict[tuple[str, str, str], StoredAnswer] = OrderedDict()

    def run(self, request: Request, process: Callable[[], Response]) -> Response:
        key = request.header(HEADER).strip()
        if not key:
            raise FieldError(HEADER, f"the {HEADER} header is required on this POST")
        if len(key) > MAX_KEY_LENGTH:
            raise FieldError(HEADER, f"{HEADER} is longer than {MAX_KEY_LENGTH} characters")
        slot = (key, request.method, request.path)
        digest = fingerprint(request.body)
        stored = self._answers.get(slot)
        if stored is not None:
            if stored.fingerprint != digest:
                raise HttpError(409, REUSED)
            first = stored.response
            return Response(200, first.body, first.content_type, [*first.headers, ("Idempotent-Replayed", "true")])
        response = process()
        if 200 <= response.status < 300:
            self._answers[slot] = StoredAnswer(digest, response)
            while len(self._answers) > MAX_KEYS:
                self._answers.popitem(last=False)
        return response

    def clear(self) -> None:
        self._answers.clear()
