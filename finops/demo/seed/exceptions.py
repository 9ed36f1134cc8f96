"""The exception queues: findings to open once their objects are saved, master-data conflicts,
and the few items already being worked on."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from finops.accounts.models import User
from finops.demo.names import BANKS
from finops.demo.seed.context import SOURCE
from finops.demo.seed.entities import ENTITIES
from finops.demo.seed.identifiers import TAX_ID_OF_COUNTRY, account_display, bank_details, details_display
from finops.demo.seed.parties import Parties
from finops.masterdata.models import LegalEntity
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.services import exception_start
from reconciliation.exceptions.states import ExceptionKind


@dataclass(frozen=True)
class Finding:
    """An exception to open once everything it points at is saved."""

    entity: LegalEntity
    kind: str
    title: str
    dedupe_key: str
    detail: dict[str, Any]
    obj: Any
    amount: Decimal | None = None
    currency: str = ""

    def as_kwargs(self) -> dict[str, Any]:
        # Decimals and dates go into the JSON detail as exact strings, never floats.
        detail = json.loads(json.dumps(self.detail, cls=DjangoJSONEncoder))
        return {
            "entity": self.entity,
            "kind": self.kind,
            "title": self.title,
            "dedupe_key": self.dedupe_key,
            "detail": detail,
            "amount": self.amount,
            "currency": self.currency,
            "obj": self.obj,
        }


def master_data_findings(rng: random.Random, entities: dict[str, LegalEntity], parties: Parties) -> list[Finding]:
    """ERP and procurement disagree about a supplier: tax id in one company, bank details in two."""
    findings = []
    for n, spec in enumerate(ENTITIES):
        supplier = parties.suppliers[spec.code][rng.randrange(len(parties.suppliers[spec.code]))]
        if n == 0:
            field_name, other = "tax_id", TAX_ID_OF_COUNTRY[supplier.country](rng)
            ours = supplier.tax_id
        else:
            field_name = "bank_account"
            ours = account_display(parties.account_of[supplier.pk])
            other = details_display(bank_details(rng, rng.choice(BANKS[supplier.country])))
        findings.append(
            Finding(
                entity=entities[spec.code],
                kind=ExceptionKind.MASTER_DATA_CONFLICT,
                title=f"{supplier.name}: {field_name.replace('_', ' ')} differs between ERP and Coupa",
                dedupe_key=f"{ExceptionKind.MASTER_DATA_CONFLICT}:masterdata.Counterparty:{SOURCE}:"
                f"{supplier.external_id}:{field_name}",
                detail={"field": field_name, "erp": ours, "procurement": other, "supplier": supplier.name},
                obj=supplier,
            )
        )
    return findings


def exceptions_start_some(items: list[ExceptionItem], users: dict[str, User]) -> None:
    """A few items are being worked on, so queues show owners and the in-progress state."""
    wanted = [
        ("clerk", "DE01", ExceptionKind.THREE_WAY_MISMATCH, 2),
        ("clerk", "GB01", ExceptionKind.DUPLICATE_INVOICE, 1),
        ("clerk_us", "US01", ExceptionKind.THREE_WAY_MISMATCH, 1),
        ("treasury", "DE01", ExceptionKind.UNAPPLIED_CASH, 1),
        ("admin", "DE01", ExceptionKind.SYNC_FAILURE, 1),
    ]
    for username, code, kind, count in wanted:
        matching = [i for i in items if i.entity.code == code and i.kind == kind][:count]
        for item in matching:
            exception_start(item_id=item.pk, actor=users[username])
