"""Response headers every page carries: a Content-Security-Policy that allows our own scripts and
styles only (so no inline script, handler or style can run), Cache-Control: no-store once signed
in, and the API's schema and docs for signed-in users only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

REPO = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.I)
STYLE = re.compile(r"\sstyle\s*=|<style\b", re.I)


def _csp(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def _pages_without_arguments(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """Every URL of the site that takes no argument (the list pages, forms, home, login, admin)."""
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if "<" in route or "(?P" in route:
            continue
        if isinstance(pattern, URLResolver):
            found += _pages_without_arguments(pattern, route)
        elif isinstance(pattern, URLPattern):
            found.append("/" + route.replace("^", "").replace("$", "").replace("\\", ""))
    return sorted(set(found))


def _assert_strict(response) -> None:
    csp = _csp(response)
    assert csp.get("default-src") == "default-src 'self'"
    assert csp.get("script-src") == "script-src 'self'"
    assert csp.get("style-src") == "style-src 'self'"
    assert csp.get("frame-ancestors") == "frame-ancestors 'none'"
    assert csp.get("object-src") == "object-src 'none'"


def _assert_nothing_inline(url: str, html: str) -> None:
    assert INLINE_SCRIPT.findall(html) == [], url
    assert HANDLER.findall(html) == [], url
    assert STYLE.findall(html) == [], url


def test_every_page_has_the_strict_policy_and_nothing_inline(client, admin_de):
    client.force_login(admin_de)
    pages = [url for url in _pages_without_arguments() if not url.startswith(("/api/", "/integrations/webhooks"))]
    assert {"/", "/payables/batches/", "/django-admin/", "/events/subscriptions/new/"} <= set(pages)

    for url in pages:
        response = client.get(url)
        _assert_strict(response)
        if "text/html" in response.headers.get("Content-Type", ""):
            _assert_nothing_inline(url, response.content.decode())


def test_anonymous_pages_and_error_pages_have_the_policy_too(client):
    login = client.get(reverse("accounts:login"))
    missing = client.get("/no-such-page/")

    for response in (login, missing):
        _assert_strict(response)
        _assert_nothing_inline(response.request["PATH_INFO"], response.content.decode())


def test_no_template_holds_inline_script_handlers_or_styles():
    offenders = []
    for template in (REPO / "templates").rglob("*.html"):
        text = template.read_text()
        for pattern in (INLINE_SCRIPT, HANDLER, STYLE):
            offenders += [f"{template.relative_to(REPO)}: {m}" for m in pattern.findall(text)]

    assert offenders == []


def test_signed_in_pages_exports_and_api_answers_are_never_stored(client, clerk_de):
    client.force_login(clerk_de)

    for url in ("/", "/invoices/", "/invoices/?export=csv", "/api/invoices/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response.headers.get("Cache-Control", ""), url


def test_the_api_schema_and_docs_are_for_signed_in_users_only(client, auditor_de):
    schema_anonymous = client.get("/api/schema/")
    docs_anonymous = client.get("/api/docs/")
    client.force_login(auditor_de)
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema_anonymous.status_code in (401, 403)
    assert docs_anonymous.status_code == 302
    assert docs_anonymous.headers["Location"].startswith(reverse("accounts:login"))
    assert schema.status_code == 200
    assert b"Finance Control Tower API" in schema.content
    assert docs.status_code == 200
    _assert_strict(docs)
    _assert_nothing_inline("/api/docs/", docs.content.decode())


@pytest.mark.parametrize("url", ["/api/docs/?script"])
def test_the_docs_initialiser_is_a_script_file_of_our_own_origin(client, auditor_de, url):
    client.force_login(auditor_de)

    response = client.get(url)

    assert response.status_code == 200
    assert "javascript" in response.headers["Content-Type"]
    assert b"SwaggerUIBundle" in response.content


def test_no_template_comment_leaks_into_the_page(client, clerk_de):
    client.force_login(clerk_de)

    html = client.get("/").content.decode()

    assert "{#" not in html
    assert "#}" not in html
