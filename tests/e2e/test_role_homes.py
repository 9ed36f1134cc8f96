"""Each role logs in through the real login page in Chromium and sees its own home page.

One screenshot per role is written to the test's output folder (pytest-playwright's
--output, default test-results/)."""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from finops.accounts.roles import Role
from finops.accounts.services import roles_sync, user_grant_role
from finops.payables.services import batch_submit
from tests.factories import (
    ExceptionItemFactory,
    LegalEntityFactory,
    PaymentBatchFactory,
    PaymentFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"

EXPECTED = {
    Role.AP_CLERK: {
        "section": "AP clerk — your queues",
        "nav": ["Invoices", "Payment batches"],
        "not_nav": ["Audit trail", "Statements", "Journal entries"],
        "card": "3-way match mismatch",
    },
    Role.TREASURY_ANALYST: {
        "section": "Treasury analyst — your queues",
        "nav": ["Statements", "Journal entries"],
        "not_nav": ["Audit trail"],
        "card": "Unapplied cash",
    },
    Role.CONTROLLER: {
        "section": "Controller — your queues",
        "nav": ["Audit trail", "Payment batches"],
        "not_nav": [],
        "card": "Payment batches awaiting your approval",
    },
    Role.ADMIN: {
        "section": "Admin — your queues",
        "nav": ["Audit trail", "Django admin"],
        "not_nav": [],
        "card": "Sync failure",
    },
    Role.AUDITOR: {
        "section": "Auditor — your queues",
        "nav": ["Audit trail"],
        "not_nav": ["Django admin"],
        "card": "Audit events in the last 24 hours",
    },
}


@pytest.fixture
def world():
    roles_sync()
    de = LegalEntityFactory(code="DE01", name="Nordlicht Components GmbH", country="DE", base_currency="EUR")
    gb = LegalEntityFactory(code="GB01", name="Nordlicht Components Ltd", country="GB", base_currency="GBP")
    users = {}
    for role in Role:
        user = UserFactory(username=role.value, first_name=role.label.split()[0], is_staff=role is Role.ADMIN)
        user_grant_role(user=user, role=role, entity=de, granted_by=None)
        users[role] = user
    clerk = users[Role.AP_CLERK]
    batch = PaymentBatchFactory(entity=de, created_by=clerk)
    PaymentFactory(entity=de, batch=batch, amount=Decimal("4200.00"))
    batch_submit(batch_id=batch.pk, user=clerk)
    ExceptionItemFactory(entity=de, kind="three_way_mismatch", title="PO 4711 price differs", amount=Decimal("12.50"))
    ExceptionItemFactory(entity=de, kind="unapplied_cash", title="Receipt without remittance")
    ExceptionItemFactory(entity=gb, kind="unapplied_cash", title="GB only receipt")
    return users


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_logs_in_and_sees_its_home(page, live_server, world, role, output_path):
    expected = EXPECTED[role]

    page.goto(f"{live_server.url}/")
    page.fill("#id_username", role.value)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    page.wait_for_selector(f"text={expected['section']}")
    nav = page.locator("nav[aria-label=Main] a").all_inner_texts()
    for label in expected["nav"]:
        assert label in nav
    for label in expected["not_nav"]:
        assert label not in nav
    assert page.get_by_test_id("username").inner_text() == role.value
    card = page.locator("[data-testid=card]", has_text=expected["card"])
    assert card.count() == 1
    entities = page.locator("[data-testid=entity-row]").all_inner_texts()
    assert len(entities) == 1, "only the granted entity is listed"
    assert "DE01" in entities[0]
    assert "GB only receipt" not in page.content()
    shot = Path(output_path) / f"home-{role.value}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_a_clerk_sees_the_unapplied_count_only_for_treasury_and_the_controller_sees_the_batch(page, live_server, world):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", Role.CONTROLLER.value)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    card = page.locator("[data-testid=card]", has_text="Payment batches awaiting your approval")
    assert card.locator(".count").inner_text() == "1"
    assert "4,200.00 EUR" in card.inner_text()
    card.click()
    page.wait_for_selector("text=Payment batches")
    page.locator("table a").first.click()
    page.fill("input[name=comment]", "checked against the proposal")
    page.click("text=Approve 4,200.00 EUR")
    page.wait_for_selector("#decision >> text=Approved")
    assert "checked against the proposal" in page.locator("#decision").inner_text()


def test_filters_update_the_list_through_htmx_without_a_full_reload(page, live_server, world):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", Role.TREASURY_ANALYST.value)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/exceptions/")
    page.evaluate("window.__marker = 'still-here'")

    page.select_option("select[name=kind]", "three_way_mismatch")
    # Playwright's own assertion, not wait_for_function: that evaluates a string in the page,
    # which the Content-Security-Policy forbids
    expect(page.locator("#rows")).not_to_contain_text("Receipt without remittance")

    assert "PO 4711 price differs" in page.locator("#rows").inner_text()
    assert page.evaluate("window.__marker") == "still-here", "the page was not reloaded"
    assert "kind=three_way_mismatch" in page.url


def test_a_decline_without_a_reason_shows_the_error_in_place(page, live_server, world):
    """The form answers 422 with the errors; htmx must swap that answer in, not drop it."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", Role.CONTROLLER.value)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/payables/batches/")
    page.locator("table a").first.click()
    page.evaluate("window.__marker = 'still-here'")

    page.fill("input[name=reason]", "   ")  # passes the browser's `required`, blank to the server
    page.click("button:has-text('Decline')")

    page.wait_for_selector("#decision >> text=This field is required.")
    assert page.evaluate("window.__marker") == "still-here", "the error came through htmx, not a reload"
    assert "Pending approval" in page.locator("#decision").inner_text()
