"""A clerk adds a collection note on a customer invoice in Chromium: the htmx form shows the error in
place for an empty note, then the note appears in the list, waiting for the CRM, without a reload."""

from decimal import Decimal

import pytest

from finops.accounts.roles import Role
from finops.accounts.services import roles_sync, user_grant_role
from finops.invoicing.states import InvoiceState
from finops.receivables.models import CollectionNote
from tests.factories import CounterpartyFactory, InvoiceFactory, LegalEntityFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def ar_invoice():
    roles_sync()
    de = LegalEntityFactory(code="DE01", name="Nordlicht Components GmbH", country="DE", base_currency="EUR")
    clerk = UserFactory(username="clerk")
    user_grant_role(user=clerk, role=Role.AP_CLERK, entity=de, granted_by=None)
    customer = CounterpartyFactory(name="Hafenlogistik Bremen GmbH", is_customer=True, is_supplier=False)
    return InvoiceFactory(
        entity=de,
        counterparty=customer,
        direction="AR",
        state=InvoiceState.ISSUED,
        number="RE-2026-40017",
        amount=Decimal("1200.00"),
    )


def test_a_clerk_adds_a_collection_note_on_the_invoice_page(page, live_server, ar_invoice):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=AP clerk — your queues")
    page.goto(f"{live_server.url}/invoices/{ar_invoice.pk}/")
    page.evaluate("window.__marker = 'still-here'")
    notes = page.get_by_test_id("collection-notes")

    page.fill("textarea[name=text]", "   ")
    page.evaluate("document.querySelector('textarea[name=text]').removeAttribute('required')")
    notes.get_by_role("button", name="Add note").click()
    notes.locator(".errorlist", has_text="Write what was done or agreed.").wait_for()
    page.fill("textarea[name=text]", "Called their AP team; payment promised for Friday.")
    notes.get_by_role("button", name="Add note").click()
    note = notes.get_by_test_id("note").first
    note.wait_for()

    assert "Called their AP team; payment promised for Friday." in note.inner_text()
    assert "Sending to the CRM" in note.inner_text()
    assert "clerk" in note.inner_text()
    assert notes.locator(".errorlist").count() == 0
    assert page.evaluate("window.__marker") == "still-here", "the page was not reloaded"
    assert CollectionNote.objects.get().text == "Called their AP team; payment promised for Friday."
