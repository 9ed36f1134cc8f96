"""Writes on journal entries: create one, queue it for the ERP through the outbox, and record
what the ERP answered. The ERP posting itself is the outbox relay's job (handler
"erp.journal_entry"), never a request's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from finops.accounts.models import User
from finops.accounts.roles import WORK_TREASURY
from finops.accounts.selectors import require_entity_perm
from finops.audit.context import current_correlation_id
from finops.audit.services import audit_record
from finops.core.money import minor_units, quantize, validate_currency
from finops.core.workflow import WorkflowError, transition
from finops.ledger.models import JournalEntry, JournalLine, JournalState
from finops.masterdata.models import LegalEntity
from finops.outbox.models import OutboxState
from finops.outbox.services import outbox_enqueue, outbox_revive

ERP_JOURNAL_TOPIC = "erp.journal_entry"


@dataclass(frozen=True)
class JournalLineInput:
    account_code: str
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    description: str = ""


def _check_lines(lines: Sequence[JournalLineInput], currency: str) -> None:
    if len(lines) < 2:
        raise WorkflowError("A journal entry needs at least two lines.")
    for number, line in enumerate(lines, start=1):
        if not isinstance(line.debit, Decimal) or not isinstance(line.credit, Decimal):
            raise TypeError("Journal amounts must be Decimal.")
        if line.debit < 0 or line.credit < 0:
            raise WorkflowError(f"Line {number}: amounts cannot be negative.")
        if (line.debit == 0) == (line.credit == 0):
            raise WorkflowError(f"Line {number}: give either a debit or a credit.")
        if not line.account_code.strip():
            raise WorkflowError(f"Line {number}: the account is missing.")
        amount = line.debit or line.credit
        if quantize(amount, currency) != amount:
            raise WorkflowError(
                f"Line {number}: {amount} has more decimals than {currency} allows ({minor_units(currency)})."
            )
    debits = sum((line.debit for line in lines), Decimal(0))
    credits = sum((line.credit for line in lines), Decimal(0))
    if debits != credits:
        raise WorkflowError(
            f"Debits ({quantize(debits, currency)}) and credits ({quantize(credits, currency)}) must be equal."
        )


def _lines_of(entry: JournalEntry) -> list[JournalLineInput]:
    return [
        JournalLineInput(
            account_code=line.account_code, debit=line.debit, credit=line.credit, description=line.description
        )
        for line in entry.lines.order_by("line_no")
    ]


@transaction.atomic
def journal_entry_create(
    *,
    entity: LegalEntity,
    posting_on: dt.date,
    currency: str,
    description: str,
    lines: Sequence[JournalLineInput],
    external_id: str,
    source: str = "fct",
    actor: User | None,
) -> JournalEntry:
    """Create a balanced draft entry (a person needs treasury work rights in the entity; the
    system books with actor=None). Idempotent by (source, external_id), a database constraint:
    the same entry again returns the first; the same id with different content is refused."""
    if actor is not None:
        require_entity_perm(actor, WORK_TREASURY, entity)
    validate_currency(currency)
    _check_lines(lines, currency)
    existing = JournalEntry.objects.filter(source=source, external_id=external_id).first()
    if existing is not None:
        same = (
            existing.entity_id == entity.pk
            and existing.posting_on == posting_on
            and existing.currency == currency
            and existing.description == description
            and _lines_of(existing) == list(lines)
        )
        if not same:
            raise WorkflowError(f"Journal entry {source}/{external_id} already exists with different content.")
        return existing
    entry = JournalEntry.objects.create(
        entity=entity,
        posting_on=posting_on,
        currency=currency,
        description=description,
        source=source,
        external_id=external_id,
        correlation_id=current_correlation_id(),
    )
    JournalLine.objects.bulk_create(
        JournalLine(
            entry=entry,
            line_no=number,
            account_code=line.account_code,
            debit=line.debit,
            credit=line.credit,
            description=line.description,
        )
        for number, line in enumerate(lines, start=1)
    )
    audit_record(
        entry,
        action="journal_entry.created",
        actor=actor,
        after={"description": description, "currency": currency, "lines": len(lines)},
    )
    return entry


def journal_entry_erp_body(entry: JournalEntry) -> dict[str, Any]:
    """The ERP's journal-entry body (sandbox API.md): amounts as decimal strings in the currency's
    minor units."""
    return {
        "entity": entry.entity.code,
        "posting_date": entry.posting_on.isoformat(),
        "currency": entry.currency,
        "description": entry.description,
        "lines": [
            {
                "account": line.account_code,
                "debit": str(quantize(line.debit, entry.currency)),
                "credit": str(quantize(line.credit, entry.currency)),
            }
            for line in entry.lines.order_by("line_no")
        ],
    }


def journal_entry_erp_key(entry: JournalEntry) -> str:
    return f"{ERP_JOURNAL_TOPIC}:{entry.source}:{entry.external_id}"


@transaction.atomic
def journal_entry_queue(*, entry_id: int, actor: User | None) -> JournalEntry:
    """Queue the entry for posting: state draft|failed → queued and an erp.journal_entry outbox
    message, in one transaction, so the message exists iff the entry is queued.

    Idempotent: queuing a queued entry returns it unchanged. The message's key is the entry's
    (source, external_id), the same on every requeue, so the ERP never books the entry twice;
    requeuing a failed entry revives its dead message rather than writing a second one."""
    entry = JournalEntry.objects.select_for_update().select_related("entity").get(pk=entry_id)
    if actor is not None:
        require_entity_perm(actor, WORK_TREASURY, entry.entity)
    if entry.state == JournalState.QUEUED:
        return entry
    if entry.state == JournalState.POSTED:
        raise WorkflowError(f"{entry} is already posted as ERP document {entry.erp_document_id}.")
    transition(entry, to=JournalState.QUEUED, actor=actor)
    message = outbox_enqueue(
        ERP_JOURNAL_TOPIC,
        journal_entry_erp_body(entry),
        entity=entry.entity,
        idempotency_key=journal_entry_erp_key(entry),
        obj=entry,
    )
    if message.state == OutboxState.DEAD:
        outbox_revive(message, actor=actor)
    return entry


@transaction.atomic
def journal_entry_record_posting(*, entry_id: int, document_number: str) -> JournalEntry:
    """Record the ERP's document number and move queued → posted. Idempotent: an entry already
    posted as this document is returned unchanged (the relay may deliver twice)."""
    entry = JournalEntry.objects.select_for_update().get(pk=entry_id)
    if entry.state == JournalState.POSTED:
        if entry.erp_document_id != document_number:
            raise WorkflowError(f"{entry} is already posted as {entry.erp_document_id}, not {document_number}.")
        return entry
    JournalEntry.objects.filter(pk=entry.pk).update(erp_document_id=document_number)
    entry.erp_document_id = document_number
    transition(entry, to=JournalState.POSTED, actor=None, stamp="posted_at", extra={"erp_document_id": document_number})
    return entry


@transaction.atomic
def journal_entry_record_failure(*, entry_id: int, reason: str) -> JournalEntry:
    """Move queued → failed when the outbox gave up. Idempotent: any other state is left alone."""
    entry = JournalEntry.objects.select_for_update().get(pk=entry_id)
    if entry.state == JournalState.QUEUED:
        transition(entry, to=JournalState.FAILED, actor=None, reason=reason[:500])
    return entry
