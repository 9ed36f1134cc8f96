"""The demo seed: a small manufacturing group (Nordlicht Components) with three companies, their
banks, suppliers and customers, 90 days of purchasing and billing, ten business days of bank
statements, payment batches in flight and an exception queue for every role.

Everything is built from one random.Random(2026), relative to today's date, inside one
transaction. Idempotent: when the demo entities exist, demo_seed() changes nothing. The steps
run in a fixed order, each drawing from the same generator: reordering them changes the data.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from finops.accounts.models import User
from finops.accounts.services import roles_sync
from finops.audit.context import correlation
from finops.demo.names import GROUP_NAME
from finops.demo.seed.connectors import connectors_create
from finops.demo.seed.context import SOURCE, business_days_before
from finops.demo.seed.entities import ENTITIES, entities_create, own_accounts_create
from finops.demo.seed.exceptions import exceptions_start_some, master_data_findings
from finops.demo.seed.matching import ap_first_match, ap_policies_create
from finops.demo.seed.parties import counterparties_create, counterparty_specs
from finops.demo.seed.payments import batches_create
from finops.demo.seed.purchasing import purchasing_create
from finops.demo.seed.remittances import remittances_create
from finops.demo.seed.sales import sales_create
from finops.demo.seed.statements import statements_create
from finops.demo.seed.users import DEMO_LOGINS, DEMO_USERS, DemoLogin, users_create
from finops.masterdata.models import LegalEntity
from reconciliation.exceptions.services import exception_open

__all__ = [
    "DEMO_USERS",
    "GROUP_NAME",
    "DemoSeedConflict",
    "SeedResult",
    "counterparty_specs",
    "demo_is_present",
    "demo_seed",
]

RANDOM_SEED = 2026
STATEMENT_DAYS = 10
# Any constant: serialises two seeds started at once, so the second one sees the first's data.
ADVISORY_LOCK_KEY = 7_402_026


class DemoSeedConflict(Exception):
    """The database holds non-demo data that the demo would collide with."""


@dataclass(frozen=True)
class SeedResult:
    created: bool
    counts: dict[str, int]
    logins: tuple[DemoLogin, ...]


def demo_is_present() -> bool:
    return LegalEntity.objects.filter(code=ENTITIES[0].code, source=SOURCE).exists()


@transaction.atomic
def demo_seed(*, today: dt.date | None = None) -> SeedResult:
    """Build the whole demo in one transaction. Idempotent: if the demo entities exist,
    nothing is written and SeedResult.created is False."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
    if demo_is_present():
        return SeedResult(created=False, counts={}, logins=DEMO_LOGINS)
    _refuse_conflicts()
    with correlation():
        counts = _seed_everything(random.Random(RANDOM_SEED), today or timezone.now().date())
    return SeedResult(created=True, counts=counts, logins=DEMO_LOGINS)


def _refuse_conflicts() -> None:
    codes = [e.code for e in ENTITIES]
    taken = list(LegalEntity.objects.filter(code__in=codes).values_list("code", flat=True))
    users = list(User.objects.filter(username__in=[u.username for u in DEMO_USERS]).values_list("username", flat=True))
    if taken or users:
        raise DemoSeedConflict(
            "The demo needs a database without its entity codes and usernames; found "
            + ", ".join([*(f"entity {c}" for c in taken), *(f"user {u}" for u in users)])
            + ". Use an empty database for the demo."
        )


def _seed_everything(rng: random.Random, today: dt.date) -> dict[str, int]:
    window = business_days_before(today, STATEMENT_DAYS)
    roles_sync()
    entities = entities_create()
    own = own_accounts_create(rng, entities)
    parties = counterparties_create(counterparty_specs(rng), entities)
    users = users_create(entities)
    ap_policies_create(entities)
    purchasing = purchasing_create(rng, entities, parties, today, window)
    sales = sales_create(rng, entities, parties, today, window)
    statements = statements_create(rng, entities, own, parties, purchasing.invoices, sales, window)
    batches = batches_create(entities, own, parties, users, purchasing.invoices, today)
    connectors = connectors_create(entities, own)
    remittances = remittances_create(rng, entities, parties, sales, today)
    findings = [
        *statements.findings,
        *batches.findings,
        *remittances.findings,
        *connectors.findings,
        *master_data_findings(rng, entities, parties),
    ]
    exceptions = [exception_open(**f.as_kwargs())[0] for f in findings]
    exceptions += ap_first_match(entities, purchasing.planted, source=SOURCE)
    exceptions_start_some(exceptions, users)
    return {
        "legal entities": len(entities),
        "own bank accounts": len(own),
        "suppliers": sum(1 for c in parties.all if c.is_supplier),
        "customers": sum(1 for c in parties.all if c.is_customer),
        "counterparty bank accounts": len(parties.account_of),
        "purchase orders": purchasing.order_count,
        "goods receipts": purchasing.receipt_count,
        "AP invoices": len(purchasing.invoices),
        "AR invoices": len(sales),
        "bank statements": len(statements.statements),
        "statement lines": statements.line_count,
        "payment batches": len(batches.batches),
        "payments": batches.payment_count,
        "remittances": len(remittances.remittances),
        "exceptions": len(exceptions),
        "connectors": len(connectors.connectors),
        "users": len(users),
    }
