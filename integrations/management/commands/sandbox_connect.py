"""Point the demo's connectors at a running sandbox (`python -m integrations.sandbox --port N`).

Pull connectors without a base URL get the sandbox URL and token and a schedule; webhook
connectors get a fresh signing secret and the sandbox is subscribed to send to this site.
Idempotent: connectors already configured are left alone (--force reconfigures them)."""

import json
import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from integrations.connectors import spec_for
from integrations.models import Connector
from integrations.sandbox.config import DEFAULT_TOKEN
from integrations.services import connector_credentials_set, connector_update
from integrations.sync.http import ConnectorError, HttpClient
from integrations.sync.retry import RetryPolicy

SYSTEM_OF_KIND = {"billing_webhook": "billing", "gateway_webhook": "gateway"}


class Command(BaseCommand):
    help = "Configure connectors to talk to the bundled sandbox (demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sandbox", default="http://127.0.0.1:8100", help="The sandbox's base URL.")
        parser.add_argument("--site", default="http://127.0.0.1:8000", help="This site's URL, for webhooks.")
        parser.add_argument("--token", default=DEFAULT_TOKEN)
        parser.add_argument("--cadence", type=int, default=15, help="Minutes between scheduled runs.")
        parser.add_argument("--force", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        sandbox, site = options["sandbox"].rstrip("/"), options["site"].rstrip("/")
        for connector in Connector.objects.order_by("pk"):
            spec = spec_for(connector.kind)
            if spec.can_pull and (options["force"] or not connector.base_url):
                connector_update(
                    connector_id=connector.pk,
                    actor=None,
                    # due at once: the demo's data starts flowing at the first beat tick
                    settings={
                        "base_url": sandbox,
                        "cadence_minutes": options["cadence"],
                        "next_run_at": timezone.now(),
                    },
                )
                connector_credentials_set(connector_id=connector.pk, actor=None, values={"token": options["token"]})
                self.stdout.write(f"{connector.name}: pulls from {sandbox} every {options['cadence']} min")
            elif connector.kind in SYSTEM_OF_KIND and (options["force"] or not connector.credential_fields):
                secret = secrets.token_urlsafe(32)
                connector_credentials_set(connector_id=connector.pk, actor=None, values={"webhook_secret": secret})
                url = f"{site}/integrations/webhooks/{connector.pk}/"
                try:
                    HttpClient(sandbox, policy=RetryPolicy(max_attempts=3)).request(
                        "POST",
                        f"/_sandbox/{SYSTEM_OF_KIND[connector.kind]}/subscriptions",
                        body=json.dumps({"url": url, "secret": secret}).encode(),
                        content_type="application/json",
                    )
                except ConnectorError as exc:
                    self.stderr.write(f"{connector.name}: the sandbox refused the subscription: {exc}")
                    continue
                self.stdout.write(f"{connector.name}: the sandbox sends its events to {url}")
