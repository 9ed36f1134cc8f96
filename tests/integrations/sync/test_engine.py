"""The sync engine around the connectors: Run now, the scheduler, the lease sweeper, a real
Celery worker, and what a worker whose lease was taken away does."""

import datetime as dt
import threading
import time

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.utils import timezone

from finops.audit.models import AuditEvent
from finops.celery import app
from finops.core.workflow import WorkflowError
from integrations.models import Connector, SyncRun
from integrations.states import SyncState
from integrations.sync.context import LeaseLost, RunContext
from integrations.sync.dispatch import connector_dispatch_due
from integrations.sync.lease import MAX_CLAIMS, sync_lease_sweep
from integrations.sync.runs import SyncAlreadyLive, sync_run_claim, sync_run_execute, sync_run_request
from tests.integrations.conftest import QUEUE
from tests.integrations.connectors.support import make_connector, mark_after, set_marks


def _small(connector, sandbox):
    connector.mapping = {"resources": ["suppliers"]}
    connector.save(update_fields=["mapping"])
    set_marks(connector, suppliers=mark_after(sandbox, "erp", "suppliers", keep_last=3))
    return connector


def test_run_now_queues_a_run_after_commit_and_refuses_a_second_live_one(
    erp, admin_de, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        run = sync_run_request(connector_id=erp.pk, actor=admin_de)

    assert run.state == SyncState.QUEUED
    assert len(callbacks) == 1  # enqueued only once the run is committed
    with pytest.raises(SyncAlreadyLive):
        sync_run_request(connector_id=erp.pk, actor=admin_de)
    assert SyncRun.objects.filter(connector=erp).count() == 1


def test_run_now_is_refused_for_a_disabled_connector(erp, admin_de):
    Connector.objects.filter(pk=erp.pk).update(is_enabled=False)

    with pytest.raises(WorkflowError, match="disabled"):
        sync_run_request(connector_id=erp.pk, actor=admin_de)


def test_a_redelivered_task_finds_the_run_finished_and_does_nothing(erp, sandbox):
    _small(erp, sandbox)
    run = sync_run_request(connector_id=erp.pk, actor=None)
    assert sync_run_execute(sync_run_id=run.pk) == SyncState.SUCCEEDED

    assert sync_run_execute(sync_run_id=run.pk) == ""
    assert sync_run_execute(sync_run_id=999_999) == ""


def test_the_scheduler_queues_due_connectors_once_and_moves_next_run_on(erp, admin_de, entity_de, sandbox):
    now = timezone.now()
    Connector.objects.filter(pk=erp.pk).update(cadence_minutes=15, next_run_at=now - dt.timedelta(seconds=1))
    not_due = make_connector(admin_de, entity_de, "crm_rest", sandbox, name="CRM", cadence_minutes=15)
    Connector.objects.filter(pk=not_due.pk).update(next_run_at=now + dt.timedelta(minutes=5))

    queued = connector_dispatch_due(now=now)
    again = connector_dispatch_due(now=now + dt.timedelta(minutes=1))

    erp.refresh_from_db()
    assert [SyncRun.objects.get(pk=pk).connector_id for pk in queued] == [erp.pk]
    assert again == []
    assert erp.next_run_at == now + dt.timedelta(minutes=15)


def test_the_scheduler_does_not_queue_a_second_run_of_a_connector_still_running(erp):
    run = sync_run_request(connector_id=erp.pk, actor=None)
    Connector.objects.filter(pk=erp.pk).update(cadence_minutes=5, next_run_at=timezone.now())

    assert connector_dispatch_due() == []
    assert SyncRun.objects.filter(connector=erp).get() == run


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_dispatch_a_due_connector_once(admin_de, entity_de, sandbox_server):
    connector = make_connector(admin_de, entity_de, "erp_rest", sandbox_server, cadence_minutes=10)
    Connector.objects.filter(pk=connector.pk).update(next_run_at=timezone.now() - dt.timedelta(minutes=1))
    barrier = threading.Barrier(2)
    results: list[list[int]] = []

    def beat() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(connector_dispatch_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(len(r) for r in results) == [0, 1]
    assert SyncRun.objects.filter(connector=connector).count() == 1


def test_the_lease_sweeper_requeues_a_run_whose_worker_died_and_the_run_then_completes(
    erp, sandbox, django_capture_on_commit_callbacks
):
    _small(erp, sandbox)
    run = sync_run_request(connector_id=erp.pk, actor=None)
    claimed, token = sync_run_claim(run.pk)  # a worker takes it ... and dies
    assert sync_lease_sweep() == []  # its lease is still running

    with (
        time_machine.travel(claimed.lease_expires_at + dt.timedelta(seconds=1)),
        django_capture_on_commit_callbacks() as callbacks,
    ):
        requeued = sync_lease_sweep()

    run.refresh_from_db()
    assert requeued == [run.pk]
    assert (run.state, run.lease_token, len(callbacks)) == (SyncState.QUEUED, "", 1)
    assert AuditEvent.objects.filter(object_id=str(run.pk), action="running->queued").exists()
    with pytest.raises(LeaseLost):  # the old worker, had it survived, stops at its next heartbeat
        RunContext(claimed, erp, token).flush()

    assert sync_run_execute(sync_run_id=run.pk) == SyncState.SUCCEEDED
    run.refresh_from_db()
    assert (run.attempt, run.created) == (2, 3)


def test_a_run_whose_worker_keeps_dying_is_parked_as_failed(erp):
    run = sync_run_request(connector_id=erp.pk, actor=None)
    SyncRun.objects.filter(pk=run.pk).update(
        state=SyncState.RUNNING, attempt=MAX_CLAIMS, lease_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )

    sync_lease_sweep()

    run.refresh_from_db()
    erp.refresh_from_db()
    assert run.state == SyncState.FAILED
    assert "stopped 5 times" in run.error
    assert erp.failure_streak == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_executes_a_run_end_to_end(admin_de, entity_de, sandbox):
    connector = _small(make_connector(admin_de, entity_de, "erp_rest", sandbox), sandbox)

    selected = app.amqp.queues._consume_from  # the worker narrows the app's queues; other tests need them back
    try:
        with start_worker(
            app, queues=[QUEUE], perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10
        ):
            run = sync_run_request(connector_id=connector.pk, actor=admin_de)  # enqueued on commit
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                run.refresh_from_db()
                if not run.is_live:
                    break
                time.sleep(0.2)
    finally:
        app.amqp.queues._consume_from = selected

    assert (run.state, run.received, run.created) == (SyncState.SUCCEEDED, 3, 3)
    connector.refresh_from_db()
    assert connector.last_success_at is not None
