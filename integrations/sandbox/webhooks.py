"""The billing platform and the payment gateway: they tell the control tower what happened by
sending signed webhooks to the URL subscribed through /_sandbox/{system}/subscriptions."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import ipaddress
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final
from urllib.parse import urlsplit

from integrations.sandbox.exchange import FieldError, HttpError, Request, Response, dump_json, json_body, json_response
from integrations.sandbox.faults import DELIVERY_KINDS, Fault, delivery_path, header_fault
from integrations.sandbox.money import gateway_fee, money
from integrations.sandbox.names import ENTITIES, HOME_ENTITY
from integrations.sandbox.signing import signature_header
from integrations.sandbox.state import Record, SandboxState
from integrations.sandbox.validation import choice, text, whole_number

EVENT_TYPES: Final = {
    "billing": ("invoice.issued", "invoice.paid"),
    "gateway": ("payment.succeeded", "payment.refunded"),
}
HEADER_PREFIX: Final = {"billing": "Billing", "gateway": "Gateway"}
MAX_SECRETS: Final = 5
MAX_EVENTS: Final = 100
USER_AGENT: Final = "FCT-Sandbox-Webhooks/1.0"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A receiver that redirects is misconfigured; report its 3xx rather than re-POST elsewhere.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxies: deliveries go to a receiver on this machine, whatever the environment says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def subscribe(state: SandboxState, request: Request) -> Response:
    system = request.params["system"]
    body = json_body(request)
    url = text(body, "url", max_length=2000)
    _check_url(url, state.options.webhook_hosts)
    if "secrets" in body:
        secrets = body["secrets"]
        if (
            not isinstance(secrets, list)
            or not 1 <= len(secrets) <= MAX_SECRETS
            or not all(isinstance(s, str) and s for s in secrets)
        ):
            raise FieldError("secrets", f"secrets must be a list of 1 to {MAX_SECRETS} non-empty strings")
    else:
        secrets = [text(body, "secret", max_length=500)]
    with state.lock:
        state.subscriptions[system] = {"url": url, "secrets": list(secrets)}
    return json_response(200, {"system": system, "url": url, "secrets": len(secrets)})


def unsubscribe(state: SandboxState, request: Request) -> Response:
    with state.lock:
        state.subscriptions.pop(request.params["system"], None)
    return json_response(200, {"system": request.params["system"], "url": None})


def emit(state: SandboxState, request: Request) -> Response:
    """Create `count` events now and deliver them one by one, synchronously; answers with a JSON
    list of {event_id, status_code} in delivery order."""
    system = request.params["system"]
    body = json_body(request)
    kind = choice(body, "type", EVENT_TYPES[system])
    count = whole_number(body, "count", default=1, low=1, high=MAX_EVENTS)
    overrides = body.get("data", {})
    if not isinstance(overrides, dict):
        raise FieldError("data", "data must be an object of fields to put into each event's data")
    fault = header_fault(request.header("X-Sandbox-Fault"), DELIVERY_KINDS) or state.faults.take(
        delivery_path(system), DELIVERY_KINDS
    )
    with state.lock:
        subscription = state.subscriptions.get(system)
        if subscription is None:
            raise HttpError(409, f"no subscription for {system}: POST /_sandbox/{system}/subscriptions first")
        subscription = copy.deepcopy(subscription)
        events = [_event(state, system, kind, overrides) for _ in range(count)]
    deliveries = _arrange(events, fault)
    if fault is not None and fault.wait_seconds and state.stopping.wait(fault.wait_seconds):
        raise HttpError(503, "the sandbox is shutting down")
    results = [
        deliver(system, subscription, event_id, payload, timeout=state.options.webhook_timeout_seconds)
        for event_id, payload in deliveries
    ]
    return json_response(200, results)


def _arrange(events: list[tuple[str, bytes]], fault: Fault | None) -> list[tuple[str, bytes]]:
    if fault is None:
        return events
    if fault.kind == "out_of_order":
        return list(reversed(events))
    if fault.kind == "duplicate":
        return [event for event in events for _ in range(2)]
    return events


def deliver(system: str, subscription: Record, event_id: str, payload: bytes, *, timeout: float) -> Record:
    """POST one event to the subscriber, signed with every secret of the subscription."""
    prefix = HEADER_PREFIX[system]
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        f"{prefix}-Signature": signature_header(subscription["secrets"], payload, int(time.time())),
        f"{prefix}-Event-Id": event_id,
    }
    outgoing = urllib.request.Request(subscription["url"], data=payload, headers=headers, method="POST")  # noqa: S310 - scheme checked in _check_url
    try:
        with _OPENER.open(outgoing, timeout=timeout) as answer:
            return {"event_id": event_id, "status_code": answer.status}
    except urllib.error.HTTPError as exc:
        return {"event_id": event_id, "status_code": exc.code}
    except (urllib.error.URLError, OSError) as exc:
        return {"event_id": event_id, "status_code": None, "error": str(getattr(exc, "reason", exc))}


def _check_url(url: str, extra_hosts: tuple[str, ...]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FieldError("url", "url must be an http or https URL")
    host = parts.hostname
    if host in ("localhost", *extra_hosts):
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    # The sandbox sends only where it is told to; keeping that to this machine means a sandbox
    # left listening cannot be used to reach other hosts.
    raise FieldError("url", f"webhooks go to loopback hosts only (or --webhook-host): {host} is not one")


# --- events -----------------------------------------------------------------------------------


def _event(state: SandboxState, system: str, kind: str, overrides: Record) -> tuple[str, bytes]:
    state.event_count += 1
    n = state.event_count
    event_id = "evt_" + hashlib.sha256(f"{state.generation}:{system}:{n}".encode()).hexdigest()[:24]
    rng = random.Random(f"{state.options.seed}:{system}:{n}")  # noqa: S311 - seeded on purpose
    data = {**BUILDERS[kind](state, rng), **overrides}
    event = {"id": event_id, "type": kind, "created": int(time.time()), "data": data}
    return event_id, dump_json(event)


def _invoice_issued(state: SandboxState, rng: random.Random) -> Record:
    customers = sorted(
        (c for c in state.collections["customers"].all() if c["status"] == "active"), key=lambda c: c["id"]
    )
    customer = rng.choice(customers)
    entity = ENTITIES[HOME_ENTITY.get(customer["country"], "DE01")]
    today = state.options.seed_day()
    amount = Decimal(rng.randrange(50_000, 2_500_000)) / 100
    invoice_id = state.mint("INV")
    invoice = {
        "id": invoice_id,
        "version": 1,
        "updated_at": state.stamp(),
        "direction": "AR",
        "number": f"{entity.ar_prefix}-{today.year}-{invoice_id.removeprefix('INV-')}",
        "counterparty_id": customer["id"],
        "entity": entity.code,
        "currency": entity.currency,
        "amount": money(amount),
        "open_amount": money(amount),
        "issue_date": today.isoformat(),
        "due_date": (today + dt.timedelta(days=30)).isoformat(),
        "po_number": None,
    }
    # What the billing platform issues is booked in the ERP too: the same invoice, same id.
    state.collections["invoices"].add(invoice)
    state.billed_invoices.append(invoice_id)
    return {**copy.deepcopy(invoice), "customer": copy.deepcopy(customer)}


def _invoice_paid(state: SandboxState, rng: random.Random) -> Record:
    invoice = _open_invoice(state, exclude=set())
    paid = invoice["open_amount"]
    paid_at = state.stamp()
    state.collections["invoices"].change(invoice, {"open_amount": "0.00"}, paid_at)
    return {
        "invoice_id": invoice["id"],
        "number": invoice["number"],
        "amount": paid,
        "currency": invoice["currency"],
        "paid_at": paid_at,
    }


def _payment_succeeded(state: SandboxState, rng: random.Random) -> Record:
    captured = {p["invoice_number"] for p in state.gateway_payments}
    invoice = _open_invoice(state, exclude=captured)
    amount = Decimal(invoice["open_amount"])
    fee = gateway_fee(amount, invoice["currency"])
    payment = {
        "payment_id": f"pay_{rng.getrandbits(64):016x}",
        "invoice_number": invoice["number"],
        "customer_id": invoice["counterparty_id"],
        "amount": money(amount),
        "currency": invoice["currency"],
        "fee": money(fee),
        "net": money(amount - fee),
        "captured_at": state.stamp(),
    }
    state.gateway_payments.append(payment)
    return dict(payment)


def _payment_refunded(state: SandboxState, rng: random.Random) -> Record:
    refundable = [p for p in state.gateway_payments if not p.get("refunded")]
    if not refundable:
        raise HttpError(409, "no captured gateway payment left to refund")
    original = refundable[-1]
    original["refunded"] = True
    # Signed from the merchant's balance: a refund takes the amount back out; the fee is not returned.
    amount = -Decimal(original["amount"])
    return {
        "payment_id": original["payment_id"],
        "invoice_number": original["invoice_number"],
        "customer_id": original["customer_id"],
        "amount": money(amount),
        "currency": original["currency"],
        "fee": "0.00",
        "net": money(amount),
        "captured_at": state.stamp(),
    }


def _open_invoice(state: SandboxState, *, exclude: set[str]) -> Record:
    """The invoice a customer pays next: the oldest one the billing platform issued, else the
    open AR invoice due first."""
    invoices = state.collections["invoices"]
    for invoice_id in state.billed_invoices:
        invoice = invoices.get(invoice_id)
        if invoice is not None and Decimal(invoice["open_amount"]) > 0 and invoice["number"] not in exclude:
            return invoice
    candidates = [
        i
        for i in invoices.all()
        if i["direction"] == "AR" and Decimal(i["open_amount"]) > 0 and i["number"] not in exclude
    ]
    if not candidates:
        raise HttpError(409, "no open AR invoice left to pay")
    return min(candidates, key=lambda i: (i["due_date"], i["id"]))


BUILDERS: Final[dict[str, Callable[[SandboxState, random.Random], Record]]] = {
    "invoice.issued": _invoice_issued,
    "invoice.paid": _invoice_paid,
    "payment.succeeded": _payment_succeeded,
    "payment.refunded": _payment_refunded,
}
