"""The demo logins: who they are, their role and companies, their published password.

Plain data without Django, so `make demo` can print them before anything else is loaded; the seed
(finops.demo.seed.users) creates exactly these users.
"""

from __future__ import annotations

from dataclasses import dataclass

from finops.accounts.roles import Role


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
