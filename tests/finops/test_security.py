"""Security basics: deploy checks, login throttling, CSRF everywhere, secure cookies."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

REPO = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "finops.settings.production",
    "SECRET_KEY": "x" * 20 + "-production-like-key-for-the-check-" + "y" * 20,
    "ALLOWED_HOSTS": "fct.example.com",
}


def _production_env(extra_env: dict[str, str]) -> dict[str, str]:
    # The browser tests allow async-unsafe ORM calls in this process; production never does.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**inherited, **extra_env}


def _manage(*args: str, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = _production_env(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_passes_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", extra_env=PROD_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _manage("check", extra_env={**PROD_ENV, "SECRET_KEY": ""})

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_cookies_are_secure_and_http_only():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=_production_env(PROD_ENV),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.stdout.split() == ["True", "True", "True", "True"], result.stderr


def test_no_secret_key_is_committed_in_base_settings():
    base = (REPO / "finops/settings/base.py").read_text()

    assert 'env("SECRET_KEY", default="")' in base


def test_login_is_locked_after_five_failures_even_with_the_right_password(client, clerk_de):
    url = reverse("accounts:login")
    for _ in range(5):
        client.post(url, {"username": "clerk_de", "password": "wrong-password"})

    response = client.post(url, {"username": "clerk_de", "password": "correct-horse-battery"})

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()


def test_login_works_with_the_right_password_and_lands_on_home(client, clerk_de):
    response = client.post(reverse("accounts:login"), {"username": "clerk_de", "password": "correct-horse-battery"})

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:home")


def test_a_wrong_password_gets_a_clear_message(client, clerk_de):
    response = client.post(reverse("accounts:login"), {"username": "clerk_de", "password": "nope"})

    assert response.status_code == 200
    assert "do not match" in response.content.decode()


@pytest.mark.parametrize(
    "url_name", ["payables:batch-approve", "payables:batch-decline", "reconciliation:exception-resolve"]
)
def test_posts_without_a_csrf_token_are_refused(controller_de, url_name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(controller_de)

    response = client.post(reverse(url_name, args=[1]), {"reason": "x", "resolution": "x"})

    assert response.status_code == 403


def test_every_page_sends_the_csrf_token_to_htmx_in_the_body_headers(client, clerk_de):
    client.force_login(clerk_de)

    html = client.get(reverse("dashboards:home")).content.decode()

    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in html, "htmx is served from our own static files"


def test_logout_requires_post(client, clerk_de):
    client.force_login(clerk_de)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_django_admin_is_for_admins_only(client, admin_de, clerk_de):
    client.force_login(clerk_de)
    assert client.get("/django-admin/").status_code == 302

    client.force_login(admin_de)
    assert client.get("/django-admin/").status_code == 200


def test_templates_and_static_load_nothing_from_a_cdn():
    offenders = [
        str(p)
        for folder in ("templates", "static")
        for p in (REPO / folder).rglob("*")
        if p.is_file() and any(h in p.read_text(errors="ignore") for h in ("cdn.", "unpkg.com", "jsdelivr"))
    ]

    assert offenders == []
