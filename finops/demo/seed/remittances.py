"""Remittance advices nobody can match: a payment announced that has not arrived."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from finops.demo.seed.context import SOURCE, amount_between
from finops.demo.seed.entities import ENTITIES
from finops.demo.seed.exceptions import Finding
from finops.demo.seed.invoices import InvoiceDraft
from finops.demo.seed.parties import Parties
from finops.demo.seed.sales import SALES_NUMBER_PREFIX
from finops.invoicing.states import InvoiceState
from finops.masterdata.models import LegalEntity
from finops.receivables.models import Remittance, RemittanceLine
from reconciliation.exceptions.states import ExceptionKind

S = InvoiceState


@dataclass
class Remittances:
    remittances: list[Remittance]
    findings: list[Finding]


def remittances_create(
    rng: random.Random, entities: dict[str, LegalEntity], parties: Parties, sales: list[InvoiceDraft], today: dt.date
) -> Remittances:
    """One advice per company announcing a payment that has not arrived, for an open invoice and
    one number we never issued."""
    remittances, lines, findings = [], [], []
    for n, spec in enumerate(ENTITIES, start=1):
        open_invoice = rng.choice([d for d in sales if d.spec is spec and d.state == S.ISSUED and d.cash_on is None])
        unknown_number = f"{SALES_NUMBER_PREFIX[spec.code]}-{today:%y}-{n}9{rng.randint(100, 999)}"
        unknown_amount = amount_between(rng, "800", "6000")
        received_on = today - dt.timedelta(days=rng.randint(1, 4))
        remittance = Remittance(
            source=SOURCE,
            external_id=f"RA-{spec.code}-{n:04d}",
            entity=entities[spec.code],
            counterparty=open_invoice.counterparty,
            payer_reference=f"AVIS-{today:%Y}-{rng.randint(1000, 9999)}",
            amount=open_invoice.amount + unknown_amount,
            currency=spec.currency,
            received_on=received_on,
        )
        remittances.append(remittance)
        payer = open_invoice.counterparty.name
        lines += [
            RemittanceLine(
                remittance=remittance,
                line_no=1,
                invoice_reference=open_invoice.number,
                amount=open_invoice.amount,
                invoice=open_invoice.invoice,
            ),
            RemittanceLine(remittance=remittance, line_no=2, invoice_reference=unknown_number, amount=unknown_amount),
        ]
        findings.append(
            Finding(
                entity=remittance.entity,
                kind=ExceptionKind.UNMATCHED_REMITTANCE,
                title=f"Advice {remittance.payer_reference} from {payer}: no receipt; {unknown_number} unknown",
                dedupe_key=f"{ExceptionKind.UNMATCHED_REMITTANCE}:receivables.Remittance:{SOURCE}:{remittance.external_id}",
                detail={
                    "payer_reference": remittance.payer_reference,
                    "invoices": [open_invoice.number, unknown_number],
                    "unknown_references": [unknown_number],
                },
                obj=remittance,
                amount=remittance.amount,
                currency=spec.currency,
            )
        )
    Remittance.objects.bulk_create(remittances)
    RemittanceLine.objects.bulk_create(lines)
    return Remittances(remittances, findings)
