"""The one transition function: allowed moves, refused moves, races, and the audit it writes."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from finops.audit.models import AuditEvent
from finops.core.workflow import ConcurrentTransition, InvalidTransition, transition
from finops.invoicing.models import Invoice
from finops.invoicing.states import InvoiceState
from finops.masterdata.models import BankAccountChange
from finops.payables.models import PaymentBatch
from finops.payables.states import BatchState
from integrations.models import SyncRun
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.states import ExceptionState
from tests.factories import ExceptionItemFactory, InvoiceFactory


@pytest.mark.parametrize(
    ("model", "initial_states"),
    [
        (Invoice, {"received", "issued"}),
        (PaymentBatch, {"draft"}),
        (ExceptionItem, {"open"}),
        (SyncRun, {"queued"}),
        (BankAccountChange, {"requested"}),
    ],
)
def test_every_workflow_has_a_closed_transition_table(model, initial_states):
    table = model.TRANSITIONS
    states = {value for value, _ in model._meta.get_field("state").choices}

    assert set(table) == states, f"{model.__name__}: every state has a row"
    for source, targets in table.items():
        assert targets <= states, f"{model.__name__}.{source} points to an unknown state"
    reachable = set(initial_states)
    frontier = list(initial_states)
    while frontier:
        for target in table[frontier.pop()]:
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == states, f"{model.__name__}: unreachable states {states - reachable}"


def test_transition_moves_state_and_writes_one_audit_event(clerk_de, entity_de):
    invoice = InvoiceFactory(entity=entity_de)

    transition(invoice, to=InvoiceState.MATCHED, actor=clerk_de, reason="3-way match ok")

    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.MATCHED
    event = AuditEvent.objects.get(object_type="invoicing.Invoice", object_id=str(invoice.pk))
    assert event.action == "received->matched"
    assert event.actor == clerk_de
    assert event.before == {"state": "received"}
    assert event.after == {"state": "matched"}
    assert event.reason == "3-way match ok"
    assert event.entity_id == entity_de.pk
    assert event.correlation_id == invoice.correlation_id


def test_transition_refuses_an_illegal_move_and_writes_nothing(clerk_de, entity_de):
    invoice = InvoiceFactory(entity=entity_de)

    with pytest.raises(InvalidTransition, match="received → paid is not allowed"):
        transition(invoice, to=InvoiceState.PAID, actor=clerk_de)

    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.RECEIVED
    assert not AuditEvent.objects.filter(object_id=str(invoice.pk), object_type="invoicing.Invoice").exists()


def test_transition_on_a_stale_copy_raises_concurrent_transition(clerk_de, entity_de):
    invoice = InvoiceFactory(entity=entity_de)
    stale = Invoice.objects.get(pk=invoice.pk)
    transition(invoice, to=InvoiceState.MATCHED, actor=clerk_de)

    with pytest.raises(ConcurrentTransition, match="changed while you were working on it"):
        transition(stale, to=InvoiceState.EXCEPTION, actor=clerk_de)

    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.MATCHED
    assert AuditEvent.objects.filter(object_type="invoicing.Invoice", object_id=str(invoice.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_threads_racing_the_same_transition_yield_exactly_one_winner(roles):
    from tests.factories import LegalEntityFactory

    item = ExceptionItemFactory(entity=LegalEntityFactory(code="RACE"))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker() -> None:
        copy = ExceptionItem.objects.get(pk=item.pk)
        barrier.wait()
        try:
            transition(copy, to=ExceptionState.RESOLVED, actor=None, reason="race")
            outcomes.append("won")
        except ConcurrentTransition:
            outcomes.append("lost")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["lost", "won"]
    assert ExceptionItem.objects.get(pk=item.pk).state == ExceptionState.RESOLVED
    assert AuditEvent.objects.filter(object_type="reconciliation.ExceptionItem", object_id=str(item.pk)).count() == 1


def test_batch_transition_records_extra_facts_in_the_audit(clerk_de, entity_de):
    from tests.factories import PaymentBatchFactory

    batch = PaymentBatchFactory(entity=entity_de, created_by=clerk_de)

    transition(
        batch,
        to=BatchState.PENDING_APPROVAL,
        actor=clerk_de,
        stamp="submitted_at",
        extra={"control_sum": Decimal("10.10")},
    )

    batch.refresh_from_db()
    assert batch.submitted_at is not None
    event = AuditEvent.objects.get(object_type="payables.PaymentBatch", object_id=str(batch.pk))
    assert event.after == {"state": "pending_approval", "control_sum": "10.10"}
