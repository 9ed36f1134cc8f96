"""The API docs render in Chromium under the Content-Security-Policy (no inline script or style)."""

import pytest

from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


def test_a_signed_in_user_reads_the_api_docs(page, live_server):
    UserFactory(username="reader")

    page.goto(f"{live_server.url}/api/docs/")
    page.fill("#id_username", "reader")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    page.wait_for_selector("text=Finance Control Tower API")
    page.wait_for_selector("text=/api/payment-batches/")
