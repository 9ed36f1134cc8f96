"""The screens of AP invoice control: an invoice's page with its match side by side, its holds and
the decisions its user may take; the AP queue by reason; the invoice list by verdict and hold; the
AP policy page. Outsiders get 404, the wrong role 403."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from finops.audit.models import AuditEvent
from finops.invoicing.models import ApAuthority, ApPolicy, InvoiceHold, VarianceAcceptance
from finops.invoicing.states import HoldReason, InvoiceState
from reconciliation.exceptions.models import ExceptionItem
from tests.reconciliation.matching.ap_world import ApWorld

pytestmark = pytest.mark.django_db
S = InvoiceState


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user: Any, world: ApWorld, case: str) -> str:
    response = browser(user).get(reverse("invoicing:invoice-detail", args=[world[case].pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_invoice_page_shows_the_match_side_by_side_the_hold_and_why_it_cannot_be_paid(world, clerk_de):
    html = page(clerk_de, world, "price")

    assert 'data-testid="side-by-side"' in html
    for figure in (
        ">104.00<",
        ">100.00<",
        "4.00 (4.00%)",
        "±1.00",
        'At stake: <strong><span class="money">20.00 EUR</span></strong>',
    ):
        assert figure in html
    assert "3-way match exception" in html
    assert 'At stake: <strong><span class="money">20.00 EUR</span></strong>' in html
    assert "Its 3-way match exception is not resolved" in html
    assert 'data-testid="accept-form"' in html
    assert "This variance is above it: a controller decides." in html  # a clerk decides nothing alone by default


def test_a_read_only_role_sees_the_page_without_decisions_and_an_outsider_not_at_all(world, auditor_de, outsider):
    html = page(auditor_de, world, "duplicate")

    assert "Suspected duplicate" in html
    assert 'data-testid="release-form"' not in html
    assert 'data-testid="cancel-form"' not in html
    assert browser(outsider).get(reverse("invoicing:invoice-detail", args=[world["price"].pk])).status_code == 404


def test_releasing_a_duplicate_on_the_page_needs_a_reason(world, clerk_de):
    hold = InvoiceHold.objects.get(invoice=world["duplicate"], reason=HoldReason.DUPLICATE)
    url = reverse("invoicing:hold-release", args=[world["duplicate"].pk, hold.pk])

    client = browser(clerk_de)
    empty = client.post(url, {"reason": ""})
    done = client.post(url, {"reason": "Second delivery, billed on its own"})

    assert empty.status_code == 422
    assert "This field is required." in empty.content.decode()
    assert done.status_code == 302
    hold.refresh_from_db()
    assert hold.release_reason == "Not a duplicate of RE-2026-0001: Second delivery, billed on its own"
    assert "Released: the invoice is matched again on the next run." in client.get(done["Location"]).content.decode()


def test_decisions_on_the_page_are_hidden_from_outsiders_and_refused_to_roles_that_do_not_decide(
    world, outsider, auditor_de
):
    pk = world["price"].pk
    hold = InvoiceHold.objects.get(invoice=world["duplicate"], reason=HoldReason.DUPLICATE)
    posts = [
        (reverse("invoicing:invoice-cancel", args=[pk]), {"reason": "x"}),
        (reverse("invoicing:variance-accept", args=[pk]), {"note": "x"}),
        (reverse("invoicing:variance-decision", args=[pk]), {"decision": "accept", "note": "x"}),
        (reverse("invoicing:invoice-approve", args=[pk]), {"note": "x"}),
        (reverse("invoicing:hold-release", args=[world["duplicate"].pk, hold.pk]), {"reason": "x"}),
    ]

    for url, body in posts:
        assert browser(outsider).post(url, body).status_code == 404, url
        assert browser(auditor_de).post(url, body).status_code == 403, url
    assert world.fresh("price").state == S.EXCEPTION
    assert InvoiceHold.objects.filter(released_at__isnull=False).count() == 0


def test_a_variance_beyond_the_clerks_authority_waits_on_the_page_for_a_controller(world, clerk_de, controller_de):
    ApAuthority.objects.create(entity=world.entity, role="ap_clerk", variance_limit=Decimal("10.00"))
    url = reverse("invoicing:variance-accept", args=[world["price"].pk])

    asked = browser(clerk_de).post(url, {"note": "Surcharge on the confirmation"}, follow=True)

    assert "waits for a controller" in asked.content.decode()
    assert 'data-testid="decision-form"' not in page(clerk_de, world, "price")
    assert 'data-testid="decision-form"' in page(controller_de, world, "price")
    decided = browser(controller_de).post(
        reverse("invoicing:variance-decision", args=[world["price"].pk]), {"decision": "accept", "note": "Agreed"}
    )
    assert decided.status_code == 302
    assert world.fresh("price").state == S.APPROVED
    assert VarianceAcceptance.objects.get().decided_by == controller_de


def test_the_ap_queue_filters_by_reason_code(world, clerk_de):
    client = browser(clerk_de)

    prices = client.get(reverse("reconciliation:exception-list"), {"queue": "ap", "reason": "price_variance"})
    duplicates = client.get(reverse("reconciliation:exception-list"), {"reason": "duplicate"})

    assert "RE-2026-0002" in prices.content.decode()
    assert "RE-2026-0003" not in prices.content.decode()
    assert "re 2026 1" in duplicates.content.decode()
    assert "RE-2026-0002" not in duplicates.content.decode()


def test_the_invoice_list_filters_by_verdict_and_hold(world, clerk_de):
    client = browser(clerk_de)

    waiting = client.get(reverse("invoicing:invoice-list"), {"match": "needs_approval"}).content.decode()
    held = client.get(reverse("invoicing:invoice-list"), {"held": "true"}).content.decode()

    assert "RE-2026-0006" in waiting
    assert "RE-2026-0001" not in waiting
    assert held.count("On hold</span>") == 4
    assert "RE-2026-0006" not in held


def test_an_admin_sets_the_ap_policy_on_an_audited_page_and_others_read_it(world, admin_de, clerk_de, outsider):
    url = reverse("invoicing:ap-policy-save", args=["DE01"])
    body = {
        "price_tolerance_pct": "2.5",
        "price_tolerance_amount": "",
        "quantity_tolerance_pct": "0",
        "duplicate_window_days": "10",
        "auto_approve_matched": "on",
    }

    saved = browser(admin_de).post(url, body)
    wrong = browser(admin_de).post(url, {**body, "price_tolerance_pct": "150"})

    assert saved.status_code == 302
    policy = ApPolicy.objects.get(entity=world.entity)
    assert (policy.price_tolerance_pct, policy.duplicate_window_days, policy.auto_approve_matched) == (
        Decimal("2.5"),
        10,
        True,
    )
    event = AuditEvent.objects.get(action="ap_policy.changed")
    assert event.after["price_tolerance_pct"] == "2.5"
    assert wrong.status_code == 422
    read = browser(clerk_de).get(reverse("invoicing:ap-policy"), {"entity": "DE01"}).content.decode()
    assert "2.50%" in read
    assert "Save the policy" not in read
    assert browser(clerk_de).post(url, body).status_code == 403
    assert browser(outsider).post(url, body).status_code == 404
    assert browser(outsider).get(reverse("invoicing:ap-policy"), {"entity": "DE01"}).status_code == 404


def test_an_admin_sets_what_an_ap_clerk_may_accept(world, admin_de, clerk_de):
    url = reverse("invoicing:ap-authority-save", args=["DE01", "ap_clerk"])

    saved = browser(admin_de).post(url, {"ap_clerk-variance_limit": "250.00", "ap_clerk-approval_limit": "1000"})

    assert saved.status_code == 302
    authority = ApAuthority.objects.get(entity=world.entity, role="ap_clerk")
    assert (authority.variance_limit, authority.approval_limit) == (Decimal("250.00"), Decimal("1000"))
    assert AuditEvent.objects.filter(action="ap_authority.changed").count() == 1
    assert "It is accepted at once and the invoice approved." in page(clerk_de, world, "price")
    assert (
        browser(admin_de).post(reverse("invoicing:ap-authority-save", args=["DE01", "auditor"]), {}).status_code == 404
    )


def test_an_ap_exception_is_settled_on_its_invoice_not_resolved_in_the_queue(world, clerk_de):
    item = ExceptionItem.objects.get(object_id=str(world["price"].pk), kind="three_way_mismatch")

    html = browser(clerk_de).get(reverse("reconciliation:exception-detail", args=[item.pk])).content.decode()

    assert 'data-testid="settle-on-record"' in html
    assert reverse("invoicing:invoice-detail", args=[world["price"].pk]) in html
    assert ">Resolve</button>" not in html
