"""The audit trail is append-only in PostgreSQL itself."""

import pytest
from django.db import DatabaseError, connection, transaction

from finops.audit.models import AuditEvent
from finops.audit.services import audit_record


@pytest.fixture
def event(entity_de):
    return audit_record(entity_de, action="test.recorded", actor=None, after={"x": 1})


def test_update_of_an_audit_row_is_refused_by_the_database(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")

    assert AuditEvent.objects.get(pk=event.pk).action == "test.recorded"


def test_delete_of_an_audit_row_is_refused_by_the_database(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_sql_cannot_rewrite_history_either(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditevent SET reason = 'edited' WHERE id = %s", [event.pk])

    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_audit_record_keeps_who_what_and_the_correlation_id(controller_de, entity_de):
    from finops.audit.context import correlation

    with correlation("corr-test-0001"):
        from tests.factories import ExceptionItemFactory

        item = ExceptionItemFactory(entity=entity_de, correlation_id="")
        event = audit_record(
            item,
            action="exception.assigned",
            actor=controller_de,
            reason="mine",
            before={"assignee": ""},
            after={"assignee": "controller_de"},
        )

    assert event.actor_name == "controller_de"
    assert event.correlation_id == "corr-test-0001"
    assert event.entity == entity_de
    assert event.before == {"assignee": ""}
    assert event.reason == "mine"
