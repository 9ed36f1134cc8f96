"""The sandbox's data warehouse takes our signed canonical events once each, and the demo's
sandbox_connect subscribes every entity to it."""

from __future__ import annotations

import json
import time

from django.core.management import call_command

from finops.outbox.models import WebhookSubscription
from integrations.outbox.relay import outbox_relay
from integrations.sandbox.testing import http_call
from integrations.signing import signature_header
from reconciliation.exceptions.services import exception_open

SECRET = "whsec-warehouse-test"
EVENT = {"id": "6f1c7a4e-0000-4000-8000-000000000001", "type": "exception-created", "entity": "DE01", "data": {}}


def _configure(sandbox: str) -> None:
    answer = http_call("POST", f"{sandbox}/_sandbox/event-inbox/secret", json_body={"secret": SECRET}, token=None)
    assert answer.status == 200, answer.body


def _deliver(sandbox: str, body: bytes, *, secret: str = SECRET, timestamp: int | None = None):
    headers = {
        "Content-Type": "application/json",
        "FCT-Signature": signature_header(secret, body, timestamp or int(time.time())),
        "FCT-Event-Id": EVENT["id"],
    }
    return http_call("POST", f"{sandbox}/warehouse/v1/events", body=body, headers=headers, token=None)


def _received(sandbox: str) -> list[dict]:
    return http_call("GET", f"{sandbox}/_sandbox/event-inbox", token=None).json()


def test_an_event_is_taken_once_and_a_redelivery_is_a_duplicate(sandbox):
    _configure(sandbox)
    body = json.dumps(EVENT).encode()

    first = _deliver(sandbox, body)
    again = _deliver(sandbox, body)

    assert (first.status, first.json()["status"]) == (200, "received")
    assert (again.status, again.json()["status"]) == (200, "duplicate")
    assert [(e["event_id"], e["type"], e["entity"]) for e in _received(sandbox)] == [
        (EVENT["id"], "exception-created", "DE01")
    ]


def test_a_wrong_signature_or_a_stale_timestamp_is_refused(sandbox):
    _configure(sandbox)
    body = json.dumps(EVENT).encode()

    forged = _deliver(sandbox, body, secret="not-the-secret")
    stale = _deliver(sandbox, body, timestamp=int(time.time()) - 3600)
    tampered = _deliver(sandbox, body.replace(b"DE01", b"GB01"), timestamp=int(time.time()))

    assert forged.status == stale.status == 401
    assert tampered.json()["status"] == "received"  # signed over its own body: a different event body is fine
    assert [e["entity"] for e in _received(sandbox)] == ["GB01"]


def test_without_a_secret_nothing_is_accepted(sandbox):
    answer = _deliver(sandbox, json.dumps(EVENT).encode())

    assert answer.status == 409
    assert _received(sandbox) == []


def test_sandbox_connect_subscribes_each_entity_and_events_arrive_signed(sandbox, entity_de, entity_gb):
    call_command("sandbox_connect", sandbox=sandbox, site="http://127.0.0.1:9")
    call_command("sandbox_connect", sandbox=sandbox, site="http://127.0.0.1:9")  # again: same subscriptions

    item, _ = exception_open(entity=entity_de, kind="sync_failure", title="Unapplied 4711", dedupe_key="t-4711")
    report = outbox_relay()

    subscriptions = WebhookSubscription.objects.order_by("entity__code")
    assert [(s.entity.code, s.url) for s in subscriptions] == [
        ("DE01", f"{sandbox}/warehouse/v1/events"),
        ("GB01", f"{sandbox}/warehouse/v1/events"),
    ]
    assert report.delivered == 1
    [event] = _received(sandbox)
    assert (event["type"], event["entity"]) == ("exception-created", "DE01")
    assert event["event"]["data"]["object"]["id"] == str(item.pk)
