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
