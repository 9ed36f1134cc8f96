"""An admin brings a new colleague in and later shuts them out, on our own pages: invite (the
colleague chooses a password from the emailed link), grant a second role, deactivate. Each action
completes in place, and the pages pass axe at both widths."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from finops.accounts.models import User
from tests.e2e.conftest import WIDTHS, axe_findings, screenshot, sideways_overflow
from tests.e2e.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Fjord-Lantern-2026!"


@pytest.fixture
def world(fixtures_dir: Path):
    return build_world(fixtures_dir)


def _clean(page: Any) -> None:
    assert axe_findings(page) == []
    assert sideways_overflow(page) == 0


@pytest.mark.parametrize("width", list(WIDTHS))
def test_invite_grant_and_deactivate_a_colleague(open_as, browser, live_server, world, mailoutbox, width, output_path):
    admin = open_as(world.user, width=WIDTHS[width])
    admin.goto("/accounts/users/")
    admin.get_by_role("link", name="Invite someone").click()
    admin.get_by_label("Username").fill("m.keller")
    admin.get_by_label("First name").fill("Maria")
    admin.get_by_label("Last name").fill("Keller")
    admin.get_by_label("Email").fill("maria.keller@nordlicht.example")
    admin.get_by_label("Role").select_option("controller")
    _clean(admin)
    screenshot(admin, output_path, f"{width}-1-invite")
    admin.get_by_role("button", name="Send the invitation").click()

    expect(admin.locator("#messages")).to_contain_text("Maria Keller is invited")
    expect(admin.locator("#facts")).to_contain_text("Invited")
    expect(admin.locator("#access")).to_contain_text("Controller")
    admin.evaluate("window.__stayed = true")
    access = admin.locator("#access")
    access.get_by_label("Role", exact=True).select_option("auditor")
    access.get_by_role("button", name="Grant the role").click()

    expect(access).to_contain_text("Maria Keller is now Auditor in DE01.")
    expect(access.locator("tbody")).to_contain_text("Auditor")
    expect(admin.locator("#history")).to_contain_text("access granted")
    expect(access.get_by_text("Maria Keller is now Auditor in DE01.")).to_be_focused()
    _clean(admin)
    screenshot(admin, output_path, f"{width}-2-granted")

    (mail,) = mailoutbox
    link = re.search(r"https?://\S+/accounts/set-password/\S+/", mail.body)
    assert link is not None, mail.body
    newcomer = browser.new_context(viewport={"width": WIDTHS[width], "height": 900}).new_page()
    newcomer.goto(link.group(0))
    _clean(newcomer)
    newcomer.get_by_label("New password").fill(NEW_PASSWORD)
    newcomer.get_by_label("The same again").fill(NEW_PASSWORD)
    newcomer.get_by_role("button", name="Set my password").click()
    expect(newcomer.locator(".messages")).to_contain_text("Your password is set")
    newcomer.fill("#id_username", "m.keller")
    newcomer.fill("#id_password", NEW_PASSWORD)
    newcomer.get_by_role("button", name="Sign in").click()
    expect(newcomer.get_by_test_id("username")).to_have_text("m.keller")
    screenshot(newcomer, output_path, f"{width}-3-signed-in")

    account = admin.locator("#account")
    account.get_by_label("Reason for deactivating (optional)").fill("Moved to the group's audit firm")
    account.get_by_role("button", name="Deactivate").click()

    expect(account).to_contain_text("Maria Keller is deactivated")
    expect(account.get_by_role("button", name="Deactivate")).to_have_count(0)
    expect(account.get_by_role("button", name="Reactivate")).to_be_visible()
    expect(admin.locator("#facts")).to_contain_text("Deactivated")
    expect(admin.locator("#history")).to_contain_text("Status changed from active to deactivated.")
    assert admin.evaluate("window.__stayed === true")
    assert not User.objects.get(username="m.keller").is_active
    newcomer.reload()
    expect(newcomer).to_have_url(re.compile(r"/accounts/login/"))
    _clean(admin)
    screenshot(admin, output_path, f"{width}-4-deactivated")
    newcomer.context.close()
