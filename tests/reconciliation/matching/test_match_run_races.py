"""Match runs under real concurrency: threads with their own database connections on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from finops.accounts.roles import MATCH_AP_PERMISSIONS
from reconciliation.matching import runs
from reconciliation.matching.models import MatchRun
from reconciliation.matching.runs import (
    MatchKindSpec,
    MatchOutcome,
    MatchRunContext,
    match_kind_register,
    match_run_execute,
    match_run_request,
)
from reconciliation.matching.states import MatchKind, MatchRunState, MatchTrigger
from tests.factories import LegalEntityFactory

pytestmark = pytest.mark.django_db(transaction=True)
KIND = MatchKind.CASH_APPLICATION


def _together(work: Callable[[int], Any], n: int = 2) -> list[Any]:
    """Run work(i) in n threads released at the same moment; their results (or exceptions)."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def target(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.fixture
def slow_kind() -> Iterator[threading.Event]:
    """A kind whose executor waits inside its write until released, counting its executions."""
    release = threading.Event()
    executed: list[int] = []

    def execute(ctx: MatchRunContext) -> MatchOutcome:
        executed.append(ctx.run.pk)
        with ctx.writing():
            release.wait(timeout=10)
        return MatchOutcome({"executions": len(executed)})

    match_kind_register(MatchKindSpec(KIND, execute, MATCH_AP_PERMISSIONS))
    yield release
    runs._KINDS.pop(KIND, None)


def test_two_imports_finishing_at_once_queue_one_run(slow_kind):
    entity = LegalEntityFactory(code="DE01")

    asked = _together(
        lambda i: match_run_request(kind=KIND, entity=entity, trigger=MatchTrigger.IMPORT, enqueue=False), n=4
    )

    assert not [a for a in asked if isinstance(a, Exception)], asked
    assert len({a.run.pk for a in asked}) == 1
    assert sum(a.created for a in asked) == 1
    assert MatchRun.objects.count() == 1


def test_two_workers_given_the_same_run_execute_it_once(slow_kind):
    entity = LegalEntityFactory(code="DE01")
    run = match_run_request(kind=KIND, entity=entity, trigger=MatchTrigger.MANUAL, enqueue=False).run
    slow_kind.set()

    states = _together(lambda i: match_run_execute(run_id=run.pk))

    assert sorted(states) == ["", "succeeded"]
    run.refresh_from_db()
    assert run.counts == {"executions": 1}


def test_a_request_while_a_run_writes_makes_it_run_again_afterwards(slow_kind):
    entity = LegalEntityFactory(code="DE01")
    run = match_run_request(kind=KIND, entity=entity, trigger=MatchTrigger.MANUAL, enqueue=False).run

    def worker_or_import(i: int) -> Any:
        if i == 0:
            return match_run_execute(run_id=run.pk)
        while not MatchRun.objects.filter(pk=run.pk, state=MatchRunState.RUNNING).exists():
            pass
        asked = match_run_request(kind=KIND, entity=entity, trigger=MatchTrigger.IMPORT, enqueue=False)
        slow_kind.set()
        return asked

    finished, asked = _together(worker_or_import)

    assert finished == "succeeded"
    assert (asked.run.pk, asked.created) == (run.pk, False)
    successor = MatchRun.objects.exclude(pk=run.pk).get()
    assert (successor.state, successor.trigger) == (MatchRunState.QUEUED, MatchTrigger.RERUN)
