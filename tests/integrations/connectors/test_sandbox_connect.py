"""The demo's one-liner that points seeded connectors at a running sandbox."""

from django.core.management import call_command

from integrations import credentials
from integrations.models import Connector
from integrations.services import connector_create
from tests.integrations.connectors.support import emit


def test_sandbox_connect_configures_pull_and_webhook_connectors(admin_de, entity_de, sandbox, capsys):
    erp = connector_create(actor=admin_de, kind="erp_rest", entity=entity_de, settings={"name": "SAP"})
    billing = connector_create(actor=admin_de, kind="billing_webhook", entity=entity_de, settings={"name": "Stripe"})

    call_command("sandbox_connect", sandbox=sandbox, site="http://127.0.0.1:9")

    erp.refresh_from_db()
    billing.refresh_from_db()
    assert (erp.base_url, erp.cadence_minutes) == (sandbox, 15)
    assert erp.next_run_at is not None
    assert credentials.decrypt(erp.credentials_encrypted) == {"token": "sandbox-token"}
    assert set(credentials.decrypt(billing.credentials_encrypted)) == {"webhook_secret"}
    [delivery] = emit(sandbox, "billing", "invoice.issued")  # subscribed: the sandbox tries our (closed) port
    assert delivery["status_code"] is None
    assert "SAP: pulls from" in capsys.readouterr().out
    assert Connector.objects.get(pk=erp.pk).credential_fields.keys() == {"token"}
