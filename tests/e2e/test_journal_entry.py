"""A treasury analyst books bank charges in Chromium and posts them to the ERP."""

from pathlib import Path

import pytest

from finops.accounts.roles import Role
from finops.accounts.services import roles_sync, user_grant_role
from finops.ledger.models import JournalEntry, JournalState
from finops.outbox.models import OutboxMessage
from tests.factories import LegalEntityFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def analyst():
    roles_sync()
    entity = LegalEntityFactory(code="DE01", base_currency="EUR")
    user = UserFactory(username="treasury", password=PASSWORD)
    user_grant_role(user=user, role=Role.TREASURY_ANALYST, entity=entity, granted_by=None)
    return user


def test_bank_charges_are_booked_and_posted(page, live_server, analyst, output_path):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "treasury")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav[aria-label=Main] >> text=Journal entries")
    page.click("text=New journal entry")
    page.fill("#id_posting_on", "2026-11-20")
    page.fill("#id_currency", "EUR")
    page.fill("#id_description", "Account maintenance November")
    page.fill("#id_lines-0-account_code", "6855")
    page.fill("#id_lines-0-debit", "25.00")
    page.fill("#id_lines-1-account_code", "1200")
    page.fill("#id_lines-1-credit", "24.00")
    page.click("text=Save draft")

    assert "Debits (25.00) and credits (24.00) must be equal." in page.locator("[role=alert]").inner_text()
    page.fill("#id_lines-1-credit", "25.00")
    page.click("text=Save draft")
    page.wait_for_selector("#posting >> text=Draft")
    page.evaluate("window.__marker = 'still-here'")
    page.click("text=Post to the ERP")
    page.wait_for_selector("#posting >> text=Queued for posting")

    assert page.evaluate("window.__marker") == "still-here", "posting reloaded the page"
    entry = JournalEntry.objects.get()
    assert (entry.state, entry.description) == (JournalState.QUEUED, "Account maintenance November")
    assert OutboxMessage.objects.filter(topic="erp.journal_entry", object_id=str(entry.pk)).exists()
    Path(output_path).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(output_path) / "journal-entry-queued.png"), full_page=True)
