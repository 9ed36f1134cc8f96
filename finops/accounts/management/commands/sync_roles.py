"""python manage.py sync_roles: create or refresh the role groups and their model permissions."""

from typing import Any

from django.core.management.base import BaseCommand

from finops.accounts.services import roles_sync


class Command(BaseCommand):
    help = "Create or refresh the five role groups (AP clerk, treasury analyst, controller, admin, auditor)."

    def handle(self, *args: Any, **options: Any) -> None:
        groups = roles_sync()
        self.stdout.write(f"Role groups in place: {', '.join(g.name for g in groups)}")
