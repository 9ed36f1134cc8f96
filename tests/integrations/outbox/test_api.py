"""/api/outbound-messages/, /api/webhook-subscriptions/ and /api/trace/: the outbox screens over
the API. Admins of an entity only (403 for other roles), other entities' records are 404, and a
subscription's secret goes in and never comes out."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from finops.accounts.roles import Role
from finops.accounts.services import user_grant_role
from finops.audit.context import correlation
from finops.audit.models import AuditEvent
from finops.audit.services import audit_record
from finops.outbox.models import OutboxMessage, OutboxState, WebhookSubscription
from finops.outbox.services import outbox_enqueue
from integrations.outbox.api import SubscriptionChangeInput, SubscriptionCreateInput
from integrations.outbox.forms import SubscriptionForm
from integrations.outbox.trace import trace_collect
from tests.factories import ExceptionItemFactory, UserFactory

JSON = "application/json"
SECRET = "whsec-0123456789abcdef"
NEW_SECRET = "whsec-fedcba9876543210-rotated"
CID = "trace-api-00000001"


@pytest.fixture
def dead_de(entity_de: Any) -> OutboxMessage:
    message = outbox_enqueue("erp.cash_receipt", {"n": 1}, entity=entity_de, idempotency_key="dead-de-1")
    OutboxMessage.objects.filter(pk=message.pk).update(state=OutboxState.DEAD, attempts=8, last_error="HTTP 503")
    message.refresh_from_db()
    return message


@pytest.fixture
def subscription_de(entity_de: Any) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        entity=entity_de,
        name="treasury-bus",
        url="https://hooks.example.com/fct",
        secret=SECRET,
        topics=["event.cash-applied"],
    )


@pytest.fixture
def admin_gb(roles: None, entity_gb: Any) -> Any:
    user = UserFactory(username="admin_gb", is_staff=True)
    user_grant_role(user=user, role=Role.ADMIN, entity=entity_gb, granted_by=None)
    return user


@pytest.fixture
def traced(entity_de: Any, entity_gb: Any) -> None:
    """Under CID: an exception noted and an ERP posting queued in DE01, and a GB01 matter."""
    with correlation(CID):
        item = ExceptionItemFactory(entity=entity_de, correlation_id=CID, title="Unapplied 4711")
        audit_record(item, action="exception.noted", actor=None)
        outbox_enqueue("erp.cash_receipt", {"n": 4711}, entity=entity_de, idempotency_key="trace-4711")
        gb_item = ExceptionItemFactory(entity=entity_gb, correlation_id=CID, title="GB secret matter")
        audit_record(gb_item, action="exception.noted", actor=None)


def _as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- outbound messages --------------------------------------------------------------------------


def test_an_admin_lists_their_entities_messages_with_the_pages_filters(
    admin_de: Any, entity_gb: Any, dead_de: OutboxMessage
) -> None:
    outbox_enqueue("erp.cash_receipt", {"n": 2}, entity=dead_de.entity, idempotency_key="pending-de-2")
    outbox_enqueue("erp.cash_receipt", {"n": 3}, entity=entity_gb, idempotency_key="pending-gb-3")
    client = _as(admin_de)
    url = reverse("api:outboundmessage-list")

    everything = client.get(url).json()["results"]
    dead = client.get(url, {"state": "dead"}).json()["results"]
    searched = client.get(url, {"q": "pending-de-2"}).json()["results"]
    bad = client.get(url, {"state": "lost"})

    assert {m["idempotency_key"] for m in everything} == {"dead-de-1", "pending-de-2"}
    (row,) = dead
    assert (row["id"], row["state"], row["attempts"], row["last_error"]) == (dead_de.pk, "dead", 8, "HTTP 503")
    assert [m["idempotency_key"] for m in searched] == ["pending-de-2"]
    assert bad.status_code == 400
    assert "state" in bad.json()


@pytest.mark.parametrize("persona", ["controller_de", "clerk_de", "outsider", "no_role_user"])
def test_the_message_list_is_for_admins_only(persona: str, request: pytest.FixtureRequest, dead_de: Any) -> None:
    response = _as(request.getfixturevalue(persona)).get(reverse("api:outboundmessage-list"))

    assert response.status_code == 403


def test_an_admin_retries_a_dead_message(admin_de: Any, dead_de: OutboxMessage) -> None:
    response = _as(admin_de).post(reverse("api:outboundmessage-retry", args=[dead_de.pk]))

    dead_de.refresh_from_db()
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["attempts"]) == ("pending", 0)
    assert (dead_de.state, dead_de.attempts) == (OutboxState.PENDING, 0)
    event = AuditEvent.objects.get(action="outbox.retried", object_id=str(dead_de.pk))
    assert event.actor == admin_de
    assert event.before["last_error"] == "HTTP 503"


def test_only_a_dead_message_can_be_retried(admin_de: Any, entity_de: Any) -> None:
    pending = outbox_enqueue("erp.cash_receipt", {"n": 9}, entity=entity_de, idempotency_key="pending-9")

    response = _as(admin_de).post(reverse("api:outboundmessage-retry", args=[pending.pk]))

    assert response.status_code == 400
    assert "Only a dead message can be retried" in response.json()["detail"]
    assert not AuditEvent.objects.filter(action="outbox.retried").exists()


def test_retrying_needs_an_admin_of_the_entity(
    outsider: Any, admin_gb: Any, controller_de: Any, dead_de: OutboxMessage
) -> None:
    url = reverse("api:outboundmessage-retry", args=[dead_de.pk])

    statuses = [_as(user).post(url).status_code for user in (outsider, admin_gb, controller_de)]

    dead_de.refresh_from_db()
    assert statuses == [404, 404, 403]
    assert dead_de.state == OutboxState.DEAD


# --- webhook subscriptions ----------------------------------------------------------------------


def test_the_documented_bodies_are_the_forms_fields() -> None:
    """The subscription form validates the bodies; their documentation must not drift from it."""
    assert set(SubscriptionCreateInput().fields) == set(SubscriptionForm().fields)
    assert set(SubscriptionChangeInput().fields) == set(SubscriptionForm(editing=True).fields)


def test_an_admin_adds_a_subscription_and_the_secret_is_never_answered(admin_de: Any, entity_de: Any) -> None:
    client = _as(admin_de)
    body = {
        "entity": "DE01",
        "name": "erp-bridge",
        "url": "https://bridge.example.com/events",
        "secret": SECRET,
        "topics": ["event.invoice-issued", "event.payment-received"],
    }

    created = client.post(reverse("api:webhooksubscription-list"), body, content_type=JSON)
    subscription = WebhookSubscription.objects.get(name="erp-bridge")
    listing = client.get(reverse("api:webhooksubscription-list"))
    detail = client.get(reverse("api:webhooksubscription-detail", args=[subscription.pk]))

    assert created.status_code == 201
    assert created.json()["id"] == subscription.pk
    assert (subscription.entity, subscription.secret, subscription.is_active) == (entity_de, SECRET, True)
    assert subscription.topics == ["event.invoice-issued", "event.payment-received"]
    assert [s["name"] for s in listing.json()["results"]] == ["erp-bridge"]
    for answer in (created, listing, detail):
        assert SECRET not in answer.content.decode()
        assert "secret" not in answer.content.decode()
    audit = AuditEvent.objects.get(action="webhook.created", object_id=str(subscription.pk))
    assert (audit.actor, SECRET in str(audit.after)) == (admin_de, False)


def test_a_refused_subscription_names_the_fields_and_writes_nothing(
    admin_de: Any, entity_gb: Any, subscription_de: WebhookSubscription
) -> None:
    client = _as(admin_de)
    url = reverse("api:webhooksubscription-list")

    short = client.post(
        url, {"entity": "DE01", "name": "x", "url": "https://x.example.com", "secret": "short"}, content_type=JSON
    )
    foreign = client.post(
        url,
        {"entity": "GB01", "name": "x", "url": "https://x.example.com", "secret": SECRET, "topics": ["event.x"]},
        content_type=JSON,
    )
    taken = client.post(
        url,
        {"entity": "DE01", "name": "treasury-bus", "url": "https://x.example.com", "secret": SECRET}
        | {"topics": ["event.cash-applied"]},
        content_type=JSON,
    )

    assert short.status_code == foreign.status_code == taken.status_code == 400
    assert "Ensure this value has at least 16 characters" in short.json()["secret"][0]
    assert short.json()["topics"] == ["This field is required."]
    assert "Select a valid choice" in foreign.json()["entity"][0]
    assert "Select a valid choice. event.x" in foreign.json()["topics"][0]
    assert taken.json()["non_field_errors"] == ["DE01 already has a subscription named 'treasury-bus'."]
    for answer in (short, foreign, taken):
        assert SECRET not in answer.content.decode()
    assert list(WebhookSubscription.objects.values_list("name", flat=True)) == ["treasury-bus"]


def test_a_change_keeps_omitted_fields_and_the_secret_unless_a_new_one_is_sent(
    admin_de: Any, subscription_de: WebhookSubscription
) -> None:
    client = _as(admin_de)
    url = reverse("api:webhooksubscription-detail", args=[subscription_de.pk])

    moved = client.patch(url, {"url": "https://hooks.example.com/v2"}, content_type=JSON)
    subscription_de.refresh_from_db()
    secret_after_move = subscription_de.secret
    rotated = client.patch(url, {"secret": NEW_SECRET, "is_active": False}, content_type=JSON)

    subscription_de.refresh_from_db()
    assert (moved.status_code, rotated.status_code) == (200, 200)
    assert moved.json()["url"] == "https://hooks.example.com/v2"
    assert (moved.json()["name"], moved.json()["topics"], moved.json()["is_active"]) == (
        "treasury-bus",
        ["event.cash-applied"],
        True,
    )
    assert secret_after_move == SECRET
    assert (subscription_de.secret, subscription_de.is_active) == (NEW_SECRET, False)
    assert NEW_SECRET not in rotated.content.decode()
    assert AuditEvent.objects.filter(action="webhook.updated", after__secret_changed=True).count() == 1


def test_a_change_is_validated_like_the_edit_page(admin_de: Any, subscription_de: WebhookSubscription) -> None:
    response = _as(admin_de).patch(
        reverse("api:webhooksubscription-detail", args=[subscription_de.pk]),
        {"url": "nowhere at all", "entity": "GB01", "topics": []},
        content_type=JSON,
    )

    subscription_de.refresh_from_db()
    assert response.status_code == 400
    assert response.json() == {
        "entity": ["Not a field that can be set here."],
        "url": ["Enter a valid URL."],
        "topics": ["This field is required."],
    }
    assert subscription_de.url == "https://hooks.example.com/fct"


def test_subscriptions_belong_to_the_admins_of_their_entity(
    outsider: Any, admin_gb: Any, controller_de: Any, subscription_de: WebhookSubscription
) -> None:
    detail = reverse("api:webhooksubscription-detail", args=[subscription_de.pk])
    hijack = {"url": "https://evil.example.com"}

    record = {
        user.username: (
            _as(user).get(detail).status_code,
            _as(user).patch(detail, hijack, content_type=JSON).status_code,
        )
        for user in (outsider, admin_gb, controller_de)
    }
    controller = _as(controller_de)
    lists = (
        controller.get(reverse("api:webhooksubscription-list")).status_code,
        controller.post(reverse("api:webhooksubscription-list"), {}, content_type=JSON).status_code,
    )

    subscription_de.refresh_from_db()
    assert record == {"outsider": (404, 404), "admin_gb": (404, 404), "controller_de": (403, 403)}
    assert lists == (403, 403)
    assert subscription_de.url == "https://hooks.example.com/fct"


# --- trace --------------------------------------------------------------------------------------


def test_the_trace_is_the_pages_chain_in_time_order(controller_de: Any, traced: None) -> None:
    response = _as(controller_de).get(reverse("api:trace", args=[CID]))

    body = response.json()
    titles = [item["title"] for item in body["items"]]
    assert response.status_code == 200
    assert body["correlation_id"] == CID
    assert titles == [item.title for item in trace_collect(CID, controller_de)]
    assert [item["at"] for item in body["items"]] == sorted(item["at"] for item in body["items"])
    assert any("Unapplied 4711" in title for title in titles)
    assert "Queued erp.cash_receipt for ERP" in titles
    assert "GB secret matter" not in response.content.decode()


def test_a_trace_with_nothing_visible_or_a_malformed_id_is_404(
    outsider: Any, no_role_user: Any, controller_de: Any, dead_de: OutboxMessage
) -> None:
    """dead_de is DE01's only: GB01's user sees nothing of its trace."""
    cid = dead_de.correlation_id

    statuses = [
        _as(controller_de).get(reverse("api:trace", args=[cid])).status_code,
        _as(outsider).get(reverse("api:trace", args=[cid])).status_code,
        _as(no_role_user).get(reverse("api:trace", args=[cid])).status_code,
        _as(controller_de).get(reverse("api:trace", args=["trace-api-unknown"])).status_code,
        _as(controller_de).get(reverse("api:trace", args=["bad id!"])).status_code,
    ]

    assert statuses == [200, 404, 404, 404, 404]


def test_a_trace_is_found_from_a_record_as_the_search_does(controller_de: Any, outsider: Any, traced: None) -> None:
    message = OutboxMessage.objects.get(idempotency_key="trace-4711")
    url = reverse("api:trace-lookup")
    by_record = {"record_type": "outbox.OutboxMessage", "record_id": str(message.pk)}

    found = _as(controller_de).get(url, by_record)
    by_id = _as(controller_de).get(url, {"q": CID})
    foreign = _as(outsider).get(url, by_record)
    empty = _as(controller_de).get(url)

    assert found.status_code == by_id.status_code == 200
    assert found.json() == by_id.json()
    assert found.json()["correlation_id"] == CID
    assert (foreign.status_code, foreign.json()) == (400, {"non_field_errors": ["No such record in your entities."]})
    assert empty.status_code == 400
    assert empty.json() == {"non_field_errors": ["Enter a correlation id, or a record type and id."]}
