"""Admin screens: outbound messages (filter, page, retry a dead one) and webhook subscriptions
(secret write-only). Outside the user's entities: 404; a role that may not: 403."""

import pytest
from django.urls import reverse

from finops.accounts.roles import Role
from finops.accounts.services import user_grant_role
from finops.audit.models import AuditEvent
from finops.outbox.models import OutboxMessage, OutboxState, WebhookSubscription
from finops.outbox.services import outbox_enqueue
from tests.factories import UserFactory

SECRET = "whsec-0123456789abcdef"


@pytest.fixture
def dead_de(entity_de):
    message = outbox_enqueue("erp.cash_receipt", {"n": 1}, entity=entity_de, idempotency_key="dead-de-1")
    OutboxMessage.objects.filter(pk=message.pk).update(state=OutboxState.DEAD, attempts=8, last_error="HTTP 503")
    return message


@pytest.fixture
def subscription_de(entity_de):
    return WebhookSubscription.objects.create(
        entity=entity_de,
        name="treasury-bus",
        url="https://hooks.example.com/fct",
        secret=SECRET,
        topics=["event.cash-applied"],
    )


@pytest.fixture
def admin_gb(roles, entity_gb):
    user = UserFactory(username="admin_gb", is_staff=True)
    user_grant_role(user=user, role=Role.ADMIN, entity=entity_gb, granted_by=None)
    return user


def test_an_admin_lists_their_entities_messages_and_filters_by_state(client, admin_de, entity_gb, dead_de):
    outbox_enqueue("erp.cash_receipt", {"n": 2}, entity=dead_de.entity, idempotency_key="pending-de-2")
    outbox_enqueue("erp.cash_receipt", {"n": 3}, entity=entity_gb, idempotency_key="pending-gb-3")
    client.force_login(admin_de)

    everything = client.get(reverse("outbox:message-list")).content.decode()
    dead_only = client.get(reverse("outbox:message-list"), {"state": "dead"}).content.decode()

    assert "dead-de-1" in everything
    assert "pending-de-2" in everything
    assert "pending-gb-3" not in everything
    assert "dead-de-1" in dead_only
    assert "pending-de-2" not in dead_only
    assert "1–1 of 1" in dead_only


def test_the_message_list_is_for_admins_only(client, controller_de, outsider, dead_de):
    client.force_login(controller_de)
    controller = client.get(reverse("outbox:message-list")).status_code
    client.force_login(outsider)
    auditor_elsewhere = client.get(reverse("outbox:message-list")).status_code

    assert (controller, auditor_elsewhere) == (403, 403)


def test_an_admin_retries_a_dead_message(client, admin_de, dead_de):
    client.force_login(admin_de)

    response = client.post(reverse("outbox:message-retry", args=[dead_de.pk]))

    dead_de.refresh_from_db()
    assert response.status_code == 302
    assert (dead_de.state, dead_de.attempts) == (OutboxState.PENDING, 0)
    event = AuditEvent.objects.get(action="outbox.retried", object_id=str(dead_de.pk))
    assert event.actor == admin_de
    assert event.before["last_error"] == "HTTP 503"


def test_retrying_needs_an_admin_of_the_entity(client, controller_de, outsider, admin_gb, dead_de):
    client.force_login(outsider)
    foreign = client.post(reverse("outbox:message-retry", args=[dead_de.pk])).status_code
    client.force_login(admin_gb)
    foreign_admin = client.post(reverse("outbox:message-retry", args=[dead_de.pk])).status_code
    client.force_login(controller_de)
    wrong_role = client.post(reverse("outbox:message-retry", args=[dead_de.pk])).status_code

    dead_de.refresh_from_db()
    assert (foreign, foreign_admin, wrong_role) == (404, 404, 403)
    assert dead_de.state == OutboxState.DEAD


def test_only_a_dead_message_can_be_retried(client, admin_de, entity_de):
    pending = outbox_enqueue("erp.cash_receipt", {"n": 9}, entity=entity_de, idempotency_key="pending-9")
    client.force_login(admin_de)

    response = client.post(reverse("outbox:message-retry", args=[pending.pk]), follow=True)

    assert "Only a dead message can be retried" in response.content.decode()
    assert not AuditEvent.objects.filter(action="outbox.retried").exists()


def test_an_admin_adds_a_subscription_and_the_secret_is_never_shown(client, admin_de, entity_de):
    client.force_login(admin_de)

    response = client.post(
        reverse("outbox:subscription-create"),
        {
            "entity": entity_de.pk,
            "name": "erp-bridge",
            "url": "https://bridge.example.com/events",
            "secret": SECRET,
            "topics": ["event.invoice-issued", "event.payment-received"],
            "is_active": "on",
        },
    )

    subscription = WebhookSubscription.objects.get(name="erp-bridge")
    listing = client.get(reverse("outbox:subscription-list")).content.decode()
    edit_page = client.get(reverse("outbox:subscription-edit", args=[subscription.pk])).content.decode()
    audit = AuditEvent.objects.get(action="webhook.created", object_id=str(subscription.pk))
    assert response.status_code == 302
    assert subscription.secret == SECRET
    assert subscription.topics == ["event.invoice-issued", "event.payment-received"]
    assert "erp-bridge" in listing
    assert SECRET not in listing
    assert SECRET not in edit_page
    assert SECRET not in str(audit.after)


def test_editing_with_a_blank_secret_keeps_it(client, admin_de, subscription_de):
    client.force_login(admin_de)
    form = {"name": "treasury-bus", "url": "https://hooks.example.com/v2", "topics": ["event.cash-applied"]}

    kept = client.post(reverse("outbox:subscription-edit", args=[subscription_de.pk]), {**form, "secret": ""})
    subscription_de.refresh_from_db()
    secret_after_blank = subscription_de.secret
    changed = client.post(
        reverse("outbox:subscription-edit", args=[subscription_de.pk]), {**form, "secret": "a-brand-new-secret-42"}
    )

    subscription_de.refresh_from_db()
    assert (kept.status_code, changed.status_code) == (302, 302)
    assert secret_after_blank == SECRET
    assert subscription_de.secret == "a-brand-new-secret-42"
    assert subscription_de.url == "https://hooks.example.com/v2"
    assert subscription_de.is_active is False  # the unchecked box
    assert AuditEvent.objects.filter(action="webhook.updated", after__secret_changed=True).count() == 1


def test_a_short_secret_or_no_event_is_refused_next_to_the_fields(client, admin_de, entity_de):
    client.force_login(admin_de)

    response = client.post(
        reverse("outbox:subscription-create"),
        {"entity": entity_de.pk, "name": "x", "url": "https://x.example.com", "secret": "short"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "Ensure this value has at least 16 characters" in html
    assert "This field is required." in html
    assert "<html" not in html  # the htmx answer is the form partial
    assert not WebhookSubscription.objects.exists()


def test_subscriptions_belong_to_the_admins_of_their_entity(
    client, controller_de, outsider, admin_gb, entity_de, subscription_de
):
    edit = reverse("outbox:subscription-edit", args=[subscription_de.pk])
    client.force_login(outsider)
    outsider_edit = client.get(edit).status_code
    client.force_login(controller_de)
    controller_edit = client.get(edit).status_code
    controller_list = client.get(reverse("outbox:subscription-list")).status_code
    controller_create = client.get(reverse("outbox:subscription-create")).status_code
    client.force_login(admin_gb)
    admin_gb_edit = client.post(
        edit, {"name": "hijack", "url": "https://evil.example.com", "topics": ["event.cash-applied"]}
    )
    admin_gb_create = client.post(
        reverse("outbox:subscription-create"),
        {
            "entity": entity_de.pk,
            "name": "hijack",
            "url": "https://evil.example.com",
            "secret": SECRET,
            "topics": ["event.cash-applied"],
        },
    )

    subscription_de.refresh_from_db()
    assert (outsider_edit, controller_edit, controller_list, controller_create) == (404, 403, 403, 403)
    assert admin_gb_edit.status_code == 404
    assert admin_gb_create.status_code == 422
    assert "Select a valid choice" in admin_gb_create.content.decode()
    assert subscription_de.url == "https://hooks.example.com/fct"
    assert not WebhookSubscription.objects.filter(name="hijack").exists()
