"""payment_status_report_apply: the one function a bank's pain.002 goes through, whether it came as
a file or as the bank API's answer about one submission (then it speaks only of that batch)."""

from __future__ import annotations

from typing import Any

from finops.audit.models import AuditEvent
from finops.payables.models import Payment
from integrations.bankfiles.services.common import Access, Outcome
from integrations.bankfiles.services.payment_status import payment_status_report_apply
from integrations.formats.types import PaymentInfoStatus, PaymentStatusReport, StatusReason, TransactionStatus
from reconciliation.exceptions.models import ExceptionItem
from tests.integrations.bankfiles.helpers import transmitted_batch


def _report(block_id: str, *statuses: tuple[str, str, str]) -> PaymentStatusReport:
    return PaymentStatusReport(
        message_id="STS-1",
        original_message_id=block_id,
        payments=(
            PaymentInfoStatus(
                payment_info_id=block_id,
                transactions=tuple(
                    TransactionStatus(
                        status=status,
                        original_end_to_end_id=e2e,
                        reasons=(StatusReason(code=code),) if code else (),
                    )
                    for e2e, status, code in statuses
                ),
            ),
        ),
    )


def _apply(report: PaymentStatusReport, *, batch_id: int | None = None) -> Outcome:
    outcome = Outcome()
    payment_status_report_apply(
        report=report,
        user=None,
        access=Access(None),
        outcome=outcome,
        where="bank API payment PMT-1",
        source="bank API payment PMT-1",
        batch_id=batch_id,
    )
    return outcome


def _states() -> dict[str, str]:
    return dict(Payment.objects.values_list("end_to_end_id", "state"))


def test_a_report_about_one_submission_moves_only_that_batchs_payments(entity_de: Any) -> None:
    ours = transmitted_batch(entity_de, "PB-A", ["A-1", "A-2"])
    transmitted_batch(entity_de, "PB-B", ["B-1"])
    report = _report("PB-A", ("A-1", "ACCP", ""), ("A-2", "RJCT", "AC04"), ("B-1", "RJCT", "AC04"))

    outcome = _apply(report, batch_id=ours.pk)
    again = _apply(report, batch_id=ours.pk)

    ours.refresh_from_db()
    assert _states() == {"A-1": "accepted", "A-2": "rejected", "B-1": "released"}
    assert (outcome.accepted, outcome.rejected, outcome.unknown) == (1, 1, 1)
    assert "no payment with end-to-end id 'B-1'" in outcome.warnings[0]
    assert ours.state == "partly_rejected"
    assert AuditEvent.objects.filter(action="transmitted->partly_rejected", reason="bank API payment PMT-1").exists()
    assert ExceptionItem.objects.filter(kind="rejected_payment").count() == 1
    assert (again.accepted, again.rejected) == (1, 1)
    assert ExceptionItem.objects.filter(kind="rejected_payment").count() == 1


def test_a_group_status_for_another_batch_changes_nothing_in_ours(entity_de: Any) -> None:
    ours = transmitted_batch(entity_de, "PB-A", ["A-1"])
    transmitted_batch(entity_de, "PB-B", ["B-1"])
    report = PaymentStatusReport(
        message_id="STS-2",
        original_message_id="PB-B",
        group_status="RJCT",
        group_reasons=(StatusReason(code="DU01"),),
    )

    outcome = _apply(report, batch_id=ours.pk)

    assert _states() == {"A-1": "released", "B-1": "released"}
    assert outcome.unknown == 1


def test_without_a_batch_the_report_speaks_for_every_batch_it_names(entity_de: Any) -> None:
    transmitted_batch(entity_de, "PB-A", ["A-1"])
    transmitted_batch(entity_de, "PB-B", ["B-1"])

    _apply(_report("PB-A", ("A-1", "ACCP", ""), ("B-1", "ACSC", "")))

    assert _states() == {"A-1": "accepted", "B-1": "accepted"}
