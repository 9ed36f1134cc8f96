"""Connector credentials: encrypted at rest with MultiFernet, rotatable, never shown or logged."""

import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from integrations import credentials
from integrations.credentials import CredentialKeysMissing, CredentialsUnreadable
from integrations.models import Connector
from integrations.services import connector_create, connector_credentials_set

TOKEN = "tok_live_5up3r-s3cr3t-value"


@pytest.fixture
def connector(admin_de, entity_de):
    return connector_create(
        actor=admin_de, kind="erp_rest", entity=entity_de, settings={"name": "ERP", "base_url": "http://127.0.0.1:9"}
    )


def _raw_column(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials_encrypted FROM integrations_connector WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_a_token_is_stored_encrypted_and_the_page_only_says_when_it_changed(client, admin_de, connector, caplog):
    client.force_login(admin_de)
    caplog.set_level(logging.DEBUG)

    response = client.post(reverse("integrations:connector-credentials", args=[connector.pk]), {"token": TOKEN})
    page = client.get(reverse("integrations:connector-detail", args=[connector.pk])).content.decode()

    connector.refresh_from_db()
    assert response.status_code == 302
    assert TOKEN not in _raw_column(connector.pk)
    assert credentials.decrypt(connector.credentials_encrypted) == {"token": TOKEN}
    assert TOKEN not in page
    changed_on = f"{connector.credentials_changed_at:%Y-%m-%d}"
    assert f'Token: set, last changed <time class="date" datetime="{changed_on}">{changed_on}</time>' in page
    assert 'type="password"' in page
    assert "value=" not in page.split('name="token"')[1].split(">")[0]
    assert TOKEN not in caplog.text


def test_a_blank_field_keeps_the_stored_secret(admin_de, connector):
    connector_credentials_set(connector_id=connector.pk, actor=admin_de, values={"token": TOKEN})

    connector_credentials_set(connector_id=connector.pk, actor=admin_de, values={"token": ""})

    connector.refresh_from_db()
    assert credentials.decrypt(connector.credentials_encrypted) == {"token": TOKEN}


def test_a_new_webhook_secret_keeps_the_old_one_as_previous_until_forgotten(admin_de, entity_de):
    hook = connector_create(actor=admin_de, kind="billing_webhook", entity=entity_de, settings={"name": "Billing"})

    connector_credentials_set(connector_id=hook.pk, actor=admin_de, values={"webhook_secret": "one"})
    connector_credentials_set(connector_id=hook.pk, actor=admin_de, values={"webhook_secret": "two"})
    hook.refresh_from_db()
    rotating = credentials.decrypt(hook.credentials_encrypted)
    connector_credentials_set(connector_id=hook.pk, actor=admin_de, values={}, forget_previous_secret=True)
    hook.refresh_from_db()

    assert rotating == {"webhook_secret": "two", "previous_webhook_secret": "one"}
    assert credentials.decrypt(hook.credentials_encrypted) == {"webhook_secret": "two"}
    assert set(hook.credential_fields) == {"webhook_secret"}


def test_production_refuses_to_store_credentials_without_configured_keys(client, admin_de, connector, settings):
    settings.FCT_CREDENTIAL_KEYS = []
    settings.FCT_CREDENTIAL_KEYS_REQUIRED = True
    client.force_login(admin_de)

    with pytest.raises(CredentialKeysMissing, match="FCT_CREDENTIAL_KEYS must be set in production"):
        connector_credentials_set(connector_id=connector.pk, actor=admin_de, values={"token": TOKEN})
    response = client.post(
        reverse("integrations:connector-credentials", args=[connector.pk]), {"token": TOKEN}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    assert "FCT_CREDENTIAL_KEYS must be set in production" in response.content.decode()
    assert Connector.objects.get(pk=connector.pk).credentials_encrypted == ""


def test_the_production_settings_module_requires_keys_by_default(settings):
    settings.FCT_CREDENTIAL_KEYS = []
    del settings.FCT_CREDENTIAL_KEYS_REQUIRED
    settings.SETTINGS_MODULE = "finops.settings.production"  # last: each override resets it

    with pytest.raises(CredentialKeysMissing):
        credentials.encrypt({"token": TOKEN})


def test_rotate_credential_keys_reencrypts_with_the_newest_key(admin_de, connector, settings, capsys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FCT_CREDENTIAL_KEYS_REQUIRED = True
    settings.FCT_CREDENTIAL_KEYS = [old]
    connector_credentials_set(connector_id=connector.pk, actor=admin_de, values={"token": TOKEN})
    before = _raw_column(connector.pk)

    settings.FCT_CREDENTIAL_KEYS = [new, old]
    call_command("rotate_credential_keys")

    after = _raw_column(connector.pk)
    assert after != before
    assert "1 connector(s)" in capsys.readouterr().out
    settings.FCT_CREDENTIAL_KEYS = [new]
    assert credentials.decrypt(after) == {"token": TOKEN}
    settings.FCT_CREDENTIAL_KEYS = [old]
    with pytest.raises(CredentialsUnreadable):
        credentials.decrypt(after)


def test_without_configured_keys_development_derives_one_from_the_secret_key(settings):
    settings.FCT_CREDENTIAL_KEYS = []
    settings.FCT_CREDENTIAL_KEYS_REQUIRED = False

    token = credentials.encrypt({"token": TOKEN})

    assert credentials.decrypt(token) == {"token": TOKEN}
    settings.SECRET_KEY = "another-key"
    with pytest.raises(CredentialsUnreadable):
        credentials.decrypt(token)
