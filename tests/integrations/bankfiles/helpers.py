"""Helpers for the bank-file import tests: our own accounts named as the fixture files name them,
and the CLI run the way a cron job or an operator runs it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from django.core.management import call_command

from finops.payables.states import BatchState, PaymentState
from tests.factories import OwnBankAccountFactory, PaymentBatchFactory, PaymentFactory


def own_account(entity: Any, *, iban: str = "", number: str = "", currency: str = "EUR", routing: str = "") -> Any:
    """One of OUR accounts (entity set), identified as the bank's file identifies it."""
    return OwnBankAccountFactory(
        entity=entity, iban=iban, account_number=number, routing_number=routing, currency=currency, bic=""
    )


def run_cli(path: Path, *args: str) -> dict[str, Any]:
    """import_bank_file FILE, and the JSON of its last stdout line."""
    out = io.StringIO()
    call_command("import_bank_file", str(path), *args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines, "the command printed nothing"
    summary: dict[str, Any] = json.loads(lines[-1])
    return summary


def released_payment(entity: Any, end_to_end_id: str, **extra: Any) -> Any:
    return PaymentFactory(entity=entity, end_to_end_id=end_to_end_id, state=PaymentState.RELEASED, **extra)


def transmitted_batch(entity: Any, external_id: str, end_to_end_ids: list[str]) -> Any:
    batch = PaymentBatchFactory(entity=entity, external_id=external_id, state=BatchState.TRANSMITTED)
    for e2e in end_to_end_ids:
        released_payment(entity, e2e, batch=batch)
    return batch


def row_counts() -> dict[str, int]:
    """Rows of every table an import writes to: 'nothing written' means none of these moved."""
    from finops.audit.models import AuditEvent
    from finops.payables.models import Payment, PaymentBatch
    from finops.treasury.models import BankStatement, StatementLine
    from integrations.bankfiles.models import InboundFile, ProcessedMessage
    from reconciliation.exceptions.models import ExceptionItem

    return {
        "inbound_files": InboundFile.objects.count(),
        "messages": ProcessedMessage.objects.count(),
        "statements": BankStatement.objects.count(),
        "lines": StatementLine.objects.count(),
        "exceptions": ExceptionItem.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "payments_released": Payment.objects.filter(state="released").count(),
        "batches_transmitted": PaymentBatch.objects.filter(state="transmitted").count(),
    }
