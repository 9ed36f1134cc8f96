"""Payment batches in every state a controller meets, made through the real payables services."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from finops.accounts.models import User
from finops.audit.services import audit_record
from finops.core.workflow import transition
from finops.demo.seed.context import SOURCE, next_business_day
from finops.demo.seed.entities import ENTITIES, EntitySpec, own_account
from finops.demo.seed.exceptions import Finding
from finops.demo.seed.invoices import InvoiceDraft
from finops.demo.seed.parties import Parties
from finops.invoicing.services.proposals import invoices_propose
from finops.invoicing.states import InvoiceState
from finops.masterdata.models import BankAccount, LegalEntity
from finops.payables.models import Payment, PaymentBatch
from finops.payables.services import batch_approve, batch_submit
from finops.payables.states import BatchState, PaymentState
from reconciliation.exceptions.states import ExceptionKind

S = InvoiceState


@dataclass
class Batches:
    batches: list[PaymentBatch]
    payment_count: int
    findings: list[Finding]


def batches_create(
    entities: dict[str, LegalEntity],
    own: dict[str, BankAccount],
    parties: Parties,
    users: dict[str, User],
    purchases: list[InvoiceDraft],
    today: dt.date,
) -> Batches:
    """Six batches in the states a controller meets on a normal morning."""
    pools = {spec.code: approved_payable(spec, purchases, parties) for spec in ENTITIES}
    clerk, clerk_us, controller = users["clerk"], users["clerk_us"], users["controller"]
    execution_on = next_business_day(today)

    def make(code: str, n: int, maker: User, invoices: list[InvoiceDraft], on: dt.date = execution_on) -> PaymentBatch:
        return batch_build(
            entities[code],
            own_account(own, code, "operating"),
            maker,
            invoices,
            parties,
            external_id=f"PR-{code}-{today:%Y%m%d}-{n}",
            execution_on=on,
        )

    threshold = {spec.code: spec.dual_approval_threshold for spec in ENTITIES}
    # pain.002 rejections come back when the bank validates the file, before the execution date
    today_or_next = today if today.weekday() < 5 else next_business_day(today)
    rejected = make("DE01", 1, clerk, _take(pools["DE01"], 4, below=threshold["DE01"]), today_or_next)
    batch_through_bank(rejected, maker=clerk, approver=controller)
    approved = make("DE01", 2, clerk, _take(pools["DE01"], 5, below=threshold["DE01"]))
    batch_submit(batch_id=approved.pk, user=clerk)
    batch_approve(batch_id=approved.pk, approver=controller, comment="Checked against the due list.")
    large = make("DE01", 3, clerk, _take_until(pools["DE01"], ENTITIES[0].dual_approval_threshold))
    batch_submit(batch_id=large.pk, user=clerk)
    batch_approve(batch_id=large.pk, approver=controller, comment="Fine from my side; needs a second approver.")
    pending_gb = make("GB01", 1, clerk, _take(pools["GB01"], 5, below=threshold["GB01"]))
    batch_submit(batch_id=pending_gb.pk, user=clerk)
    draft_gb = make("GB01", 2, clerk, _take(pools["GB01"], 3))
    pending_us = make("US01", 1, clerk_us, _take(pools["US01"], 4, below=threshold["US01"]))
    batch_submit(batch_id=pending_us.pk, user=clerk_us)
    batches = [rejected, approved, large, pending_gb, draft_gb, pending_us]
    for batch in batches:
        batch.refresh_from_db()
    payments = Payment.objects.filter(batch__in=batches)
    return Batches(batches, payments.count(), rejected_payment_findings(payments))


def approved_payable(spec: EntitySpec, purchases: list[InvoiceDraft], parties: Parties) -> list[InvoiceDraft]:
    """Approved invoices we can pay from the entity's account: the supplier banks in our currency."""
    return sorted(
        (
            d
            for d in purchases
            if d.spec is spec
            and d.state == S.APPROVED
            and parties.account_of[d.counterparty.pk].currency == spec.currency
        ),
        key=lambda d: (d.issue_on, d.external_id),
    )


def _take(pool: list[InvoiceDraft], count: int, *, below: Decimal | None = None) -> list[InvoiceDraft]:
    """The `count` longest-waiting invoices; with `below`, only those small enough that the batch
    stays under it (one approver suffices)."""
    cap = below / count if below is not None else None
    taken = [d for d in pool if cap is None or d.amount < cap][:count]
    if len(taken) < count:
        raise RuntimeError(f"Only {len(taken)} approved invoices fit a demo batch of {count}")
    pool[:] = [d for d in pool if d not in taken]
    return taken


def _take_until(pool: list[InvoiceDraft], total: Decimal) -> list[InvoiceDraft]:
    """Large invoices, each under a third of `total`, until the batch reaches it (two approvers)."""
    taken: list[InvoiceDraft] = []
    fitting = [d for d in pool if d.amount < total / 3]
    for draft in sorted(fitting, key=lambda d: (-d.amount, d.external_id)):
        if sum((d.amount for d in taken), Decimal(0)) >= total:
            break
        taken.append(draft)
    if sum((d.amount for d in taken), Decimal(0)) < total:
        raise RuntimeError(f"Approved invoices do not reach {total} for the demo's large batch")
    pool[:] = [d for d in pool if d not in taken]
    return taken


def batch_build(
    entity: LegalEntity,
    account: BankAccount,
    maker: User,
    drafts: list[InvoiceDraft],
    parties: Parties,
    *,
    external_id: str,
    execution_on: dt.date,
) -> PaymentBatch:
    """One payment per supplier, allocated to its invoices, which move to proposed."""
    by_supplier: dict[int, list[InvoiceDraft]] = defaultdict(list)
    for d in drafts:
        by_supplier[d.counterparty.pk].append(d)
    total = sum((d.amount for d in drafts), Decimal(0))
    batch = PaymentBatch.objects.create(
        source=SOURCE,
        external_id=external_id,
        entity=entity,
        debtor_account=account,
        currency=entity.base_currency,
        execution_on=execution_on,
        created_by=maker,
        control_sum=total,
        payment_count=len(by_supplier),
    )
    payments = []
    for n, group in enumerate(by_supplier.values(), start=1):
        reference = f"{external_id}-{n:03d}"
        payments.append(
            Payment(
                source=SOURCE,
                external_id=reference,
                entity=entity,
                batch=batch,
                counterparty=group[0].counterparty,
                beneficiary_account=parties.account_of[group[0].counterparty.pk],
                end_to_end_id=reference,
                amount=sum((d.amount for d in group), Decimal(0)),
                currency=entity.base_currency,
                remittance_info=("Inv " + ", ".join(d.number for d in group))[:140],
            )
        )
    Payment.objects.bulk_create(payments)
    for payment, group in zip(payments, by_supplier.values(), strict=True):
        # the one way invoices join a payment: refused if one may not be paid
        invoices_propose(
            payment=payment,
            allocations=[(d.invoice, d.amount) for d in group if d.invoice],
            actor=maker,
            reason=f"batch {external_id}",
        )
        for d in group:
            d.state = S.PROPOSED
    audit_record(batch, action="batch.created", actor=maker, after={"control_sum": total, "payments": len(payments)})
    return batch


def batch_through_bank(batch: PaymentBatch, *, maker: User, approver: User) -> None:
    """This morning's run: approved, released, sent, and the bank's pain.002 rejected one payment
    (closed account), which sends its invoices back to approved."""
    batch_submit(batch_id=batch.pk, user=maker)
    batch_approve(batch_id=batch.pk, approver=approver, comment="Released for today's execution.")
    batch.refresh_from_db()
    transition(batch, to=BatchState.RELEASED, actor=approver, stamp="released_at")
    payments = list(batch.payments.order_by("end_to_end_id"))
    for payment in payments:
        transition(payment, to=PaymentState.RELEASED, actor=approver, stamp="released_at")
    transition(batch, to=BatchState.TRANSMITTED, actor=None, stamp="transmitted_at", reason="pain.001 sent")
    refused = payments[-1]
    for payment in payments:
        transition(
            payment,
            to=PaymentState.ACCEPTED if payment is not refused else PaymentState.REJECTED,
            actor=None,
            reason="pain.002" if payment is not refused else "pain.002: AC04 Closed account number",
        )
    Payment.objects.filter(pk=refused.pk).update(status_reason="AC04 Closed account number")
    for allocation in refused.allocations.select_related("invoice"):
        transition(allocation.invoice, to=S.APPROVED, actor=None, reason=f"Payment {refused.end_to_end_id} rejected")
    transition(
        batch,
        to=BatchState.PARTLY_REJECTED,
        actor=None,
        stamp="acknowledged_at",
        reason=f"pain.002: 1 of {len(payments)} payments rejected",
    )


def rejected_payment_findings(payments: Any) -> list[Finding]:
    findings = []
    for p in payments.filter(state=PaymentState.REJECTED).select_related("entity", "counterparty", "batch"):
        findings.append(
            Finding(
                entity=p.entity,
                kind=ExceptionKind.REJECTED_PAYMENT,
                title=f"Bank rejected payment {p.end_to_end_id} to {p.counterparty.name}: AC04 closed account",
                dedupe_key=f"{ExceptionKind.REJECTED_PAYMENT}:payables.Payment:{SOURCE}:{p.external_id}",
                detail={
                    "batch": p.batch.external_id,
                    "end_to_end_id": p.end_to_end_id,
                    "reason_code": "AC04",
                    "reason": "Closed account number",
                },
                obj=p,
                amount=p.amount,
                currency=p.currency,
            )
        )
    return findings
