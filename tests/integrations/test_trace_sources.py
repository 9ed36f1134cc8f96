"""The trace of a correlation id shows bank files and sync runs beside audit events, only to
users of the entity."""

from pathlib import Path

from django.urls import reverse

from integrations.bankfiles.models import InboundFile
from integrations.bankfiles.services import bank_file_import
from integrations.services import connector_create
from integrations.sync.runs import sync_run_request
from tests.integrations.bankfiles.helpers import own_account

ING = "camt053/svapnil_ing_example_camt.xml"


def test_a_bank_files_trace_shows_the_file_and_the_statement_it_created(
    client, entity_de, treasury_de, outsider, fixtures_dir: Path
):
    """SVAPNIL ing/example_camt.xml imported by a DE01 treasury analyst."""
    own_account(entity_de, iban="NL08INGB0000001234")
    bank_file_import(data=(fixtures_dir / ING).read_bytes(), filename="ing.xml", source="upload", user=treasury_de)
    inbound = InboundFile.objects.get()
    url = reverse("outbox:trace", args=[inbound.correlation_id])

    client.force_login(treasury_de)
    page = client.get(url).content.decode()
    client.force_login(outsider)
    hidden = client.get(url)

    assert "Bank file ing.xml (camt.053): imported" in page
    assert reverse("bankfiles:file-detail", args=[inbound.pk]) in page
    assert hidden.status_code == 404


def test_a_sync_runs_trace_shows_the_run(client, entity_de, admin_de):
    connector = connector_create(
        actor=admin_de,
        kind="erp_rest",
        entity=entity_de,
        settings={"name": "ERP DE01", "base_url": "http://127.0.0.1:9"},
    )
    run = sync_run_request(connector_id=connector.pk, actor=admin_de)
    client.force_login(admin_de)

    page = client.get(reverse("outbox:trace", args=[run.correlation_id])).content.decode()

    assert f"Sync run {run.pk}: queued" in page
    assert reverse("integrations:run-detail", args=[run.pk]) in page
