"""The 3-way match of an entity, as AP sees it: `run_matching three_way` (and Run now) judges every
open supplier invoice, moves it through its workflow, holds what must not be paid with the reason
and what is at stake, opens the AP exceptions naming lines, figures and tolerance, and lifts what no
longer applies; running it again changes nothing."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from finops.audit.models import AuditEvent
from finops.invoicing.models import ApPolicy, Invoice, InvoiceHold, InvoiceMatch
from finops.invoicing.states import HoldReason, InvoiceState
from finops.masterdata.models import Counterparty
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.states import ExceptionKind, ExceptionState
from reconciliation.matching.models import MatchRun
from reconciliation.matching.runs import match_run_execute
from tests.reconciliation.matching.ap_world import ApWorld, ap_world, invoice, order, receive, supplier

pytestmark = pytest.mark.django_db
S = InvoiceState


@pytest.fixture
def world(entity_de) -> ApWorld:
    return ap_world(entity_de)


def run(entity: str = "DE01") -> dict[str, Any]:
    out = io.StringIO()
    call_command("run_matching", "three_way", "--entity", entity, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def active_holds(inv: Invoice) -> dict[str, InvoiceHold]:
    return {h.reason: h for h in InvoiceHold.objects.filter(invoice=inv, released_at__isnull=True)}


def open_exceptions(inv: Invoice) -> dict[str, ExceptionItem]:
    items = ExceptionItem.objects.filter(
        object_type="invoicing.Invoice", object_id=str(inv.pk), state__in=["open", "in_progress"]
    )
    return {e.kind: e for e in items}


def test_run_matching_judges_every_open_invoice_and_prints_the_summary_last(world):
    summary = run()

    assert summary["kind"] == "three_way"
    assert (summary["invoices"], summary["matched"], summary["exception"], summary["needs_approval"]) == (6, 1, 4, 1)
    assert summary["reasons"] == {"duplicate": 1, "missing_receipt": 1, "no_po": 1, "price_variance": 1}
    assert (summary["holds_placed"], summary["exceptions_opened"], summary["approved"]) == (4, 4, 0)
    assert {case: world.fresh(case).state for case in world.invoices} == {
        "clean": S.MATCHED,
        "price": S.EXCEPTION,
        "no_receipt": S.EXCEPTION,
        "unknown_po": S.EXCEPTION,
        "duplicate": S.EXCEPTION,
        "non_po": S.RECEIVED,
    }
    assert MatchRun.objects.get().counts["invoices"] == 6


def test_an_exception_is_held_with_what_is_at_stake_and_names_the_line_the_figures_and_the_tolerance(world):
    run()

    hold = active_holds(world["price"])[HoldReason.MATCH_EXCEPTION]
    assert (hold.amount, hold.currency) == (Decimal("20.00"), "EUR")  # 5 x 4.00 above the order's price
    assert "unit price 104.00 against 100.00 on the order, 4% above it" in hold.detail
    assert "the tolerance is 1% (1.00 a unit)" in hold.detail
    item = open_exceptions(world["price"])[ExceptionKind.THREE_WAY_MISMATCH]
    assert item.detail["reasons"] == ["price_variance"]
    assert item.detail["lines"] == "line 1"
    assert item.amount == Decimal("20.00")
    assert "RE-2026-0002" in item.title
    assert "PO 4500000002" in item.title
    verdict = InvoiceMatch.objects.get(invoice=world["price"])
    assert verdict.status == "exception"
    line = {k: Decimal(v) if isinstance(v, str) and k != "item" else v for k, v in verdict.line_rows[0].items()}
    assert (line["ordered"], line["received"], line["billed_before"], line["po_unit_price"]) == (5, 5, 0, 100)
    assert (line["quantity"], line["unit_price"], line["price_variance"], line["price_tolerance"]) == (5, 104, 4, 1)
    assert line["reasons"] == ["price_variance"]
    assert active_holds(world["no_receipt"])[HoldReason.MATCH_EXCEPTION].amount == Decimal("150.00")
    assert active_holds(world["unknown_po"])[HoldReason.MATCH_EXCEPTION].amount == Decimal("60.00")
    assert (
        "quotes purchase order 4500000099, which we do not hold"
        in active_holds(world["unknown_po"])[HoldReason.MATCH_EXCEPTION].detail
    )


def test_a_suspected_duplicate_is_held_with_its_original_linked(world):
    run()

    hold = active_holds(world["duplicate"])[HoldReason.DUPLICATE]
    assert hold.original_id == world["clean"].pk
    assert "may repeat invoice RE-2026-0001" in hold.detail
    item = open_exceptions(world["duplicate"])[ExceptionKind.DUPLICATE_INVOICE]
    assert item.detail["original"] == "RE-2026-0001"
    assert item.detail["reasons"] == ["duplicate"]
    assert not active_holds(world["clean"])
    assert not active_holds(world["non_po"])
    assert InvoiceMatch.objects.get(invoice=world["non_po"]).status == "needs_approval"


def test_running_again_changes_nothing(world):
    run()
    events = AuditEvent.objects.count()
    stamps = dict(Invoice.objects.values_list("pk", "updated_at"))

    again = run()

    assert (again["invoices_changed"], again["verdicts_written"], again["holds_placed"], again["holds_released"]) == (
        0,
        0,
        0,
        0,
    )
    assert (again["exceptions_opened"], again["exceptions_resolved"]) == (0, 0)
    assert (again["matched"], again["exception"]) == (1, 4)
    # the two runs' own audit lines (queued, running, succeeded), nothing about any invoice
    assert AuditEvent.objects.exclude(object_type="matching.MatchRun").count() == events - 3
    assert dict(Invoice.objects.values_list("pk", "updated_at")) == stamps


def test_an_entity_that_allows_it_approves_matched_invoices_automatically(world):
    ApPolicy.objects.create(entity=world.entity, auto_approve_matched=True)

    summary = run()

    assert summary["approved"] == 1
    assert world.fresh("clean").state == S.APPROVED
    assert world.fresh("price").state == S.EXCEPTION
    assert list(
        AuditEvent.objects.filter(object_type="invoicing.Invoice", object_id=str(world["clean"].pk))
        .filter(action__contains="->")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["received->matched", "matched->approved"]


def test_the_entity_tolerance_decides_what_is_a_variance(world):
    ApPolicy.objects.create(entity=world.entity, price_tolerance_pct=Decimal("5"))

    run()

    assert world.fresh("price").state == S.MATCHED
    assert not active_holds(world["price"])


def test_a_later_run_lifts_what_no_longer_applies(world):
    run()
    receive(world.orders["no_receipt"], {1: "3"})

    summary = run()

    assert world.fresh("no_receipt").state == S.MATCHED
    assert summary["holds_released"] == 1
    assert summary["exceptions_resolved"] == 1
    released = InvoiceHold.objects.get(invoice=world["no_receipt"])
    assert released.released_by is None
    assert "Match run" in released.release_reason
    item = ExceptionItem.objects.get(object_id=str(world["no_receipt"].pk))
    assert item.state == ExceptionState.RESOLVED
    assert "in order now" in item.resolution


def test_an_order_that_arrives_after_its_invoice_is_linked_and_matched(world):
    run()
    late = order(world.entity, world.supplier, "4500000099", (1, "2", "30.00"), received={1: "2"})

    summary = run()

    inv = world.fresh("unknown_po")
    assert summary["orders_linked"] == 1
    assert inv.purchase_order_id == late.pk
    assert inv.lines.get().po_line_id == late.lines.get().pk
    assert inv.state == S.MATCHED
    assert AuditEvent.objects.filter(action="invoice.order_linked", object_id=str(inv.pk)).count() == 1


def test_a_blocked_supplier_and_one_without_bank_details_are_held_approved_invoices_too(world, entity_de):
    blocked = supplier(entity_de, "Blockiert AG")
    Counterparty.objects.filter(pk=blocked.pk).update(is_blocked=True)
    approved = invoice(entity_de, blocked, "B-1", (None, "1", "80.00"), state=S.APPROVED)
    unpaid = supplier(entity_de, "Ohne Konto GmbH", bank_account=False)
    no_account = invoice(entity_de, unpaid, "K-1", (None, "1", "90.00"))

    run()

    assert "Blockiert AG is blocked" in active_holds(approved)[HoldReason.SUPPLIER_BLOCKED].detail
    assert "no active bank account" in active_holds(no_account)[HoldReason.BANK_ACCOUNT].detail
    Counterparty.objects.filter(pk=blocked.pk).update(is_blocked=False)
    summary = run()
    assert summary["holds_released"] == 1
    assert HoldReason.SUPPLIER_BLOCKED not in active_holds(approved)


def test_run_now_over_the_api_queues_the_3_way_match_a_worker_runs(world, clerk_de):
    client = APIClient()
    client.force_authenticate(clerk_de)

    response = client.post("/api/match-runs/", {"kind": "three_way", "entity": "DE01"}, format="json")
    state = match_run_execute(run_id=response.json()["id"])

    assert response.status_code == 202
    assert state == "succeeded"
    detail = client.get(f"/api/match-runs/{response.json()['id']}/").json()
    assert (detail["counts"]["exception"], detail["processed"], detail["total"], detail["percent"]) == (4, 6, 6, 100)
    assert detail["rule_version"].startswith("ap-match/1 price 1%")


def test_a_3_way_match_runs_per_entity_not_per_currency(world, clerk_de):
    client = APIClient()
    client.force_authenticate(clerk_de)

    response = client.post(
        "/api/match-runs/", {"kind": "three_way", "entity": "DE01", "currency": "EUR"}, format="json"
    )

    assert response.status_code == 400
    assert "per entity" in response.json()["detail"]
