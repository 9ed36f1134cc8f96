"""Every action completes in place (STYLE.md, Screens): the panels that depend on it refresh without a
reload, focus goes to the result, actions that no longer apply are gone, and work that finishes later
(a run, a posting) shows up when it finishes. By keyboard where the point is the keyboard."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from playwright.sync_api import expect

from finops.ledger.services import journal_entry_queue, journal_entry_record_posting
from finops.masterdata.models import LegalEntity
from integrations.models import Connector, SyncRun
from integrations.states import FailureKind
from integrations.sync.runs import sync_run_fail
from tests.e2e.conftest import WIDTHS, screenshot
from tests.e2e.world import build_world
from tests.factories import SyncFailureFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOT_RELOADED = "window.__stayed === true"


@pytest.fixture
def world(fixtures_dir: Path):
    return build_world(fixtures_dir)


def _stay(page: Any) -> None:
    page.evaluate("window.__stayed = true")


def _focused_text(page: Any) -> str:
    return str(page.evaluate("document.activeElement ? document.activeElement.innerText || '' : ''"))


def _tab_to(page: Any, name: str, limit: int = 80) -> None:
    """Press Tab until the focused element's text or label is `name`: the control is reachable by keyboard."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        label = page.evaluate(
            "(() => { const e = document.activeElement;"
            " return (e.innerText || e.value || e.getAttribute('aria-label') || '').trim(); })()"
        )
        if label.startswith(name):
            return
    raise AssertionError(f"{name!r} is not reachable with Tab")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_two_approvals_and_the_release_each_complete_in_place(open_as, world, width, output_path):
    LegalEntity.objects.filter(code="DE01").update(dual_approval_threshold=Decimal("1000"))
    batch = world.records["batch"]
    second = UserFactory(username="daniel")
    from finops.accounts.roles import Role
    from finops.accounts.services import user_grant_role

    user_grant_role(user=second, role=Role.CONTROLLER, entity=batch.entity, granted_by=None)
    page = open_as(world.user, width=WIDTHS[width])
    page.goto(f"/payables/batches/{batch.pk}/")
    _stay(page)
    decision = page.locator("#decision")

    page.fill("input[name=comment]", "checked against the proposal")
    decision.get_by_role("button", name=re.compile("^Approve")).click()

    expect(decision).to_contain_text("Your approval is recorded.")
    expect(decision.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)
    expect(decision).to_contain_text("You approved this batch; it waits for another controller.")
    expect(page.locator("#history")).to_contain_text("approval recorded")
    expect(decision.get_by_text("Your approval is recorded.")).to_be_focused()
    screenshot(page, output_path, f"{width}-1-first-approval")

    other = open_as(second, width=WIDTHS[width])
    other.goto(f"/payables/batches/{batch.pk}/")
    other.locator("#decision").get_by_role("button", name=re.compile("^Approve")).click()
    expect(other.locator("#facts")).to_contain_text("Approved")
    expect(other.locator("#history")).to_contain_text("State changed from Pending approval to Approved.")

    page.reload()
    _stay(page)
    page.get_by_role("button", name="Release to the bank").click()

    expect(decision).to_contain_text("Released: download the payment file")
    expect(page.get_by_role("button", name="Release to the bank")).to_have_count(0)
    expect(page.locator("#facts")).to_contain_text("Released")
    expect(page.locator("#payments .badge").first).to_have_text("Released")
    expect(page.locator("#history")).to_contain_text("State changed from Approved to Released.")
    assert page.evaluate(NOT_RELOADED)
    expect(decision.locator(".messages li").first).to_be_focused()
    assert _focused_text(page).startswith("Released:")
    screenshot(page, output_path, f"{width}-2-released")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_an_exception_is_taken_and_resolved_by_keyboard_alone(open_as, world, width, output_path):
    item = world.records["rejected"]
    page = open_as(world.user, width=WIDTHS[width])
    page.goto(f"/exceptions/{item.pk}/")
    _stay(page)
    work = page.locator("#work")

    _tab_to(page, "Take it")
    page.keyboard.press("Enter")

    expect(work).to_contain_text("You are working on it.")
    expect(work).to_contain_text("owner: lena")
    expect(work.get_by_role("button", name="Take it")).to_have_count(0)
    expect(work.get_by_text("You are working on it.")).to_be_focused()

    page.evaluate("document.querySelector('textarea[name=resolution]').removeAttribute('required')")
    _tab_to(page, "Resolve")
    page.keyboard.press("Enter")
    expect(work.locator(".errorlist")).to_contain_text("This field is required.")
    expect(page.locator("textarea[name=resolution]")).to_be_focused()  # the field to fix
    page.keyboard.type("Bank confirmed the closed account; paid to the new account.")
    _tab_to(page, "Resolve")
    page.keyboard.press("Enter")

    expect(work).to_contain_text("Resolved.")
    expect(work.locator("form")).to_have_count(0)
    expect(page.locator("#history")).to_contain_text("State changed from In progress to Resolved.")
    assert page.evaluate(NOT_RELOADED)
    screenshot(page, output_path, f"{width}-resolved")


def test_a_runs_failures_appear_when_it_ends_and_the_queued_banner_goes(open_as, world, private_queue, output_path):
    connector = world.records["connector"]
    Connector.objects.filter(pk=connector.pk).update(base_url="http://127.0.0.1:9")
    page = open_as(world.user)
    page.goto(f"/integrations/{connector.pk}/")
    page.get_by_role("button", name="Run now").click()
    expect(page.locator("#messages")).to_contain_text("is queued.")
    expect(page.get_by_test_id("failures")).to_contain_text("its failures appear here when it ends")
    _stay(page)
    screenshot(page, output_path, "1-queued")

    run = SyncRun.objects.get(connector=connector, state="queued")
    with transaction.atomic():
        locked = SyncRun.objects.select_for_update().get(pk=run.pk)
        SyncFailureFactory(
            connector=connector,
            run=locked,
            kind=FailureKind.PAGE,
            resource="suppliers",
            key="page 1",
            payload=None,
            error="HTTP 503 from the ERP after 5 attempts",
            attempts=5,
        )
        sync_run_fail(locked, error="HTTP 503 from the ERP after 5 attempts")

    expect(page.get_by_test_id("failure")).to_contain_text("HTTP 503 from the ERP after 5 attempts", timeout=8000)
    expect(page.locator("#messages")).to_be_empty()
    expect(page.locator("#progress")).to_contain_text("Failed")
    expect(page.locator("#history")).to_contain_text("State changed from Queued to Failed.")
    assert page.evaluate(NOT_RELOADED)
    screenshot(page, output_path, "2-failed")


def test_a_queued_posting_shows_the_erp_document_when_the_erp_books_it(open_as, world, output_path):
    entry = world.records["entry"]
    journal_entry_queue(entry_id=entry.pk, actor=world.user)
    page = open_as(world.user)
    page.goto(f"/ledger/journal-entries/{entry.pk}/")
    expect(page.locator("#posting")).to_contain_text("Waiting for the ERP to book it")
    _stay(page)

    journal_entry_record_posting(entry_id=entry.pk, document_number="5100000123")

    expect(page.locator("#posting")).to_contain_text("Booked in the ERP as document 5100000123", timeout=8000)
    expect(page.locator("#posting")).not_to_contain_text("Waiting for the ERP")
    expect(page.locator("#history")).to_contain_text("State changed from Queued for posting to Posted to the ERP.")
    assert page.evaluate(NOT_RELOADED)
    screenshot(page, output_path, "posted")


def test_filters_keep_one_copy_of_each_parameter_and_back_restores_the_previous_filter(open_as, world):
    page = open_as(world.user)
    page.goto("/exceptions/")
    _stay(page)

    page.select_option("select[name=kind]", "rejected_payment")
    expect(page.locator("#rows")).not_to_contain_text("Price above PO")
    page.select_option("select[name=state]", "open")
    page.wait_for_url(re.compile(r"state=open"))
    page.select_option("select[name=kind]", "three_way_mismatch")
    expect(page.locator("#rows")).to_contain_text("Price above PO")

    query = page.url.split("?", 1)[1]
    assert sorted(p.split("=")[0] for p in query.split("&") if not p.endswith("=")) == ["kind", "state"], query
    assert query.count("kind=") == 1
    assert query.count("state=") == 1
    assert page.evaluate(NOT_RELOADED)

    page.go_back()
    expect(page.locator("select[name=kind]")).to_have_value("rejected_payment")
    expect(page.locator("select[name=state]")).to_have_value("open")
    expect(page.locator("#rows")).not_to_contain_text("Price above PO")
    expect(page.locator("#rows")).to_contain_text("rejected by the bank")


def test_the_keyboard_finds_the_skip_link_the_menu_and_sees_where_it_is(open_as, world, output_path):
    page = open_as(world.user, width=WIDTHS["narrow"])
    page.goto("/exceptions/")
    links = page.locator("#nav-links a")
    expect(links.first).to_be_hidden()

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None
    assert box["y"] >= 0, "the skip link shows when focused"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"

    page.keyboard.press("Tab")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(links.first).to_be_visible()
    page.keyboard.press("Tab")
    expect(links.first).to_be_focused()
    screenshot(page, output_path, "narrow-menu-open")
    page.keyboard.press("Escape")
    expect(links.first).to_be_hidden()
    expect(menu).to_be_focused()

    page.keyboard.press("Shift+Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
