"""What the bank says about the batches it took over its API, read back by polling.

Every transmitted batch with a bank payment id is asked about (GET /bank/v1/payments/{id}); the
bank's answer carries a pain.002, which is applied by the same function that applies a pain.002
file (bankfiles.services.payment_status.payment_status_report_apply), restricted to that batch's
payments: accepted payments and an acknowledged batch, or rejected payments with their reason
codes, payment-rejected events, exceptions and a partly rejected or rejected batch. A batch the
bank has not decided on yet (RCVD) stays transmitted and is asked about again next time.

The HTTP call is made outside any transaction, one attempt per batch (the next poll is the
retry); the application is one transaction per batch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Final

import structlog
from django.db import transaction

from finops.payables.models import PaymentBatch
from finops.payables.states import BatchState
from integrations.bankfiles.services.common import Access, Outcome
from integrations.bankfiles.services.payment_status import payment_status_report_apply
from integrations.connectors.bank_api.client import BankClient
from integrations.connectors.bank_api.submission import bank_connector_for
from integrations.credentials import CredentialsUnreadable
from integrations.formats.errors import FormatError
from integrations.formats.pain002 import parse_pain002
from integrations.sync.http import ConnectorError

log = structlog.get_logger(__name__)

RECEIVED: Final = "RCVD"  # taken in, not decided yet


@dataclass
class PollReport:
    polled: int = 0
    decided: int = 0  # batches the bank's answer moved out of transmitted
    pending: int = 0  # the bank has not decided yet
    failed: int = 0  # no usable answer this time; asked again next time


def batches_to_poll() -> list[int]:
    """Transmitted batches the bank took over its API, oldest first."""
    return list(
        PaymentBatch.objects.filter(state=BatchState.TRANSMITTED)
        .exclude(bank_submission_id="")
        .order_by("transmitted_at", "pk")
        .values_list("pk", flat=True)
    )


def bank_payment_status_poll() -> PollReport:
    """Ask the bank about every transmitted batch it took over its API and apply its answers.
    Idempotent: an answer applied before changes nothing (payments already in the reported
    state stay, a batch moves only from transmitted), and a decided batch is not asked again."""
    report = PollReport()
    for batch_id in batches_to_poll():
        outcome = batch_status_poll(batch_id=batch_id)
        report.polled += 1
        setattr(report, outcome, getattr(report, outcome) + 1)
    if report.polled:
        log.info("bank.payment_status_polled", **vars(report))
    return report


def batch_status_poll(*, batch_id: int) -> str:
    """Ask the bank about one batch and apply its pain.002: "decided", "pending" or "failed"."""
    batch = PaymentBatch.objects.select_related("entity", "debtor_account").get(pk=batch_id)
    submission_id = batch.bank_submission_id
    if batch.state != BatchState.TRANSMITTED or not submission_id:
        return "decided"
    connector = bank_connector_for(entity_id=batch.entity_id, account=batch.debtor_account)
    if connector is None:
        log.warning("bank.payment_status_no_connector", batch=batch.external_id, payment_id=submission_id)
        return "failed"
    about = {"batch": batch.external_id, "payment_id": submission_id}
    try:
        client = BankClient.for_connector(connector)
        client.http.policy = dataclasses.replace(client.http.policy, max_attempts=1)
        answer = client.payment_status(submission_id)
    except (ConnectorError, CredentialsUnreadable) as exc:
        log.warning("bank.payment_status_unavailable", **about, error=str(exc))
        return "failed"
    if answer.status == RECEIVED:
        return "pending"
    source = f"bank API payment {submission_id}"
    try:
        status_report = parse_pain002(answer.pain002.encode("utf-8"), source)
    except FormatError as exc:
        log.warning("bank.payment_status_unreadable", **about, error=str(exc))
        return "failed"
    outcome = Outcome()
    with transaction.atomic():
        payment_status_report_apply(
            report=status_report,
            user=None,
            access=Access(None),
            outcome=outcome,
            where=f"{source}: pain.002 {status_report.message_id}",
            source=source,
            batch_id=batch.pk,
        )
    for warning in [*status_report.warnings, *outcome.warnings]:
        log.warning("bank.payment_status_warning", **about, warning=warning)
    batch.refresh_from_db(fields=["state"])
    return "pending" if batch.state == BatchState.TRANSMITTED else "decided"
