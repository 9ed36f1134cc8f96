"""Every page type, at 1440 px and at 390 px, in Chromium: axe-core finds no serious or critical
accessibility problem, the page never scrolls sideways, and a screenshot of each is kept in the test
output (test-results/) to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import WIDTHS, axe_findings, screenshot, sideways_overflow
from tests.e2e.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(fixtures_dir: Path):
    return build_world(fixtures_dir)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_page_type_passes_axe_and_fits_the_width(page, open_as, live_server, world, width, output_path):
    problems: dict[str, object] = {}

    def check(name: str, current) -> None:
        findings = axe_findings(current)
        overflow = sideways_overflow(current)
        unlabelled = current.locator("text=[invalid name]").count()
        screenshot(current, output_path, f"{width}-{name}")
        if findings or overflow > 0 or unlabelled:
            problems[name] = {"axe": findings, "scrolls sideways by px": overflow, "[invalid name]": unlabelled}

    page.set_viewport_size({"width": WIDTHS[width], "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    check("login", page)
    signed_in = open_as(world.user, width=WIDTHS[width])
    for name, url in world.pages.items():
        response = signed_in.goto(url)
        assert response is not None
        assert response.status == (404 if name == "not-found" else 200), name
        check(name, signed_in)
    forbidden = open_as(world.clerk, width=WIDTHS[width])
    assert forbidden.goto("/audit/").status == 403
    check("forbidden", forbidden)

    assert problems == {}
    assert len(list(Path(output_path).glob(f"{width}-*.png"))) == len(world.pages) + 2
