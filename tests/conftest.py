"""Test-wide setup: real PostgreSQL and Redis are required; personas per STYLE.md."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("FCT_FIXTURES", REPO.parent / "shared" / "fixtures"))


def _reachable(url: str, default_port: int) -> tuple[str, int, bool]:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
    try:
        with socket.create_connection((host, port), timeout=3):
            return host, port, True
    except OSError:
        return host, port, False


def pytest_sessionstart(session: pytest.Session) -> None:
    """A missing service fails the run with a clear message; it never turns into skips."""
    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fct")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    missing = []
    for name, url, port, hint in (
        ("PostgreSQL", database_url, 5432, "set DATABASE_URL or start PostgreSQL"),
        ("Redis", redis_url, 6379, "set REDIS_URL or start redis-server"),
    ):
        host, port, ok = _reachable(url, port)
        if not ok:
            missing.append(f"{name} is not reachable at {host}:{port} ({hint}).")
    if missing:
        ci = " (CI=true: services are required)" if os.environ.get("CI") == "true" else ""
        pytest.exit("Cannot run the test suite" + ci + ":\n  " + "\n  ".join(missing), returncode=3)


@pytest.fixture
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"Bank-file fixtures not found at {FIXTURES} (set FCT_FIXTURES).")
    return FIXTURES


# --- personas ------------------------------------------------------------------------------


@pytest.fixture
def roles(db: Any) -> None:
    from finops.accounts.services import roles_sync

    roles_sync()


@pytest.fixture
def entity_de(db: Any) -> Any:
    from tests.factories import LegalEntityFactory

    return LegalEntityFactory(code="DE01", name="Nordlicht Components GmbH", country="DE", base_currency="EUR")


@pytest.fixture
def entity_gb(db: Any) -> Any:
    from tests.factories import LegalEntityFactory

    return LegalEntityFactory(code="GB01", name="Nordlicht Components Ltd", country="GB", base_currency="GBP")


def _persona(username: str, role: str, *entities: Any, **extra: Any) -> Any:
    from finops.accounts.roles import Role
    from finops.accounts.services import user_grant_role
    from finops.audit.context import correlation
    from tests.factories import UserFactory

    user = UserFactory(username=username, **extra)
    with correlation():  # granted by an admin's request of its own, not by the work a test then does
        for entity in entities:
            user_grant_role(user=user, role=Role(role), entity=entity, granted_by=None)
    return user


@pytest.fixture
def clerk_de(roles: None, entity_de: Any) -> Any:
    return _persona("clerk_de", "ap_clerk", entity_de)


@pytest.fixture
def treasury_de(roles: None, entity_de: Any) -> Any:
    return _persona("treasury_de", "treasury_analyst", entity_de)


@pytest.fixture
def controller_de(roles: None, entity_de: Any) -> Any:
    return _persona("controller_de", "controller", entity_de)


@pytest.fixture
def controller2_de(roles: None, entity_de: Any) -> Any:
    return _persona("controller2_de", "controller", entity_de)


@pytest.fixture
def controller_gb(roles: None, entity_gb: Any) -> Any:
    return _persona("controller_gb", "controller", entity_gb)


@pytest.fixture
def auditor_de(roles: None, entity_de: Any) -> Any:
    return _persona("auditor_de", "auditor", entity_de)


@pytest.fixture
def admin_de(roles: None, entity_de: Any) -> Any:
    return _persona("admin_de", "admin", entity_de, is_staff=True)


@pytest.fixture
def outsider(roles: None, entity_gb: Any) -> Any:
    """A real user with a real role, but only in GB01: everything of DE01 is invisible to them."""
    return _persona("outsider", "auditor", entity_gb)


@pytest.fixture
def no_role_user(db: Any) -> Any:
    from tests.factories import UserFactory

    return UserFactory(username="nobody")
