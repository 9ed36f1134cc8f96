"""The server never calls inward: a connector URL, an SFTP host or a webhook subscription that is
(or resolves to) loopback, private, link-local or otherwise not public is refused on entry with
a field error and again before any connection, unless FCT_OUTBOUND_ALLOWED_HOSTS names it. DEBUG
changes nothing. The test settings allow 127.0.0.1 (the sandbox) and nothing else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from finops.outbox.models import WebhookSubscription
from integrations.egress import host_refusal, url_refusal
from integrations.models import Connector
from integrations.outbox.handlers import PermanentDeliveryError, http_post
from integrations.retry import RetryPolicy
from integrations.sync.http import ConnectorError, HttpClient
from tests.integrations.connectors.support import make_connector, run_once

JSON = "application/json"
INWARD = [
    "127.0.0.1",
    "127.1.2.3",
    "localhost",
    "10.0.0.5",
    "172.16.9.9",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",  # noqa: S104 - a destination to refuse, not a bind
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[fe80::1]",
    "[fd00::1]",
    "224.0.0.1",
]


def _as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@override_settings(FCT_OUTBOUND_ALLOWED_HOSTS=[], DEBUG=True)
@pytest.mark.parametrize("host", INWARD)
def test_every_inward_address_is_refused_even_in_debug(host):
    assert "outbound connections go to public addresses only" in url_refusal(f"http://{host}:8000/hook")


@override_settings(FCT_OUTBOUND_ALLOWED_HOSTS=[])
def test_a_name_is_resolved_and_judged_by_its_addresses():
    assert host_refusal("localhost") == (
        "localhost (127.0.0.1) is a loopback address; outbound connections go to public addresses only "
        "(FCT_OUTBOUND_ALLOWED_HOSTS)."
    )


@override_settings(FCT_OUTBOUND_ALLOWED_HOSTS=["erp.corp.internal", "10.20.0.0/16", "Sandbox.Local."])
def test_the_allow_list_names_hosts_and_networks():
    assert host_refusal("erp.corp.internal") == ""
    assert host_refusal("10.20.7.1") == ""
    assert host_refusal("sandbox.local") == ""
    assert "private-network address" in host_refusal("10.21.0.1")
    assert "loopback" in host_refusal("127.0.0.1")


def test_public_addresses_and_the_test_sandbox_are_allowed():
    assert url_refusal("https://93.184.215.14/events") == ""
    assert url_refusal("http://127.0.0.1:8100/erp") == ""
    assert "not an http(s) URL" in url_refusal("file:///etc/passwd")
    assert "not a valid URL" in url_refusal("http://[::1")


def test_a_subscription_to_the_metadata_service_is_refused_on_the_api_and_the_page(admin_de, entity_de):
    client = _as(admin_de)
    body = {
        "entity": "DE01",
        "name": "exfil",
        "url": "http://169.254.169.254/latest/meta-data/",
        "secret": "s" * 20,
        "topics": ["event.invoice-issued"],
    }

    api = client.post(reverse("api:webhooksubscription-list"), body, content_type=JSON)
    page = client.post(reverse("outbox:subscription-create"), {**body, "entity": entity_de.pk})

    assert api.status_code == 400
    assert "169.254.169.254 is a link-local address" in api.json()["url"][0]
    assert page.status_code in (200, 422)
    assert "169.254.169.254 is a link-local address" in page.content.decode()
    assert not WebhookSubscription.objects.exists()


@override_settings(FCT_OUTBOUND_ALLOWED_HOSTS=[])
def test_a_connector_pointed_at_loopback_is_refused_on_create_and_change(admin_de, entity_de):
    client = _as(admin_de)
    created = client.post(
        reverse("api:connector-list"),
        {"kind": "erp_rest", "entity": "DE01", "name": "ERP", "base_url": "http://localhost:5432"},
        content_type=JSON,
    )
    erp = make_connector(admin_de, entity_de, "erp_rest", "https://erp.example.com", name="ERP real")

    changed = client.patch(
        reverse("api:connector-detail", args=[erp.pk]), {"base_url": "http://10.1.2.3/"}, content_type=JSON
    )

    assert created.status_code == changed.status_code == 400
    assert "localhost (127.0.0.1) is a loopback address" in created.json()["base_url"][0]
    assert "10.1.2.3 is a private-network address" in changed.json()["base_url"][0]
    assert list(Connector.objects.values_list("base_url", flat=True)) == ["https://erp.example.com"]


def test_an_sftp_host_on_the_private_network_is_refused_in_the_mapping(admin_de, entity_de):
    sftp = make_connector(admin_de, entity_de, "bank_sftp", name="Bank SFTP")

    response = _as(admin_de).patch(
        reverse("api:connector-detail", args=[sftp.pk]),
        {"mapping": {"host": "192.168.0.10", "port": 22}},
        content_type=JSON,
    )

    assert response.status_code == 400
    assert "192.168.0.10 is a private-network address" in json.dumps(response.json())


@override_settings(FCT_OUTBOUND_ALLOWED_HOSTS=[])
def test_a_url_stored_before_the_rule_is_refused_before_any_connection(admin_de, entity_de):
    erp = make_connector(admin_de, entity_de, "erp_rest", "https://erp.example.com", name="ERP")
    Connector.objects.filter(pk=erp.pk).update(base_url="http://127.0.0.1:9")

    run = run_once(Connector.objects.get(pk=erp.pk))

    assert run.state == "failed"
    assert "127.0.0.1 is a loopback address" in run.error
    with pytest.raises(ConnectorError, match="link-local"):
        HttpClient("http://169.254.169.254", policy=RetryPolicy(max_attempts=1)).get_json("/latest")
    with pytest.raises(PermanentDeliveryError, match="private-network"):
        http_post("http://10.0.0.1/hook", b"{}", {})
