"""The receiving endpoint itself, through Django's test client: POST only, CSRF-exempt (it is
signed instead), 404 for anything but an enabled webhook connector, processing enqueued after commit."""

import json
import time

import pytest
from django.test import Client

from integrations.models import Connector, InboundMessage
from integrations.services import connector_credentials_set
from integrations.signing import signature_header
from tests.integrations.connectors.support import make_connector

SECRET = "whsec-endpoint"


@pytest.fixture
def billing(admin_de, entity_de):
    connector = make_connector(admin_de, entity_de, "billing_webhook", name="Billing")
    connector_credentials_set(connector_id=connector.pk, actor=admin_de, values={"webhook_secret": SECRET})
    return connector


def _signed(event_id="evt_1", secret=SECRET):
    body = json.dumps({"id": event_id, "type": "invoice.issued", "created": 0, "data": {}}).encode()
    return body, {
        "HTTP_BILLING_SIGNATURE": signature_header([secret], body, int(time.time())),
        "HTTP_BILLING_EVENT_ID": event_id,
    }


def test_a_signed_post_without_a_csrf_token_is_accepted_and_processing_is_enqueued_after_commit(
    billing, django_capture_on_commit_callbacks
):
    body, headers = _signed()

    with django_capture_on_commit_callbacks() as callbacks:
        response = Client(enforce_csrf_checks=True).post(
            f"/integrations/webhooks/{billing.pk}/", data=body, content_type="application/json", **headers
        )

    assert response.status_code == 202
    assert response.json() == {"status": "accepted"}
    assert InboundMessage.objects.filter(connector=billing, event_id="evt_1").exists()
    assert len(callbacks) == 1


def test_an_unsigned_post_is_refused(billing, client):
    body, _ = _signed()

    response = client.post(f"/integrations/webhooks/{billing.pk}/", data=body, content_type="application/json")

    assert response.status_code == 401
    assert response.json()["reason"] == "missing signature header"


def test_a_different_event_id_in_header_and_body_is_refused(billing, client):
    body, headers = _signed("evt_1")
    headers["HTTP_BILLING_EVENT_ID"] = "evt_2"

    response = client.post(
        f"/integrations/webhooks/{billing.pk}/", data=body, content_type="application/json", **headers
    )

    assert response.status_code == 400


def test_the_endpoint_takes_posts_only_for_enabled_webhook_connectors(billing, client, admin_de, entity_de):
    erp = make_connector(admin_de, entity_de, "erp_rest", "http://127.0.0.1:9", name="ERP")
    body, headers = _signed()

    assert client.get(f"/integrations/webhooks/{billing.pk}/").status_code == 405
    assert (
        client.post(
            f"/integrations/webhooks/{erp.pk}/", data=body, content_type="application/json", **headers
        ).status_code
        == 404
    )
    Connector.objects.filter(pk=billing.pk).update(is_enabled=False)
    assert (
        client.post(
            f"/integrations/webhooks/{billing.pk}/", data=body, content_type="application/json", **headers
        ).status_code
        == 404
    )


def test_a_body_without_an_event_id_is_refused_whatever_the_header_says(billing, client):
    body = json.dumps({"type": "invoice.issued", "created": 0, "data": {}}).encode()
    headers = {
        "HTTP_BILLING_SIGNATURE": signature_header([SECRET], body, int(time.time())),
        "HTTP_BILLING_EVENT_ID": "evt_from_header",
    }

    response = client.post(
        f"/integrations/webhooks/{billing.pk}/", data=body, content_type="application/json", **headers
    )

    assert response.status_code == 400
    assert response.json()["reason"] == "event id missing from the signed body"
    assert not InboundMessage.objects.filter(connector=billing).exists()
    billing.refresh_from_db()
    assert billing.webhook_refusals == 1
    assert billing.last_refusal_reason == "event id missing from the signed body"


def test_a_captured_delivery_replayed_under_new_header_ids_is_stored_once(billing, client):
    body, headers = _signed("evt_1")
    statuses = []

    for event_id in ("evt_1", "", "evt_9", "evt_10"):
        replay = {**headers, "HTTP_BILLING_EVENT_ID": event_id}
        statuses.append(
            client.post(
                f"/integrations/webhooks/{billing.pk}/", data=body, content_type="application/json", **replay
            ).status_code
        )

    assert statuses == [202, 200, 400, 400]
    assert list(InboundMessage.objects.filter(connector=billing).values_list("event_id", flat=True)) == ["evt_1"]


@pytest.mark.parametrize("header", ["t=²,v1=abc", "t=١٢٣,v1=abc", "t=" + "9" * 5000 + ",v1=abc", "t=1,v1=²"])
def test_a_malformed_signature_header_is_a_400_not_a_500(billing, client, header):
    body, headers = _signed()
    headers["HTTP_BILLING_SIGNATURE"] = header

    response = client.post(
        f"/integrations/webhooks/{billing.pk}/", data=body, content_type="application/json", **headers
    )

    assert response.status_code == 400
    assert response.json()["reason"] in ("malformed signature header", "forged signature")


def test_a_content_length_in_other_digits_is_not_a_500(billing, client):
    body, headers = _signed()

    response = client.post(
        f"/integrations/webhooks/{billing.pk}/",
        data=body,
        content_type="application/json",
        **headers,
        CONTENT_LENGTH="²",
    )

    assert response.status_code < 500
