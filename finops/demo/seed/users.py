"""The demo logins: one or two users per role, each granted its role in the companies it works for."""

from __future__ import annotations

from dataclasses import dataclass

from finops.accounts.models import User
from finops.accounts.roles import Role
from finops.accounts.services import user_grant_role
from finops.demo.names import EMAIL_DOMAIN
from finops.masterdata.models import LegalEntity


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: Role
    entities: tuple[str, ...]
    is_staff: bool = False

    @property
    def password(self) -> str:
        # Documented demo credentials, printed by the command; never a production secret.
        return f"{self.username}-demo-2026"


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("clerk", "Anna", "Becker", Role.AP_CLERK, ("DE01", "GB01")),
    DemoUser("treasury", "James", "Whitmore", Role.TREASURY_ANALYST, ("DE01", "GB01", "US01")),
    DemoUser("controller", "Katrin", "Vogel", Role.CONTROLLER, ("DE01", "GB01")),
    DemoUser("controller2", "Daniel", "Okafor", Role.CONTROLLER, ("DE01", "GB01", "US01")),
    DemoUser("admin", "Lena", "Hoffmann", Role.ADMIN, ("DE01", "GB01", "US01"), is_staff=True),
    DemoUser("auditor", "Priya", "Raman", Role.AUDITOR, ("DE01", "GB01", "US01")),
    DemoUser("clerk_us", "Tyler", "Brooks", Role.AP_CLERK, ("US01",)),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    entities: str
    password: str


DEMO_LOGINS: tuple[DemoLogin, ...] = tuple(
    DemoLogin(u.username, u.role.label, ", ".join(u.entities), u.password) for u in DEMO_USERS
)


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
