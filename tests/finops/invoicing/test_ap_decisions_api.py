"""People's decisions on supplier invoices over the REST API, as AP and controllers make them:
release a suspected duplicate or cancel it, accept a variance within one's authority (above it a
controller decides, never the one who asked), approve. Outsiders get 404, the wrong role 403."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from finops.invoicing.models import ApAuthority, InvoiceHold, VarianceAcceptance
from finops.invoicing.states import HoldReason, InvoiceState, VarianceState
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.matching.models import MatchRun
from reconciliation.matching.states import MatchTrigger
from tests.reconciliation.matching.ap_world import ApWorld

pytestmark = pytest.mark.django_db
S = InvoiceState


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(user: Any, world: ApWorld, case: str, action: str, body: dict[str, Any]) -> Any:
    return api(user).post(f"/api/invoices/{world[case].pk}/{action}/", body, format="json")


def hold_of(world: ApWorld, case: str, reason: str) -> InvoiceHold:
    return InvoiceHold.objects.get(invoice=world[case], reason=reason, released_at__isnull=True)


def open_kinds(world: ApWorld, case: str) -> set[str]:
    return set(
        ExceptionItem.objects.filter(object_id=str(world[case].pk), state__in=["open", "in_progress"]).values_list(
            "kind", flat=True
        )
    )


def limits(world: ApWorld, role: str, variance: str | None, approval: str | None = "0") -> None:
    ApAuthority.objects.update_or_create(
        entity=world.entity,
        role=role,
        defaults={
            "variance_limit": None if variance is None else Decimal(variance),
            "approval_limit": None if approval is None else Decimal(approval),
        },
    )


# --- reading --------------------------------------------------------------------------------------


def test_the_control_view_shows_the_match_side_by_side_the_holds_and_why_it_cannot_be_paid(world, auditor_de, outsider):
    response = api(auditor_de).get(f"/api/invoices/{world['price'].pk}/control/")

    data = response.json()
    assert response.status_code == 200
    assert data["match"]["status"] == "exception"
    assert data["match"]["reasons"] == ["price_variance"]
    line = data["match"]["lines"][0]
    assert (Decimal(line["ordered"]), Decimal(line["received"]), Decimal(line["unit_price"])) == (5, 5, 104)
    assert [h["reason"] for h in data["holds"]] == ["match_exception"]
    assert data["payable"] is False
    assert any("3-way match exception" in why for why in data["not_payable_because"])
    assert api(outsider).get(f"/api/invoices/{world['price'].pk}/control/").status_code == 404


def test_the_control_view_needs_a_role_that_reads_invoices(world, no_role_user):
    assert api(no_role_user).get(f"/api/invoices/{world['price'].pk}/control/").status_code == 403


# --- suspected duplicates -----------------------------------------------------------------------------


def test_a_clerk_releases_a_suspected_duplicate_with_a_reason_and_the_invoice_is_matched_again(
    world, clerk_de, django_capture_on_commit_callbacks
):
    hold = hold_of(world, "duplicate", HoldReason.DUPLICATE)

    with django_capture_on_commit_callbacks() as enqueued:
        response = post(
            clerk_de, world, "duplicate", f"holds/{hold.pk}/release", {"reason": "Second delivery, own invoice"}
        )

    assert response.status_code == 200, response.content
    hold.refresh_from_db()
    assert hold.released_by == clerk_de
    assert hold.release_reason == "Not a duplicate of RE-2026-0001: Second delivery, own invoice"
    assert ExceptionItem.objects.get(object_id=str(world["duplicate"].pk), kind="duplicate_invoice").state == "resolved"
    assert [h["reason"] for h in response.json()["holds"] if h["released_at"] is None] == []
    run = MatchRun.objects.get(state="queued")
    assert (run.trigger, len(enqueued)) == (MatchTrigger.DECISION, 1)
    # judged in full now: it bills goods its "original" already billed, which is a quantity question
    call_command("run_matching", "three_way", "--entity", "DE01", stdout=io.StringIO())
    assert "duplicate" not in world.fresh("duplicate").match.reasons
    assert HoldReason.DUPLICATE not in {h.reason for h in world["duplicate"].holds.filter(released_at__isnull=True)}


def test_releasing_needs_a_reason_and_only_a_duplicate_hold_is_released_by_hand(world, clerk_de):
    duplicate = hold_of(world, "duplicate", HoldReason.DUPLICATE)
    mismatch = hold_of(world, "price", HoldReason.MATCH_EXCEPTION)

    blank = post(clerk_de, world, "duplicate", f"holds/{duplicate.pk}/release", {"reason": "  "})
    wrong = post(clerk_de, world, "price", f"holds/{mismatch.pk}/release", {"reason": "fine"})
    elsewhere = post(clerk_de, world, "price", f"holds/{duplicate.pk}/release", {"reason": "fine"})

    assert blank.status_code == 400
    assert "reason" in blank.json()
    assert wrong.status_code == 400
    assert "settled by accepting its variance" in wrong.json()["detail"]
    assert elsewhere.status_code == 404  # the hold is not this invoice's
    assert InvoiceHold.objects.filter(released_at__isnull=False).count() == 0


def test_a_clerk_cancels_a_copy_with_a_reason_and_everything_about_it_closes(world, clerk_de):
    response = post(clerk_de, world, "duplicate", "cancel", {"reason": "Sent twice by post and e-mail"})

    assert response.status_code == 200
    assert world.fresh("duplicate").state == S.CANCELLED
    assert not InvoiceHold.objects.filter(invoice=world["duplicate"], released_at__isnull=True).exists()
    assert open_kinds(world, "duplicate") == set()
    again = post(clerk_de, world, "clean", "approve", {})
    assert again.status_code == 200
    cancel_approved = post(clerk_de, world, "clean", "cancel", {"reason": "changed my mind"})
    assert cancel_approved.status_code == 400
    assert "only an invoice not yet approved can be cancelled" in cancel_approved.json()["detail"]


# --- variances --------------------------------------------------------------------------------------


def test_a_clerk_accepts_a_variance_within_authority_and_the_invoice_is_approved(world, clerk_de):
    limits(world, "ap_clerk", "50.00")

    response = post(clerk_de, world, "price", "accept-variance", {"reason": "Steel surcharge agreed by phone"})

    assert response.status_code == 200, response.content
    assert world.fresh("price").state == S.APPROVED
    acceptance = VarianceAcceptance.objects.get()
    assert (acceptance.state, acceptance.decided_by, acceptance.amount) == (
        VarianceState.ACCEPTED,
        clerk_de,
        Decimal("20.00"),
    )
    assert acceptance.reasons == ["price_variance"]
    assert open_kinds(world, "price") == set()
    assert response.json()["payable"] is True


def test_a_variance_beyond_the_clerks_authority_waits_for_a_controller_who_approves_it(world, clerk_de, controller_de):
    limits(world, "ap_clerk", "10.00")

    asked = post(clerk_de, world, "price", "accept-variance", {"reason": "Surcharge on the order confirmation"})
    clerk_decides = post(clerk_de, world, "price", "variance-decision", {"decision": "accept", "note": "ok"})

    assert asked.status_code == 200
    assert world.fresh("price").state == S.EXCEPTION
    assert [v["state"] for v in asked.json()["variance_acceptances"]] == ["requested"]
    assert asked.json()["payable"] is False
    assert clerk_decides.status_code == 403
    decided = post(controller_de, world, "price", "variance-decision", {"decision": "accept", "note": "Confirmed"})
    assert decided.status_code == 200, decided.content
    assert world.fresh("price").state == S.APPROVED
    acceptance = VarianceAcceptance.objects.get()
    assert (acceptance.requested_by, acceptance.decided_by, acceptance.state) == (clerk_de, controller_de, "accepted")


def test_whoever_asked_cannot_decide_and_a_declined_variance_leaves_the_invoice_held(
    world, controller_de, controller2_de
):
    limits(world, "controller", "10.00")

    asked = post(controller_de, world, "price", "accept-variance", {"reason": "Looks right"})
    own = post(controller_de, world, "price", "variance-decision", {"decision": "accept", "note": "mine"})
    declined = post(
        controller2_de, world, "price", "variance-decision", {"decision": "decline", "note": "Ask for a credit note"}
    )

    assert asked.status_code == 200
    assert own.status_code == 400
    assert "Whoever asked to accept a variance cannot decide it" in own.json()["detail"]
    assert declined.status_code == 200
    assert world.fresh("price").state == S.EXCEPTION
    assert hold_of(world, "price", HoldReason.MATCH_EXCEPTION).released_at is None
    assert VarianceAcceptance.objects.get().state == VarianceState.DECLINED


def test_the_database_refuses_a_variance_decided_by_its_requester(world, clerk_de):
    hold = hold_of(world, "price", HoldReason.MATCH_EXCEPTION)

    with pytest.raises(IntegrityError), transaction.atomic():
        VarianceAcceptance.objects.create(
            invoice=world["price"],
            entity=world.entity,
            hold=hold,
            amount=Decimal("20.00"),
            currency="EUR",
            state=VarianceState.ACCEPTED,
            requested_by=clerk_de,
            decided_by=clerk_de,
        )


def test_a_suspected_duplicate_is_settled_before_its_variance(world, clerk_de, entity_de):
    limits(world, "ap_clerk", None)
    post(
        clerk_de, world, "duplicate", f"holds/{hold_of(world, 'duplicate', 'duplicate').pk}/release", {"reason": "own"}
    )
    call_command("run_matching", "three_way", "--entity", "DE01", stdout=io.StringIO())

    accepted = post(clerk_de, world, "duplicate", "accept-variance", {"reason": "Partial redelivery billed"})

    assert accepted.status_code == 200, accepted.content
    assert world.fresh("duplicate").state == S.APPROVED


def test_accepting_a_variance_is_refused_while_the_invoice_is_a_suspected_duplicate_or_has_none(world, clerk_de):
    duplicate = post(clerk_de, world, "duplicate", "accept-variance", {"reason": "whatever"})
    matched = post(clerk_de, world, "clean", "accept-variance", {"reason": "whatever"})

    assert duplicate.status_code == 400
    assert "held as a suspected duplicate: release that hold or cancel the invoice first" in duplicate.json()["detail"]
    assert matched.status_code == 400
    assert "no 3-way match variance to accept" in matched.json()["detail"]


# --- approval ---------------------------------------------------------------------------------------


def test_an_invoice_without_an_order_is_approved_within_the_approval_limit_else_by_a_controller(
    world, clerk_de, controller_de
):
    refused = post(clerk_de, world, "non_po", "approve", {"note": "energy bill"})
    approved = post(controller_de, world, "non_po", "approve", {"note": "energy bill"})

    assert refused.status_code == 403
    assert world.fresh("non_po").state == S.APPROVED
    assert approved.status_code == 200


def test_a_clerk_approves_a_matched_invoice_and_an_exception_is_not_approved_by_hand(world, clerk_de):
    matched = post(clerk_de, world, "clean", "approve", {})
    exception = post(clerk_de, world, "price", "approve", {})

    assert matched.status_code == 200
    assert world.fresh("clean").state == S.APPROVED
    assert exception.status_code == 400
    assert "accept its variance" in exception.json()["detail"]


# --- who may ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("cancel", {"reason": "x"}),
        ("accept-variance", {"reason": "x"}),
        ("variance-decision", {"decision": "accept", "note": "x"}),
        ("approve", {"note": "x"}),
    ],
)
def test_every_decision_is_hidden_from_outsiders_and_refused_to_roles_that_do_not_decide(
    world, outsider, auditor_de, treasury_de, action, body
):
    assert post(outsider, world, "price", action, body).status_code == 404
    assert post(auditor_de, world, "price", action, body).status_code == 403
    assert post(treasury_de, world, "price", action, body).status_code == 403
    assert world.fresh("price").state == S.EXCEPTION


def test_releasing_a_hold_is_hidden_from_outsiders_and_refused_to_roles_that_do_not_decide(world, outsider, auditor_de):
    hold = hold_of(world, "duplicate", HoldReason.DUPLICATE)

    assert post(outsider, world, "duplicate", f"holds/{hold.pk}/release", {"reason": "x"}).status_code == 404
    assert post(auditor_de, world, "duplicate", f"holds/{hold.pk}/release", {"reason": "x"}).status_code == 403
    hold.refresh_from_db()
    assert hold.released_at is None
