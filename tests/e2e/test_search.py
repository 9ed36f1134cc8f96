"""The search box in the header, by keyboard, at both widths: "/" reaches it from anywhere, Enter
searches, and typing on the results page updates them in place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import WIDTHS, axe_findings, screenshot, sideways_overflow
from tests.e2e.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(fixtures_dir: Path):
    return build_world(fixtures_dir)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_search_from_any_page_by_keyboard(open_as, world, width, output_path):
    page = open_as(world.user, width=WIDTHS[width])
    page.goto("/payables/batches/")

    page.keyboard.press("/")
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.type("werkzeug")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/search/\?q=werkzeug"))
    counterparties = page.get_by_role("region", name=re.compile("^Counterparties"))
    expect(counterparties.get_by_role("link", name="Lausitz-Werkzeugbau GmbH")).to_be_visible()
    assert axe_findings(page) == []
    assert sideways_overflow(page) == 0
    screenshot(page, output_path, f"{width}-1-name")

    page.evaluate("window.__stayed = true")
    box = page.locator("#global-search")
    box.fill("")
    box.press_sequentially("7.779,08", delay=20)

    payments = page.get_by_role("region", name=re.compile("^Payments"))
    expect(payments.get_by_role("link", name=world.records["payment"].end_to_end_id)).to_be_visible()
    expect(page.locator("#results [role=status]")).to_contain_text("amounts read as 7,779.08")
    expect(page).to_have_url(re.compile(r"q=7\.779%2C08|q=7.779,08"))
    expect(box).to_be_focused()
    assert page.evaluate("window.__stayed === true")
    assert axe_findings(page) == []
    assert sideways_overflow(page) == 0
    screenshot(page, output_path, f"{width}-2-amount")

    payments.get_by_role("link", name=world.records["payment"].end_to_end_id).click()
    expect(page).to_have_url(re.compile(rf"/payables/payments/{world.records['payment'].pk}/"))
