"""Customer invoices and what became of them: paid, partly paid, still open, or paid late."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from finops.demo.names import SALES_ITEMS
from finops.demo.seed.context import HISTORY_DAYS, PAYMENT_TERMS, catalog_price, chance
from finops.demo.seed.entities import ENTITIES
from finops.demo.seed.invoices import InvoiceDraft, invoices_save
from finops.demo.seed.parties import Parties
from finops.invoicing.states import InvoiceDirection, InvoiceState
from finops.masterdata.models import LegalEntity

SALES_INVOICES_PER_ENTITY = 300

S = InvoiceState


SALES_NUMBER_PREFIX = {"DE01": "RE", "GB01": "SI", "US01": "INV"}


def sales_create(
    rng: random.Random, entities: dict[str, LegalEntity], parties: Parties, today: dt.date, window: list[dt.date]
) -> list[InvoiceDraft]:
    drafts = []
    for n, spec in enumerate(ENTITIES, start=1):
        dates = sorted(
            today - dt.timedelta(days=rng.randint(0, HISTORY_DAYS - 1)) for _ in range(SALES_INVOICES_PER_ENTITY)
        )
        for seq, issue_on in enumerate(dates, start=1):
            items = rng.sample(SALES_ITEMS, rng.choice((1, 1, 2, 3)))
            draft = InvoiceDraft(
                spec=spec,
                entity=entities[spec.code],
                counterparty=rng.choice(parties.customers[spec.code]),
                direction=InvoiceDirection.AR,
                issue_on=issue_on,
                lines=[
                    (
                        i.description,
                        Decimal(rng.randint(i.qty_low, i.qty_high)),
                        catalog_price(rng, i, spec.currency),
                        None,
                    )
                    for i in items
                ],
                external_id=f"AR-{spec.code}-{seq:06d}",
                number=f"{SALES_NUMBER_PREFIX[spec.code]}-{issue_on:%y}-{n}{seq:04d}",
            )
            ar_fate_decide(rng, draft, window)
            drafts.append(draft)
    invoices_save(drafts, rng)
    return drafts


def ar_fate_decide(rng: random.Random, draft: InvoiceDraft, window: list[dt.date]) -> None:
    """Old invoices are mostly paid. Receipts booked in the statement window are matched where cash
    application already ran (invoice paid) and unmatched where it has not (invoice still issued),
    including late payers of overdue invoices."""
    due_on = draft.issue_on + PAYMENT_TERMS
    roll = rng.randrange(100)
    if due_on < window[0] - dt.timedelta(days=21) or (due_on < window[0] and roll >= 30):
        roll = rng.randrange(100)
        draft.state = S.PAID if roll < 85 else S.PARTIALLY_PAID if roll < 90 else S.ISSUED
    elif due_on < window[0]:
        draft.state, draft.cash_on = S.ISSUED, rng.choice(window)
    elif due_on <= window[-1]:
        draft.state = S.PAID if roll < 25 else S.PARTIALLY_PAID if roll < 30 else S.ISSUED
        if roll < 90:
            late = due_on + dt.timedelta(days=rng.randint(0, 3))
            draft.cash_on = min([d for d in window if d >= late] or [window[-1]])
    else:
        draft.state = S.ISSUED if roll < 92 else S.PARTIALLY_PAID
    if draft.state == S.PARTIALLY_PAID:
        draft.paid_percent = rng.randint(30, 70)
    if draft.cash_on is not None:
        draft.cash_matched = draft.state != S.ISSUED
        draft.cash_amount = draft.amount - draft.open_amount if draft.state == S.PARTIALLY_PAID else draft.amount
        if draft.state == S.ISSUED and chance(rng, 10):
            draft.cash_amount -= Decimal("7.50")  # paid net of the payer's bank charges
