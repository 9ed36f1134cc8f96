"""Billing and gateway webhooks: delivery to a real receiver, signatures, rotation, faults."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal
from typing import Any

from integrations.sandbox.testing import HttpAnswer, WebhookReceiver, http_call


def hook(base: str, path: str, body: Any, headers: dict[str, str] | None = None) -> HttpAnswer:
    return http_call("POST", f"{base}/_sandbox{path}", json_body=body, token=None, headers=headers)


def subscribe(base: str, system: str, receiver: WebhookReceiver, **secrets: Any) -> None:
    answer = hook(base, f"/{system}/subscriptions", {"url": receiver.url, **(secrets or {"secret": "whsec_1"})})
    assert answer.status == 200, answer.body


def v1_entries(header: str) -> tuple[int, list[str]]:
    parts = [p.split("=", 1) for p in header.split(",")]
    return int(next(v for k, v in parts if k == "t")), [v for k, v in parts if k == "v1"]


def test_an_emitted_event_arrives_signed_as_documented(sandbox: str, webhook_receiver: WebhookReceiver) -> None:
    subscribe(sandbox, "billing", webhook_receiver)

    emitted = hook(sandbox, "/billing/emit", {"type": "invoice.issued", "count": 1})

    assert emitted.status == 200
    [delivery] = webhook_receiver.deliveries
    assert emitted.json() == [{"event_id": delivery.headers["Billing-Event-Id"], "status_code": 200}]
    timestamp, [signature] = v1_entries(delivery.headers["Billing-Signature"])
    expected = hmac.new(b"whsec_1", f"{timestamp}.".encode() + delivery.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert abs(time.time() - timestamp) < 60
    event = json.loads(delivery.body)
    assert event["id"] == delivery.headers["Billing-Event-Id"]
    assert event["type"] == "invoice.issued"
    assert isinstance(event["created"], int)


def test_an_issued_invoice_is_an_ar_invoice_with_its_customer_and_appears_in_the_erp(
    sandbox: str, webhook_receiver: WebhookReceiver
) -> None:
    subscribe(sandbox, "billing", webhook_receiver)

    hook(sandbox, "/billing/emit", {"type": "invoice.issued", "count": 1})
    data = json.loads(webhook_receiver.deliveries[0].body)["data"]
    erp = http_call("GET", f"{sandbox}/erp/v1/invoices?updated_since={data['updated_at']}").json()["data"]

    assert data["direction"] == "AR"
    assert data["customer"]["id"] == data["counterparty_id"]
    assert {"id", "version", "updated_at", "number", "amount", "open_amount", "currency", "entity"} <= set(data)
    assert [i["id"] for i in erp] == [data["id"]]


def test_a_paid_invoice_and_a_gateway_payment_and_its_refund(sandbox: str, webhook_receiver: WebhookReceiver) -> None:
    subscribe(sandbox, "billing", webhook_receiver)
    subscribe(sandbox, "gateway", webhook_receiver, secret="gw_1")

    hook(sandbox, "/billing/emit", {"type": "invoice.issued", "count": 1})
    hook(sandbox, "/billing/emit", {"type": "invoice.paid", "count": 1})
    hook(sandbox, "/gateway/emit", {"type": "payment.succeeded", "count": 1})
    hook(sandbox, "/gateway/emit", {"type": "payment.refunded", "count": 1})
    issued, paid, succeeded, refunded = (json.loads(d.body)["data"] for d in webhook_receiver.deliveries)

    assert paid["invoice_id"] == issued["id"]
    assert paid["amount"] == issued["amount"]
    assert Decimal(succeeded["net"]) == Decimal(succeeded["amount"]) - Decimal(succeeded["fee"])
    assert Decimal(succeeded["fee"]) > 0
    assert refunded["payment_id"] == succeeded["payment_id"]
    assert Decimal(refunded["amount"]) == -Decimal(succeeded["amount"]) == Decimal(refunded["net"])
    assert "Gateway-Signature" in webhook_receiver.deliveries[2].headers


def test_during_rotation_each_secret_gets_its_own_v1(sandbox: str, webhook_receiver: WebhookReceiver) -> None:
    subscribe(sandbox, "gateway", webhook_receiver, secrets=["old_secret", "new_secret"])

    hook(sandbox, "/gateway/emit", {"type": "payment.succeeded", "count": 1})

    [delivery] = webhook_receiver.deliveries
    timestamp, signatures = v1_entries(delivery.headers["Gateway-Signature"])
    assert len(signatures) == 2
    for secret, signature in zip(("old_secret", "new_secret"), signatures, strict=True):
        expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + delivery.body, hashlib.sha256).hexdigest()
        assert signature == expected


def test_the_duplicate_fault_delivers_each_event_twice_with_the_same_id_and_body(
    sandbox: str, webhook_receiver: WebhookReceiver
) -> None:
    subscribe(sandbox, "billing", webhook_receiver)
    hook(sandbox, "/faults", {"path_prefix": "/billing", "kind": "duplicate", "times": 1})

    duplicated = hook(sandbox, "/billing/emit", {"type": "invoice.issued", "count": 2}).json()
    hook(sandbox, "/billing/emit", {"type": "invoice.issued", "count": 1})

    ids = [d.headers["Billing-Event-Id"] for d in webhook_receiver.deliveries]
    assert len(ids) == 5
    assert ids[0] == ids[1] != ids[2] == ids[3] != ids[4]
    assert webhook_receiver.deliveries[0].body == webhook_receiver.deliveries[1].body
    assert [r["event_id"] for r in duplicated] == ids[:4]


def test_the_out_of_order_fault_delivers_a_batch_newest_first(sandbox: str, webhook_receiver: WebhookReceiver) -> None:
    subscribe(sandbox, "billing", webhook_receiver)

    hook(sandbox, "/billing/emit", {"type": "invoice.issued", "count": 3}, headers={"X-Sandbox-Fault": "out_of_order"})

    stamps = [json.loads(d.body)["data"]["updated_at"] for d in webhook_receiver.deliveries]
    assert len(stamps) == 3
    assert stamps == sorted(stamps, reverse=True)


def test_the_receivers_answer_is_reported_and_emitting_without_a_subscriber_is_409(
    sandbox: str, webhook_receiver: WebhookReceiver
) -> None:
    nobody = hook(sandbox, "/billing/emit", {"type": "invoice.issued", "count": 1})
    subscribe(sandbox, "billing", webhook_receiver)
    webhook_receiver.status = 500

    refused = hook(sandbox, "/billing/emit", {"type": "invoice.issued", "count": 1}).json()

    assert nobody.status == 409
    assert refused[0]["status_code"] == 500


def test_subscriptions_are_checked(sandbox: str) -> None:
    remote = hook(sandbox, "/billing/subscriptions", {"url": "http://example.com/hooks", "secret": "s"})
    no_secret = hook(sandbox, "/billing/subscriptions", {"url": "http://127.0.0.1:9/hooks"})
    bad_type = hook(sandbox, "/gateway/emit", {"type": "invoice.issued"})

    assert (remote.status, remote.json()["field"]) == (422, "url")
    assert (no_secret.status, no_secret.json()["field"]) == (422, "secret")
    assert (bad_type.status, bad_type.json()["field"]) == (422, "type")
