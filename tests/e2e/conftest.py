"""Browser tests: Playwright driving Debian's Chromium against a live server."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserType, Playwright, sync_playwright

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a
# thread with a running loop unless told that this is a test process.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `apt-get install chromium` (make test does this as root).")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


# Playwright's sync API keeps an event loop running in this thread for as long as it lives; a
# session-wide one would make every later asyncio.run() on the same xdist worker fail (the sandbox's
# SFTP tests). So the browser lives for one module of browser tests, then stops with its loop.
@pytest.fixture(scope="module")
def playwright(_pw_api_request_contexts: Any) -> Iterator[Playwright]:
    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="module")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    return getattr(playwright, browser_name)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def launch_browser(browser_type_launch_args: dict[str, Any], browser_type: BrowserType) -> Callable[..., Browser]:
    def launch(**kwargs: Any) -> Browser:
        return browser_type.launch(**{**browser_type_launch_args, **kwargs})

    return launch


@pytest.fixture(scope="module")
def browser(launch_browser: Callable[..., Browser]) -> Iterator[Browser]:
    started = launch_browser()
    yield started
    started.close()


@pytest.fixture(scope="module")
def browser_context_args() -> dict[str, Any]:
    return {"viewport": {"width": 1366, "height": 900}}


# --- shared helpers for the screen tests -----------------------------------------------------------

WIDTHS = {"wide": 1440, "narrow": 390}
AXE_URL = "/static/vendor/axe-core/axe.min.js"  # vendored (static/vendor/axe-core/README.md); 'self' under a CSP
# WCAG 2.1 A and AA rules plus axe's best practices; serious and critical findings fail a test.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = ("serious", "critical")


@pytest.fixture
def open_as(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """A page signed in as a user at a width, without going through the login form (the login page
    has its own test): the session cookie Django's test client makes, in a fresh browser context."""
    from django.conf import settings
    from django.test import Client

    contexts = []

    def open_page(user: Any, *, width: int = WIDTHS["wide"]) -> Any:
        client = Client()
        client.force_login(user)
        context = browser.new_context(viewport={"width": width, "height": 900}, base_url=live_server.url)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        contexts.append(context)
        page = context.new_page()
        watch_csp(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


def axe_findings(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
    violations: list[dict[str, Any]] = page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                     resultTypes: ['violations']}))
            .violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                   nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""",
        AXE_TAGS,
    )
    return [v for v in violations if v["impact"] in BLOCKING]


def sideways_overflow(page: Any) -> int:
    """How many pixels the page scrolls sideways (0: none). Deliberate scrollers (.table-wrap) do not count."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def screenshot(page: Any, output_path: str, name: str) -> Path:
    shot = Path(output_path) / f"{name}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    return shot


@pytest.fixture
def private_queue(settings: Any) -> Iterator[str]:
    """Runs queued from the browser go to a queue of this test's own, dropped afterwards."""
    import uuid

    import redis

    queue = f"fct-test-e2e-{uuid.uuid4().hex[:12]}"
    settings.FCT_INTEGRATIONS_QUEUE = queue
    yield queue
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(queue, f"_kombu.binding.{queue}")


# --- the Content-Security-Policy holds on every page a browser test visits ---------------------------

CSP_BLOCKED: list[str] = []


def watch_csp(page: Any) -> None:
    """Chromium reports each script, handler, style or eval the policy blocks on the console."""
    page.on(
        "console",
        lambda message: CSP_BLOCKED.append(message.text) if "Content Security Policy" in message.text else None,
    )


@pytest.fixture(autouse=True)
def no_csp_violations(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every browser test also proves the pages it visits work under the Content-Security-Policy."""
    CSP_BLOCKED.clear()
    if "page" in request.fixturenames:
        watch_csp(request.getfixturevalue("page"))
    yield
    assert CSP_BLOCKED == []
