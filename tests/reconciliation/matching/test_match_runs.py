"""Match runs, the machinery every kind of matching shares: asked for on a page, over the API or on
the command line; one live run per scope; claimed once; progress and a lease; found again when its
worker dies; run again when data changed while it worked.

The kind used here is a small executor registered for the test under MatchKind.CASH_APPLICATION
(which no app registers yet): it counts the entity's invoices and reports progress."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from finops.accounts.roles import MATCH_AP_PERMISSIONS
from finops.audit.models import AuditEvent
from finops.core.workflow import WorkflowError
from finops.invoicing.models import Invoice
from reconciliation.matching import runs
from reconciliation.matching.models import MatchRun
from reconciliation.matching.runs import (
    MatchKindSpec,
    MatchOutcome,
    MatchRunContext,
    match_kind_register,
    match_lease_sweep,
    match_run_claim,
    match_run_execute,
    match_run_request,
)
from reconciliation.matching.states import MatchKind, MatchRunState, MatchTrigger
from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db
KIND = MatchKind.CASH_APPLICATION
calls: list[int] = []


def _count_invoices(ctx: MatchRunContext) -> MatchOutcome:
    calls.append(ctx.run.pk)
    ids = list(Invoice.objects.filter(entity=ctx.entity).values_list("pk", flat=True))
    ctx.progress(0, total=len(ids))
    with ctx.writing():
        pass
    ctx.progress(len(ids))
    return MatchOutcome({"invoices": len(ids), "reasons": {"seen": len(ids)}}, rule_version="count/1")


@pytest.fixture(autouse=True)
def counting_kind() -> Iterator[None]:
    calls.clear()
    match_kind_register(MatchKindSpec(KIND, _count_invoices, MATCH_AP_PERMISSIONS))
    yield
    runs._KINDS.pop(KIND, None)


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- asking for a run --------------------------------------------------------------------------


def test_a_clerk_asks_for_a_run_over_the_api_and_it_is_queued_once(
    clerk_de, entity_de, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as enqueued:
        first = _api(clerk_de).post("/api/match-runs/", {"kind": KIND, "entity": "DE01"}, format="json")
    again = _api(clerk_de).post("/api/match-runs/", {"kind": KIND, "entity": "DE01"}, format="json")

    assert first.status_code == 202, first.content
    assert first.json()["state"] == "queued"
    assert first.json()["triggered_by"] == "clerk_de"
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert MatchRun.objects.count() == 1
    assert len(enqueued) == 1
    assert AuditEvent.objects.filter(action="match_run.queued", object_id=str(first.json()["id"])).count() == 1


def test_asking_over_the_api_hides_other_entities_and_refuses_roles_that_may_not(
    outsider, auditor_de, treasury_de, entity_de
):
    body = {"kind": KIND, "entity": "DE01"}

    assert _api(outsider).post("/api/match-runs/", body, format="json").status_code == 404
    assert _api(auditor_de).post("/api/match-runs/", body, format="json").status_code == 403
    assert _api(treasury_de).post("/api/match-runs/", body, format="json").status_code == 403
    assert _api(outsider).post("/api/match-runs/", {"kind": KIND, "entity": "XX99"}, format="json").status_code == 404
    assert not MatchRun.objects.exists()


def test_a_kind_nobody_runs_is_refused_with_a_reason(clerk_de):
    response = _api(clerk_de).post("/api/match-runs/", {"kind": "bank_reconciliation", "entity": "DE01"}, format="json")

    assert response.status_code == 400
    assert "not a kind of matching" in response.json()["detail"]


def test_the_run_list_and_a_run_are_scoped_to_the_users_entities(clerk_de, outsider, entity_de):
    run = match_run_request(kind=KIND, entity=entity_de, trigger=MatchTrigger.MANUAL).run

    assert [r["id"] for r in _api(clerk_de).get("/api/match-runs/").json()["results"]] == [run.pk]
    assert _api(outsider).get("/api/match-runs/").json()["results"] == []
    assert _api(outsider).get(f"/api/match-runs/{run.pk}/").status_code == 404
    assert _api(clerk_de).get(f"/api/match-runs/{run.pk}/").json()["entity"] == "DE01"


def test_one_live_run_per_scope_is_the_databases_rule(entity_de):
    MatchRun.objects.create(kind=KIND, entity=entity_de)

    with pytest.raises(IntegrityError), transaction.atomic():
        MatchRun.objects.create(kind=KIND, entity=entity_de)
    MatchRun.objects.create(kind=KIND, entity=entity_de, currency="USD")  # another scope
    MatchRun.objects.create(kind=MatchKind.THREE_WAY, entity=entity_de)  # another kind


# --- executing -----------------------------------------------------------------------------------


def test_a_worker_runs_the_queued_run_once_with_its_counts_and_progress(entity_de):
    InvoiceFactory.create_batch(3, entity=entity_de)
    run = match_run_request(kind=KIND, entity=entity_de, trigger=MatchTrigger.MANUAL).run

    state = match_run_execute(run_id=run.pk)
    again = match_run_execute(run_id=run.pk)  # the broker delivered the message twice

    run.refresh_from_db()
    assert (state, again) == ("succeeded", "")
    assert calls == [run.pk]
    assert run.counts == {"invoices": 3, "reasons": {"seen": 3}}
    assert (run.processed, run.total, run.percent) == (3, 3, 100)
    assert run.rule_version == "count/1"
    assert run.started_at is not None
    assert run.finished_at is not None
    assert run.lease_expires_at is None
    assert list(
        AuditEvent.objects.filter(object_type="matching.MatchRun", object_id=str(run.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["match_run.queued", "queued->running", "running->succeeded"]


def test_an_executor_that_breaks_fails_the_run_with_the_reason(entity_de):
    def broken(ctx: MatchRunContext) -> MatchOutcome:
        raise WorkflowError("The entity's AP policy is missing a tolerance.")

    match_kind_register(MatchKindSpec(KIND, broken, MATCH_AP_PERMISSIONS))
    run = match_run_request(kind=KIND, entity=entity_de, trigger=MatchTrigger.MANUAL).run

    assert match_run_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert run.error == "The entity's AP policy is missing a tolerance."
    assert match_run_request(kind=KIND, entity=entity_de, trigger=MatchTrigger.MANUAL).created  # scope free again


def test_data_arriving_while_a_run_works_queues_the_next_run_when_it_finishes(entity_de):
    run = match_run_request(kind=KIND, entity=entity_de, trigger=MatchTrigger.MANUAL).run
    ctx = match_run_claim(run.pk)
    assert ctx is not None

    during = match_run_request(kind=KIND, entity=entity_de, trigger=MatchTrigger.IMPORT, detail="invoices.csv")
    assert (during.run.pk, during.created, during.run.rerun_requested) == (run.pk, False, True)
    runs._finish(ctx, MatchOutcome({"invoices": 0}), fatal="")

    successor = MatchRun.objects.exclude(pk=run.pk).get()
    assert successor.state == MatchRunState.QUEUED
    assert successor.trigger == MatchTrigger.RERUN
    assert f"run {run.pk}" in successor.trigger_detail


# --- the lease -------------------------------------------------------------------------------------


def test_the_sweeper_hands_a_dead_workers_run_to_another_and_the_dead_one_cannot_write(entity_de):
    run = match_run_request(kind=KIND, entity=entity_de, trigger=MatchTrigger.MANUAL).run
    dead = match_run_claim(run.pk)
    assert dead is not None

    assert match_lease_sweep(now=timezone.now() + timedelta(hours=1)) == [run.pk]
    run.refresh_from_db()
    assert run.state == MatchRunState.QUEUED
    with pytest.raises(runs.LeaseLost):
        dead.progress(1)
    with pytest.raises(runs.LeaseLost), dead.writing():
        pass
    assert match_run_execute(run_id=run.pk) == "succeeded"
    run.refresh_from_db()
    assert run.attempt == 2


def test_a_run_whose_worker_keeps_dying_is_parked_as_failed(entity_de):
    run = match_run_request(kind=KIND, entity=entity_de, trigger=MatchTrigger.MANUAL).run
    MatchRun.objects.filter(pk=run.pk).update(attempt=runs.MAX_CLAIMS - 1)
    match_run_claim(run.pk)

    assert match_lease_sweep(now=timezone.now() + timedelta(hours=1)) == []
    run.refresh_from_db()
    assert run.state == MatchRunState.FAILED
    assert "stopped 5 times" in run.error


def test_a_live_lease_is_left_alone(entity_de):
    run = match_run_request(kind=KIND, entity=entity_de, trigger=MatchTrigger.MANUAL).run
    match_run_claim(run.pk)

    assert match_lease_sweep() == []
    run.refresh_from_db()
    assert run.state == MatchRunState.RUNNING


# --- screens -----------------------------------------------------------------------------------------


def test_run_now_on_the_page_queues_a_run_and_shows_its_progress(clerk_de, entity_de):
    browser = _browser(clerk_de)

    page = browser.get(reverse("matching:run-list"))
    response = browser.post(reverse("matching:run-request"), {"kind": KIND, "entity": "DE01"})

    assert page.status_code == 200
    assert b'data-testid="run-now"' in page.content
    run = MatchRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:run-detail", args=[run.pk])
    detail = browser.get(response["Location"])
    assert b'hx-trigger="every 1s"' in detail.content  # polls while live
    match_run_execute(run_id=run.pk)
    fragment = browser.get(reverse("matching:run-progress", args=[run.pk]))
    assert b'data-state="succeeded"' in fragment.content
    assert b"every 1s" not in fragment.content  # stops polling once finished
    assert b"Invoices" in fragment.content


def test_run_now_is_not_offered_to_a_read_only_role_and_refused_to_it(auditor_de, outsider, entity_de):
    page = _browser(auditor_de).get(reverse("matching:run-list"))

    body = {"kind": KIND, "entity": "DE01"}

    assert b'data-testid="run-now"' not in page.content
    assert _browser(auditor_de).post(reverse("matching:run-request"), body).status_code == 403
    assert _browser(outsider).post(reverse("matching:run-request"), body).status_code == 404
    assert not MatchRun.objects.exists()


def test_a_run_page_is_hidden_outside_the_users_entities(outsider, no_role_user, entity_de):
    run = match_run_request(kind=KIND, entity=entity_de, trigger=MatchTrigger.MANUAL).run

    assert _browser(outsider).get(reverse("matching:run-detail", args=[run.pk])).status_code == 404
    assert _browser(outsider).get(reverse("matching:run-progress", args=[run.pk])).status_code == 404
    assert _browser(no_role_user).get(reverse("matching:run-list")).status_code == 403


# --- the command line ----------------------------------------------------------------------------------


def test_run_matching_runs_every_entity_and_prints_the_summary_last(entity_de, entity_gb):
    InvoiceFactory.create_batch(2, entity=entity_de)
    InvoiceFactory(entity=entity_gb)
    out = io.StringIO()

    call_command("run_matching", KIND, stdout=out)

    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["kind"] == KIND
    assert summary["entities"] == 2
    assert summary["invoices"] == 3
    assert summary["reasons"] == {"seen": 3}
    assert [(r["entity"], r["invoices"], r["state"]) for r in summary["runs"]] == [
        ("DE01", 2, "succeeded"),
        ("GB01", 1, "succeeded"),
    ]
    assert MatchRun.objects.filter(state="succeeded", trigger="manual").count() == 2


def test_run_matching_takes_over_a_queued_run_and_refuses_a_running_one(entity_de):
    queued = match_run_request(kind=KIND, entity=entity_de, trigger=MatchTrigger.IMPORT).run
    out = io.StringIO()

    call_command("run_matching", KIND, "--entity", "DE01", stdout=out)
    assert json.loads(out.getvalue().splitlines()[-1])["runs"][0]["run"] == queued.pk

    running = match_run_request(kind=KIND, entity=entity_de, trigger=MatchTrigger.IMPORT).run
    match_run_claim(running.pk)
    with pytest.raises(CommandError, match=f"DE01: run {running.pk} is already running"):
        call_command("run_matching", KIND, "--entity", "DE01", stdout=io.StringIO())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("bank_reconciliation",), "'bank_reconciliation' is not a kind of matching"),
        ((KIND, "--entity", "XX99"), "'XX99' is not a legal entity"),
    ],
)
def test_run_matching_exits_with_a_clear_message(entity_de, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("run_matching", *args, stdout=io.StringIO())
    assert not MatchRun.objects.exists()
