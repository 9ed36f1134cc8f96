"""The 3-way match under real concurrency (threads with their own connections, PostgreSQL): two
workers on one run whose lease was handed on, and a person's decision while a run writes. Whatever
the order, what is stored is what one run alone stores, and nothing is held or open twice."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from finops.accounts.roles import Role
from finops.accounts.services import roles_sync, user_grant_role
from finops.invoicing.models import Invoice, InvoiceHold, InvoiceMatch
from finops.invoicing.services.decisions import invoice_cancel
from finops.invoicing.states import InvoiceState
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.matching.models import MatchRun
from reconciliation.matching.runs import (
    LeaseLost,
    match_lease_sweep,
    match_run_claim,
    match_run_execute,
    match_run_request,
    match_runs_now,
)
from reconciliation.matching.states import MatchKind, MatchTrigger
from reconciliation.matching.three_way.service import three_way_execute
from tests.factories import UserFactory
from tests.perf.ap_invoices import generate
from tests.perf.ap_service_data import dataset_store

pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(work: Any) -> tuple[threading.Thread, dict[str, Any]]:
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = work()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread, result


def _loaded(run_id: int, thread: threading.Thread) -> None:
    """Wait until the run has read its entity (it reports the total), while its worker still works."""
    deadline = time.monotonic() + 30
    while thread.is_alive() and time.monotonic() < deadline:
        if MatchRun.objects.filter(pk=run_id, total__isnull=False).exists():
            return
        time.sleep(0.005)


def _stored_once() -> None:
    """Nothing held or open twice, and a further run finds nothing to change."""
    active = Counter(InvoiceHold.objects.filter(released_at__isnull=True).values_list("invoice_id", "reason"))
    assert max(active.values(), default=1) == 1
    open_items = Counter(ExceptionItem.objects.filter(state__in=["open", "in_progress"]).values_list("dedupe_key"))
    assert max(open_items.values(), default=1) == 1
    assert match_runs_now(kind=MatchKind.THREE_WAY)["invoices_changed"] == 0


def test_two_workers_on_one_run_whose_lease_was_handed_on_store_it_once():
    stored = dataset_store(generate(1500, seed=11), "DE01")
    run = match_run_request(kind=MatchKind.THREE_WAY, entity=stored.entity, trigger=MatchTrigger.MANUAL).run
    first = match_run_claim(run.pk)
    assert first is not None

    def first_worker() -> str:
        try:
            three_way_execute(first)
        except LeaseLost:
            return "lost its lease"
        return "finished"

    thread, result = _in_thread(first_worker)
    _loaded(run.pk, thread)  # hand the run on once the first worker has read the entity
    assert match_lease_sweep(now=timezone.now() + timedelta(hours=1)) == [run.pk]
    second = match_run_execute(run_id=run.pk)
    thread.join(timeout=60)

    assert "error" not in result, result
    assert second == "succeeded"
    assert result["value"] in ("lost its lease", "finished")
    assert InvoiceMatch.objects.count() == len(stored.dataset.truth)
    _stored_once()


def test_a_person_cancelling_while_a_run_writes_leaves_nothing_held_on_the_cancelled_invoice():
    roles_sync()
    stored = dataset_store(generate(1500, seed=12), "DE01")
    clerk = UserFactory(username="clerk")
    user_grant_role(user=clerk, role=Role.AP_CLERK, entity=stored.entity, granted_by=None)
    # the last open invoice: a part that writes it starts late in the run
    target = Invoice.objects.filter(entity=stored.entity, state=InvoiceState.RECEIVED).order_by("-pk").first()
    run = match_run_request(kind=MatchKind.THREE_WAY, entity=stored.entity, trigger=MatchTrigger.MANUAL).run

    thread, result = _in_thread(lambda: match_run_execute(run_id=run.pk))
    _loaded(run.pk, thread)
    invoice_cancel(invoice_id=target.pk, actor=clerk, reason="withdrawn by the supplier")
    thread.join(timeout=60)

    assert result.get("value") == "succeeded", result
    target.refresh_from_db()
    assert target.state == InvoiceState.CANCELLED
    assert not InvoiceHold.objects.filter(invoice=target, released_at__isnull=True).exists()
    assert not ExceptionItem.objects.filter(object_id=str(target.pk), state__in=["open", "in_progress"]).exists()
    _stored_once()
