"""python manage.py seed_demo: load the Nordlicht Components demo data into an empty database."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from finops.demo.seed import GROUP_NAME, DemoSeedConflict, SeedResult, demo_seed


class Command(BaseCommand):
    help = (
        "Load the demo: three companies of a manufacturing group, banks, 550 counterparties, purchasing, "
        "billing, ten days of bank statements, payment batches, exceptions and demo users. Runs once; "
        "a second run changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even though DEBUG is off. The demo users have published passwords: never on production.",
        )

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo data: DEBUG is off, so this may be a production database. "
                "The demo creates users with published passwords. Pass --force if this really is a demo database."
            )
        started = time.monotonic()
        try:
            result = demo_seed()
        except DemoSeedConflict as exc:
            raise CommandError(str(exc)) from exc
        if result.created:
            self._print_summary(result, time.monotonic() - started)
        else:
            self.stdout.write("Demo data already present — nothing changed.")
        self._print_logins(result)

    def _print_summary(self, result: SeedResult, seconds: float) -> None:
        self.stdout.write(self.style.SUCCESS(f"Demo data for {GROUP_NAME} loaded in {seconds:.1f} s:"))
        width = max(len(label) for label in result.counts)
        for label, count in result.counts.items():
            self.stdout.write(f"  {label:<{width}}  {count:>5}")
        self.stdout.write("")

    def _print_logins(self, result: SeedResult) -> None:
        self.stdout.write("Demo logins (published demo credentials — never use them on a real system):")
        rows = [("username", "role", "entities", "password")] + [
            (login.username, login.role, login.entities, login.password) for login in result.logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            self.stdout.write("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
