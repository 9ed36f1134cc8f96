"""Re-encrypt every connector's credentials with the newest FCT_CREDENTIAL_KEYS key.

Rotation: put the new key first in FCT_CREDENTIAL_KEYS (keep the old ones after it), deploy,
run this command, then drop the old keys."""

from typing import Any

from django.core.management.base import BaseCommand

from integrations.services import credential_keys_rotate


class Command(BaseCommand):
    help = "Re-encrypt connector credentials with the newest key in FCT_CREDENTIAL_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        count = credential_keys_rotate()
        self.stdout.write(f"Re-encrypted the credentials of {count} connector(s) with the newest key.")
