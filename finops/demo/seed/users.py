"""The demo logins: one or two users per role, each granted its role in the companies it works for."""

from __future__ import annotations

from finops.accounts.models import User
from finops.accounts.services import user_grant_role
from finops.demo.logins import DEMO_LOGINS, DEMO_USERS, DemoLogin, DemoUser
from finops.demo.names import EMAIL_DOMAIN
from finops.masterdata.models import LegalEntity

__all__ = ["DEMO_LOGINS", "DEMO_USERS", "DemoLogin", "DemoUser", "users_create"]


def users_create(entities: dict[str, LegalEntity]) -> dict[str, User]:
    users = []
    for spec in DEMO_USERS:
        user = User(
            username=spec.username,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=f"{spec.username}@{EMAIL_DOMAIN}",
            is_staff=spec.is_staff,
        )
        user.set_password(spec.password)
        users.append(user)
    by_name = {u.username: u for u in User.objects.bulk_create(users)}
    admin = by_name["admin"]
    for spec in DEMO_USERS:
        granted_by = None if spec.username == "admin" else admin
        for code in spec.entities:
            user_grant_role(user=by_name[spec.username], role=spec.role, entity=entities[code], granted_by=granted_by)
    return by_name
