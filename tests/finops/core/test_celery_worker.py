"""A real Celery worker consuming from Redis runs our periodic heartbeat task."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from finops.celery import app
from finops.core.models import Heartbeat
from finops.core.tasks import heartbeat_task


def test_celery_is_configured_for_money():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.accept_content == ["json"]
    assert app.conf.broker_transport_options["visibility_timeout"] >= app.conf.task_time_limit
    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss is True
    assert "heartbeat" in settings.CELERY_BEAT_SCHEDULE


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_runs_the_heartbeat_task():
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        heartbeat_task.delay("beat").get(timeout=20) if app.conf.result_backend else _wait_for_heartbeat()

    names = set(Heartbeat.objects.values_list("name", flat=True))
    assert names == {"worker", "beat"}


def _wait_for_heartbeat() -> None:
    import time

    heartbeat_task.delay("beat")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if Heartbeat.objects.filter(name="beat").exists():
            return
        time.sleep(0.2)
    raise AssertionError("the worker did not run heartbeat_task within 20 s")
