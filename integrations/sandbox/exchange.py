"""The request and response values that flow between the HTTP server and the handlers."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

JSON_CONTENT_TYPE = "application/json"


@dataclasses.dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]  # keys lower-cased
    body: bytes
    params: dict[str, str] = dataclasses.field(default_factory=dict)  # taken from the path
    fault: str | None = None  # a page or delivery fault chosen for this request, applied by the handler

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclasses.dataclass
class Response:
    status: int
    body: bytes
    content_type: str = JSON_CONTENT_TYPE
    headers: Sequence[tuple[str, str]] = ()


class HttpError(Exception):
    """Stops a handler with an HTTP error answer: {"error": message, ...extra}."""

    def __init__(self, status: int, message: str, *, headers: Sequence[tuple[str, str]] = (), **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.payload: dict[str, Any] = {"error": message, **extra}
        self.headers = headers

    def response(self) -> Response:
        return json_response(self.status, self.payload, headers=self.headers)


class FieldError(HttpError):
    """422 naming the field at fault, as the contract promises for every malformed body."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(422, message, field=field)


def _default(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value:f}"
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dump_json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_default).encode()


def json_response(status: int, payload: Any, *, headers: Sequence[tuple[str, str]] = ()) -> Response:
    return Response(status, dump_json(payload), headers=headers)


def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object; 422 when it is not one. Numbers with a fraction stay exact."""
    try:
        payload = json.loads(request.body or b"null", parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FieldError(None, f"the body is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise FieldError(None, "the body must be a JSON object")
    return payload
