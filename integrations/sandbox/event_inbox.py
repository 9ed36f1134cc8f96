"""A downstream subscriber of the control tower's canonical events (a data warehouse, say):
POST /warehouse/v1/events takes an event signed with FCT-Signature, checks the signature and its
age, and records each event id once; a redelivery is answered 200 "duplicate"."""

from __future__ import annotations

import hmac
import time

from integrations.sandbox.exchange import HttpError, Request, Response, json_body, json_response
from integrations.sandbox.routing import Route, route
from integrations.sandbox.signing import signature
from integrations.sandbox.state import SandboxState
from integrations.sandbox.validation import text

SIGNATURE_HEADER = "FCT-Signature"
EVENT_ID_HEADER = "FCT-Event-Id"
TOLERANCE_SECONDS = 300


def _signed(secret: str, body: bytes, header: str, now: int) -> bool:
    parts = [part.strip().partition("=") for part in header.split(",")]
    stamps = [value for key, _, value in parts if key == "t" and value.isdigit()]
    candidates = [value for key, _, value in parts if key == "v1" and value]
    if len(stamps) != 1 or not candidates or abs(now - int(stamps[0])) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, body, int(stamps[0]))
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


def receive(state: SandboxState, request: Request) -> Response:
    with state.lock:
        secret = state.event_inbox_secret
    if not secret:
        raise HttpError(409, "no signing secret is configured: POST /_sandbox/event-inbox/secret first")
    if not _signed(secret, request.body, request.header(SIGNATURE_HEADER), int(time.time())):
        raise HttpError(401, f"{SIGNATURE_HEADER} does not match the body, or its timestamp is stale")
    event = json_body(request)
    event_id = request.header(EVENT_ID_HEADER) or str(event.get("id", ""))
    if not event_id:
        raise HttpError(400, f"no event id ({EVENT_ID_HEADER} header or body id)")
    with state.lock:
        if event_id in state.event_inbox:
            return json_response(200, {"status": "duplicate", "event_id": event_id})
        state.event_inbox[event_id] = {
            "event_id": event_id,
            "type": event.get("type"),
            "entity": event.get("entity"),
            "correlation_id": event.get("correlation_id"),
            "received_at": state.stamp(),
            "event": event,
        }
    return json_response(200, {"status": "received", "event_id": event_id})


def set_secret(state: SandboxState, request: Request) -> Response:
    secret = text(json_body(request), "secret", max_length=200)
    with state.lock:
        state.event_inbox_secret = secret
    return json_response(200, {"status": "configured"})


def listing(state: SandboxState, request: Request) -> Response:
    kind = request.query.get("type", "")
    with state.lock:
        events = [e for e in state.event_inbox.values() if not kind or e["type"] == kind]
    return json_response(200, events)


ROUTES: tuple[Route, ...] = (
    route("POST", "/warehouse/v1/events", receive, is_business=False),
    route("POST", "/_sandbox/event-inbox/secret", set_secret, is_business=False),
    route("GET", "/_sandbox/event-inbox", listing, is_business=False),
)
