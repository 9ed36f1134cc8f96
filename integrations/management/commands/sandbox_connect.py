"""Point the demo's connectors at a running sandbox (`python -m integrations.sandbox --port N
[--sftp-port M]`).

Pull connectors without a base URL get the sandbox URL and token and a schedule; SFTP connectors
without a host get the sandbox's SFTP server, its host key fingerprint and login, and a schedule;
webhook connectors get a fresh signing secret and the sandbox is subscribed to send to this site.
The house-bank accounts of every entity with a bank API or SFTP connector (by IBAN, or by account
and routing number for one without an IBAN) are opened at the sandbox bank, with two weeks of the
bank's traffic before the first statement we hold from elsewhere, closing at that statement's
opening balance, so that the bank's API and its statement files concern our accounts.

Every entity gets a webhook subscription to the sandbox's data warehouse (POST
/warehouse/v1/events) for all canonical events, with a signing secret the warehouse is told of.

Idempotent: connectors already configured are left alone (--force reconfigures them), and
opening an account the sandbox already keeps changes nothing but its name.
"""

import datetime as dt
import json
import secrets
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Min
from django.utils import timezone

from finops.masterdata.models import BankAccount, LegalEntity
from finops.outbox.models import WebhookSubscription
from finops.outbox.services import EVENT_TOPICS, subscription_create, subscription_update
from finops.treasury.models import BankStatement
from integrations.connectors import mapping_of, source_of, spec_for
from integrations.models import Connector, ConnectorKind
from integrations.retry import RetryPolicy
from integrations.sandbox.config import DEFAULT_TOKEN
from integrations.services import connector_credentials_set, connector_mapping_set, connector_update
from integrations.sync.http import ConnectorError, HttpClient, HttpRefused

SYSTEM_OF_KIND = {"billing_webhook": "billing", "gateway_webhook": "gateway"}
BANK_KINDS = (ConnectorKind.BANK_API, ConnectorKind.BANK_SFTP)
HISTORY_DAYS = 14
WAREHOUSE = "Sandbox data warehouse"
CENT = Decimal("0.01")


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
        hooks = HttpClient(sandbox, policy=RetryPolicy(max_attempts=3))
        schedule = {"cadence_minutes": options["cadence"], "next_run_at": timezone.now()}
        self._open_bank_accounts(hooks)
        self._subscribe_warehouse(hooks, sandbox)
        sftp: dict[str, Any] | None = None
        for connector in Connector.objects.order_by("pk"):
            spec = spec_for(connector.kind)
            if connector.kind == ConnectorKind.BANK_SFTP:
                if options["force"] or not mapping_of(connector)["host"]:
                    sftp = sftp or self._sftp_server(hooks)
                    if sftp is not None:
                        self._connect_sftp(connector, sftp, schedule)
            elif spec.can_pull and (options["force"] or not connector.base_url):
                # due at once: the demo's data starts flowing at the first beat tick
                connector_update(connector_id=connector.pk, actor=None, settings={"base_url": sandbox, **schedule})
                connector_credentials_set(connector_id=connector.pk, actor=None, values={"token": options["token"]})
                self.stdout.write(f"{connector.name}: pulls from {sandbox} every {options['cadence']} min")
            elif connector.kind in SYSTEM_OF_KIND and (options["force"] or not connector.credential_fields):
                secret = secrets.token_urlsafe(32)
                connector_credentials_set(connector_id=connector.pk, actor=None, values={"webhook_secret": secret})
                url = f"{site}/integrations/webhooks/{connector.pk}/"
                try:
                    _post(
                        hooks,
                        f"/_sandbox/{SYSTEM_OF_KIND[connector.kind]}/subscriptions",
                        {"url": url, "secret": secret},
                    )
                except ConnectorError as exc:
                    self.stderr.write(f"{connector.name}: the sandbox refused the subscription: {exc}")
                    continue
                self.stdout.write(f"{connector.name}: the sandbox sends its events to {url}")

    def _subscribe_warehouse(self, hooks: HttpClient, sandbox: str) -> None:
        """One subscription per entity to every canonical event, all signed with one secret, fresh
        on each run (the sandbox forgets it when it stops)."""
        secret = secrets.token_urlsafe(32)
        _post(hooks, "/_sandbox/event-inbox/secret", {"secret": secret})
        url = f"{sandbox}/warehouse/v1/events"
        topics = sorted(EVENT_TOPICS)
        for entity in LegalEntity.objects.order_by("code"):
            existing = WebhookSubscription.objects.filter(entity=entity, name=WAREHOUSE).first()
            if existing is None:
                subscription_create(actor=None, entity=entity, name=WAREHOUSE, url=url, secret=secret, topics=topics)
            else:
                subscription_update(
                    subscription_id=existing.pk,
                    actor=None,
                    name=WAREHOUSE,
                    url=url,
                    topics=topics,
                    is_active=True,
                    secret=secret,
                )
            self.stdout.write(f"{entity.code}: canonical events go to {url}")

    def _sftp_server(self, hooks: HttpClient) -> dict[str, Any] | None:
        try:
            info: dict[str, Any] = hooks.get_json("/_sandbox/sftp")
        except HttpRefused:
            self.stderr.write(
                "The sandbox runs no SFTP server (start it with --sftp-port): SFTP connectors left alone."
            )
            return None
        return info

    def _connect_sftp(self, connector: Connector, sftp: dict[str, Any], schedule: dict[str, Any]) -> None:
        mapping = {
            **(connector.mapping or {}),
            "host": sftp["host"],
            "port": sftp["port"],
            "host_key_fingerprint": sftp["host_key_fingerprint"],
        }
        connector_mapping_set(connector_id=connector.pk, actor=None, mapping=mapping)
        connector_update(connector_id=connector.pk, actor=None, settings=schedule)
        connector_credentials_set(
            connector_id=connector.pk,
            actor=None,
            values={"username": sftp["username"], "password": sftp["password"]},
        )
        folder = mapping_of(connector)["remote_folder"]
        self.stdout.write(
            f"{connector.name}: fetches {folder} from sftp://{sftp['host']}:{sftp['port']} every "
            f"{schedule['cadence_minutes']} min (host key {sftp['host_key_fingerprint']})"
        )

    def _open_bank_accounts(self, hooks: HttpClient) -> None:
        """Our accounts (IBAN, or account + routing number) of entities with a bank connector,
        opened at the sandbox bank."""
        bank_connectors = Connector.objects.filter(kind__in=BANK_KINDS)
        ours_from_the_bank = {source_of(c) for c in bank_connectors}
        accounts = (
            BankAccount.objects.filter(entity__in=bank_connectors.values("entity"), is_active=True)
            .exclude(iban="", account_number="")
            .select_related("entity")
            .order_by("entity__code", "iban", "bank_code", "account_number")
        )
        today = timezone.now().date()
        for account in accounts:
            held = BankStatement.objects.filter(bank_account=account).exclude(source__in=ours_from_the_bank)
            first_on = held.aggregate(first=Min("statement_on"))["first"] or today
            history: dict[str, str] = {
                "from": (first_on - dt.timedelta(days=HISTORY_DAYS)).isoformat(),
                "to": (first_on - dt.timedelta(days=1)).isoformat(),
            }
            first = held.filter(statement_on=first_on, opening_balance__isnull=False).order_by("pk").first()
            if first is not None and first.opening_balance is not None:
                history["closing_balance"] = f"{first.opening_balance.quantize(CENT):f}"
            identity = (
                {"iban": account.iban}
                if account.iban
                else {"account_number": account.account_number, "routing_number": account.routing_number}
            )
            body = {
                **identity,
                "bic": account.bic,
                "currency": account.currency,
                "name": account.name[:140],
                "entity": account.entity.code if account.entity else "",
                "history": history,
            }
            label = account.iban or account.display_identifier
            try:
                _post(hooks, "/_sandbox/bank/accounts", body)
            except ConnectorError as exc:
                self.stderr.write(f"{label}: the sandbox bank did not open it: {exc}")
                continue
            self.stdout.write(
                f"{account.entity.code if account.entity else ''} {label}: kept at the sandbox bank, "
                f"with its traffic {history['from']} to {history['to']}"
            )


def _post(hooks: HttpClient, path: str, body: dict[str, Any]) -> None:
    hooks.request("POST", path, body=json.dumps(body).encode(), content_type="application/json")
