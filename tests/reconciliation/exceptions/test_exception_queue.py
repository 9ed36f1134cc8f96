"""Exception items: opened once per cause, owned, worked and closed in the browser, audited."""

import pytest
from django.urls import reverse

from finops.audit.models import AuditEvent
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.services import exception_open
from reconciliation.exceptions.states import ExceptionState
from tests.factories import ExceptionItemFactory


def test_exception_open_is_idempotent_per_cause(entity_de):
    first, created = exception_open(entity=entity_de, kind="unapplied_cash", title="Receipt 1", dedupe_key="k:1")
    again, created_again = exception_open(entity=entity_de, kind="unapplied_cash", title="Receipt 1", dedupe_key="k:1")

    assert created is True
    assert created_again is False
    assert again.pk == first.pk
    assert ExceptionItem.objects.filter(dedupe_key="k:1").count() == 1
    assert AuditEvent.objects.filter(action="exception.created", object_id=str(first.pk)).count() == 1


def test_taking_an_exception_assigns_it_and_moves_it_in_progress(client, treasury_de, entity_de):
    item = ExceptionItemFactory(entity=entity_de)
    client.force_login(treasury_de)

    response = client.post(reverse("reconciliation:exception-start", args=[item.pk]))

    item.refresh_from_db()
    assert response.status_code == 302
    assert item.state == ExceptionState.IN_PROGRESS
    assert item.assignee == treasury_de


def test_resolving_needs_a_description_and_is_audited(client, treasury_de, entity_de):
    item = ExceptionItemFactory(entity=entity_de)
    client.force_login(treasury_de)
    url = reverse("reconciliation:exception-resolve", args=[item.pk])

    refused = client.post(url, {"resolution": ""}, HTTP_HX_REQUEST="true")
    done = client.post(url, {"resolution": "Applied to INV-1001 after calling the customer"})

    item.refresh_from_db()
    assert refused.status_code == 422
    assert "This field is required." in refused.content.decode()
    assert done.status_code == 302
    assert item.state == ExceptionState.RESOLVED
    assert item.resolved_at is not None
    event = AuditEvent.objects.get(
        object_type="reconciliation.ExceptionItem", object_id=str(item.pk), action="open->resolved"
    )
    assert event.reason == "Applied to INV-1001 after calling the customer"


def test_write_off_is_for_controllers_only(client, treasury_de, controller_de, entity_de):
    item = ExceptionItemFactory(entity=entity_de)
    url = reverse("reconciliation:exception-write-off", args=[item.pk])

    client.force_login(treasury_de)
    assert client.post(url, {"reason": "small difference"}).status_code == 403
    client.force_login(controller_de)
    assert client.post(url, {"reason": "small difference"}).status_code == 302

    item.refresh_from_db()
    assert item.state == ExceptionState.WRITTEN_OFF


def test_an_auditor_cannot_work_an_exception(client, auditor_de, entity_de):
    item = ExceptionItemFactory(entity=entity_de)
    client.force_login(auditor_de)

    page = client.get(reverse("reconciliation:exception-detail", args=[item.pk])).content.decode()
    response = client.post(reverse("reconciliation:exception-start", args=[item.pk]))

    assert "Your role here is read-only." in page
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.state == ExceptionState.OPEN


@pytest.mark.parametrize("action", ["exception-start", "exception-resolve", "exception-write-off"])
def test_actions_on_another_entitys_exception_are_404(client, controller_gb, entity_de, action):
    item = ExceptionItemFactory(entity=entity_de)
    client.force_login(controller_gb)

    assert client.post(reverse(f"reconciliation:{action}", args=[item.pk]), {"reason": "x"}).status_code == 404
