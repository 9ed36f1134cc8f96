"""An SFTP connector set up in the browser with the generic connector pages: created without a
base URL, its mapping keys and write-only credential fields shown, tested and run from there."""

from __future__ import annotations

import json

from django.urls import reverse

from integrations import credentials
from integrations.models import Connector, SyncRun
from tests.integrations.connectors.bank_sftp.support import FOLDER, put_file, sftp_connector

HX = {"HTTP_HX_REQUEST": "true"}
SETTINGS = {
    "kind": "bank_sftp",
    "name": "Commerzbank SFTP",
    "base_url": "",
    "cadence_minutes": 60,
    "timeout_seconds": "10",
    "max_attempts": 3,
    "backoff_base_seconds": "0.5",
    "backoff_cap_seconds": "20",
    "max_retry_after_seconds": 120,
    "page_size": 100,
    "record_max_attempts": 3,
    "webhook_tolerance_seconds": 300,
    "webhook_max_body_bytes": 1_000_000,
}


def test_an_admin_creates_an_sftp_connector_and_configures_it_on_its_page(client, admin_de, entity_de, bank):
    client.force_login(admin_de)

    created = client.post(reverse("integrations:connector-create"), {**SETTINGS, "entity": entity_de.pk})
    connector = Connector.objects.get(name="Commerzbank SFTP")
    page = client.get(reverse("integrations:connector-detail", args=[connector.pk])).content.decode()
    mapping = {
        "host": bank.sftp_host,
        "port": bank.sftp_port,
        "host_key_fingerprint": bank.host_key_fingerprint,
        "remote_folder": FOLDER,
    }
    saved_mapping = client.post(
        reverse("integrations:connector-mapping", args=[connector.pk]), {"mapping": json.dumps(mapping)}, **HX
    )
    saved_secrets = client.post(
        reverse("integrations:connector-credentials", args=[connector.pk]),
        {"username": bank.username, "password": bank.password, "private_key": ""},
        **HX,
    )

    assert created.status_code == 302
    assert "Bank files (SFTP)" in page
    for key in ("host", "port", "host_key_fingerprint", "remote_folder", "filename_pattern", "after_import"):
        assert f"<code>{key}</code>" in page
    assert 'name="username"' in page
    assert 'type="password" name="password"' in page
    assert '<textarea name="private_key"' in page
    assert "Run now" in page
    assert "Test connection" in page
    assert saved_mapping.status_code == 200
    assert saved_secrets.status_code == 200
    connector.refresh_from_db()
    assert connector.mapping == mapping
    assert set(credentials.decrypt(connector.credentials_encrypted)) == {"username", "password"}
    assert bank.password not in saved_secrets.content.decode()
    assert "Username: set, last changed" in saved_secrets.content.decode()


def test_a_bad_fingerprint_is_refused_naming_the_key(client, admin_de, entity_de, bank):
    connector = sftp_connector(admin_de, entity_de, bank)
    client.force_login(admin_de)

    answer = client.post(
        reverse("integrations:connector-mapping", args=[connector.pk]),
        {"mapping": json.dumps({"host": "sftp.bank.example", "host_key_fingerprint": "aa:bb:cc"})},
        **HX,
    )

    assert answer.status_code == 422
    assert "&#x27;host_key_fingerprint&#x27; must be the server&#x27;s host key fingerprint" in answer.content.decode()


def test_a_refused_private_key_is_never_shown_back(client, admin_de, entity_de, bank):
    connector = sftp_connector(admin_de, entity_de, bank)
    client.force_login(admin_de)
    too_long = "-----BEGIN OPENSSH PRIVATE KEY-----" + "Q" * 20_000

    answer = client.post(
        reverse("integrations:connector-credentials", args=[connector.pk]), {"private_key": too_long}, **HX
    )

    assert answer.status_code == 422
    assert "QQQQ" not in answer.content.decode()


def test_test_connection_and_run_now_work_from_the_page(client, admin_de, entity_de, bank):
    connector = sftp_connector(admin_de, entity_de, bank)
    put_file(bank, f"{FOLDER}/camt053_1.xml", b"<Document/>")
    client.force_login(admin_de)

    tested = client.post(reverse("integrations:connector-test", args=[connector.pk]), **HX).content.decode()
    queued = client.post(reverse("integrations:connector-run", args=[connector.pk]))

    assert 'data-testid="test-result"' in tested
    assert "1 file(s) matching * wait in /INBOX" in tested
    run = SyncRun.objects.get(connector=connector)
    assert queued["Location"] == reverse("integrations:run-detail", args=[run.pk])
