"""AP invoice control in Chromium: an AP clerk releases a suspected duplicate with a reason; a price
variance beyond the clerk's authority waits for a controller, who approves it. Screenshots at
desktop and phone widths land in test-results/."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from finops.accounts.roles import Role
from finops.accounts.services import roles_sync, user_grant_role
from finops.invoicing.models import ApAuthority, InvoiceHold, VarianceAcceptance
from finops.invoicing.states import HoldReason, InvoiceState
from tests.factories import LegalEntityFactory, UserFactory
from tests.reconciliation.matching.ap_world import ApWorld, ap_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def world() -> ApWorld:
    roles_sync()
    entity = LegalEntityFactory(code="DE01", name="Nordlicht Components GmbH", country="DE", base_currency="EUR")
    for username, role in (("clerk", Role.AP_CLERK), ("controller", Role.CONTROLLER)):
        user = UserFactory(username=username, password=PASSWORD)
        user_grant_role(user=user, role=role, entity=entity, granted_by=None)
    ApAuthority.objects.create(entity=entity, role=Role.AP_CLERK, variance_limit=Decimal("10.00"))
    world = ap_world(entity)
    call_command("run_matching", "three_way", "--entity", "DE01", stdout=io.StringIO())
    return world


def sign_in(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=username]")


def shots(page: Any, output_path: str, name: str) -> None:
    folder = Path(output_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(folder / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_an_ap_clerk_releases_a_suspected_duplicate_with_a_reason(page, live_server, world, output_path):
    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server.url}/exceptions/?reason=duplicate")
    page.click("text=Possible duplicate: invoice re 2026 1")
    page.click("[data-testid=exception-record] a")
    hold = page.locator("[data-testid=hold][data-reason=duplicate]")
    assert "may repeat invoice RE-2026-0001" in hold.inner_text()
    shots(page, output_path, "ap-duplicate-held")

    hold.get_by_label("Not a duplicate? Say why").fill("Second delivery of the same order, billed on its own")
    hold.get_by_role("button", name="Release the hold").click()
    page.wait_for_selector("text=Released: the invoice is matched again on the next run.")

    released = InvoiceHold.objects.get(invoice=world["duplicate"], reason=HoldReason.DUPLICATE)
    assert released.released_by.username == "clerk"
    assert released.release_reason.endswith("Second delivery of the same order, billed on its own")
    assert "released" in page.locator("[data-testid=hold][data-reason=duplicate]").inner_text()
    assert "release-form" not in page.content()
    shots(page, output_path, "ap-duplicate-released")


def test_a_price_variance_beyond_the_clerks_authority_waits_for_a_controller(page, live_server, world, output_path):
    url = f"{live_server.url}/invoices/{world['price'].pk}/"
    sign_in(page, live_server, "clerk")
    page.goto(url)
    side_by_side = page.get_by_test_id("side-by-side")
    assert "104.00" in side_by_side.inner_text()
    assert "4.00 (4.00%)" in side_by_side.inner_text()
    assert "above it: a controller decides" in page.get_by_test_id("accept-form").inner_text()

    page.get_by_label("Accept the variance").fill("Steel surcharge on the order confirmation")
    page.get_by_role("button", name="Ask a controller to accept it").click()
    page.wait_for_selector("text=The variance is above your authority: it waits for a controller.")
    waiting = page.get_by_test_id("waiting")
    assert "Waiting for a controller" in waiting.inner_text()
    assert page.get_by_test_id("decision-form").count() == 0
    assert "Not payable" in page.get_by_test_id("payability").inner_text()
    shots(page, output_path, "ap-variance-waiting")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "controller")
    page.goto(url)
    page.get_by_label("Your reason").fill("Agreed with purchasing")
    page.get_by_role("button", name="Accept the variance").click()
    page.wait_for_selector("text=Accepted: the invoice is approved.")

    acceptance = VarianceAcceptance.objects.get()
    assert (acceptance.requested_by.username, acceptance.decided_by.username, acceptance.state) == (
        "clerk",
        "controller",
        "accepted",
    )
    assert world.fresh("price").state == InvoiceState.APPROVED
    assert "Payable" in page.get_by_test_id("payability").inner_text()
    shots(page, output_path, "ap-variance-approved")
