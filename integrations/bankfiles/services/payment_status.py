"""Applying what the bank says about our payments: pain.002 status reports and NACHA returns and
notifications of change.

Called by the importer inside the file's one transaction, and by the bank API's status poll
(integrations.connectors.bank_api.status) with the pain.002 the bank answers: both go through
payment_status_report_apply. Payments are matched by end-to-end id (NACHA: the original trace
number or the individual id carries it); an id we do not know is a warning, never a failure. A
rejection moves the payment to rejected through transition(), announces it (payment-rejected)
and opens one rejected_payment exception per payment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from finops.accounts.models import User
from finops.core.workflow import transition
from finops.payables.events import payment_rejected_publish
from finops.payables.models import Payment, PaymentBatch
from finops.payables.states import BatchState, PaymentState
from integrations.bankfiles.models import InboundFile, ProcessedMessage
from integrations.bankfiles.services.common import Access, BankFileRefused, Outcome
from integrations.formats.nacha import AchAddenda, AchEntry, AchFile
from integrations.formats.types import PaymentStatusReport, StatusReason
from reconciliation.exceptions.services import exception_open
from reconciliation.exceptions.states import ExceptionKind

_LISTED_IDS = 50  # end-to-end ids an exception lists; the file has them all
ACCEPTING = frozenset({"ACCP", "ACSC", "ACSP"})
REJECTING = "RJCT"
FINAL = ACCEPTING | {REJECTING}

# The return reasons banks send most; any other code is shown as the bank sent it.
ACH_RETURN_REASONS = {
    "R01": "insufficient funds",
    "R02": "account closed",
    "R03": "no account / unable to locate account",
    "R04": "invalid account number",
    "R05": "unauthorized debit to consumer account",
    "R07": "authorization revoked by customer",
    "R08": "payment stopped",
    "R10": "customer advises not authorized",
    "R16": "account frozen",
    "R20": "non-transaction account",
    "R29": "corporate customer advises not authorized",
}


@dataclass(frozen=True)
class _Decision:
    target: str  # PaymentState
    reason: str
    said_by: str  # where in the file, for warnings and the exception


def _claim_message(
    *, inbound: InboundFile, file_format: str, message_id: str, content: str, where: str, legacy_content: str = ""
) -> bool:
    """Record the message as applied; False when it already was (same content). Refuses a
    message id seen before with other content: the bank must not reuse ids. legacy_content is the
    content as messages recorded before amounts were part of it were hashed."""
    longest = ProcessedMessage._meta.get_field("message_id").max_length or 0
    if len(message_id) > longest:
        raise BankFileRefused(
            f"{where}: its message id is {len(message_id)} characters long, more than the {longest} we keep; "
            "nothing was imported"
        )
    digest = hashlib.sha256(content.encode()).hexdigest()
    existing = ProcessedMessage.objects.filter(format=file_format, message_id=message_id).first()
    if existing is None:
        try:
            with transaction.atomic():
                ProcessedMessage.objects.create(
                    inbound_file=inbound, format=file_format, message_id=message_id, content_sha256=digest
                )
            return True
        except IntegrityError:
            # A concurrent import of the same message committed first.
            existing = ProcessedMessage.objects.get(format=file_format, message_id=message_id)
    legacy = hashlib.sha256(legacy_content.encode()).hexdigest() if legacy_content else digest
    if existing.content_sha256 not in (digest, legacy):
        raise BankFileRefused(
            f"{where}: {file_format} message {message_id} was already imported with different content "
            f"(inbound file #{existing.inbound_file_id}); nothing was imported"
        )
    return False


def _reason_text(reasons: Iterable[StatusReason], fallback: str) -> str:
    parts = [f"{r.code}: {r.additional_info}" if r.additional_info else r.code for r in reasons if r.code]
    return "; ".join(parts)[:200] or fallback


class _Applier:
    """Moves payments to accepted or rejected and the batches they belong to, in pk order."""

    def __init__(self, *, user: User | None, access: Access, outcome: Outcome, source: str) -> None:
        self._user = user
        self._access = access
        self._outcome = outcome
        self._source = source  # what reported it, for the batch's audit trail: "bank file x.xml"

    def apply(self, decisions: dict[int, _Decision]) -> None:
        payments = list(
            Payment.objects.select_for_update().filter(pk__in=decisions).select_related("entity").order_by("pk")
        )
        batch_ids: set[int] = set()
        for payment in payments:
            decision = decisions[payment.pk]
            if not self._access.sees(payment.entity_id):
                self._outcome.unknown += 1
                self._outcome.warnings.append(f"{decision.said_by}: no payment of yours with that id")
                continue
            if not self._access.may_import(payment.entity_id):
                raise BankFileRefused(
                    f"{decision.said_by}: payment {payment.end_to_end_id} belongs to {payment.entity.code}, where your "
                    "role does not allow importing bank files; nothing was imported"
                )
            self._outcome.entity_ids.add(payment.entity_id)
            if self._move(payment, decision) and payment.batch_id:
                batch_ids.add(payment.batch_id)
        self._update_batches(batch_ids)

    def _move(self, payment: Payment, decision: _Decision) -> bool:
        is_rejection = decision.target == PaymentState.REJECTED
        if payment.state == decision.target:
            self._count(is_rejection)
            return False
        if decision.target not in Payment.TRANSITIONS[payment.state]:
            self._outcome.warnings.append(
                f"{decision.said_by}: payment {payment.end_to_end_id} is {payment.state}; "
                f"the bank's {decision.target} status was not applied"
            )
            if is_rejection:
                self._open_rejection(payment, decision)  # the bank refused the money all the same
            return False
        if is_rejection:
            Payment.objects.filter(pk=payment.pk).update(status_reason=decision.reason)
        transition(payment, to=decision.target, actor=self._user, reason=decision.reason)
        self._count(is_rejection)
        if is_rejection:
            payment_rejected_publish(payment, reason=decision.reason, reported_in=decision.said_by, actor=self._user)
            self._open_rejection(payment, decision)
        return True

    def _count(self, is_rejection: bool) -> None:
        if is_rejection:
            self._outcome.rejected += 1
        else:
            self._outcome.accepted += 1

    def _open_rejection(self, payment: Payment, decision: _Decision) -> None:
        exception_open(
            entity=payment.entity,
            kind=ExceptionKind.REJECTED_PAYMENT,
            title=f"Payment {payment.end_to_end_id} rejected by the bank: {decision.reason}",
            dedupe_key=f"{ExceptionKind.REJECTED_PAYMENT}:payables.Payment:{payment.pk}",
            detail={"end_to_end_id": payment.end_to_end_id, "reason": decision.reason, "reported_in": decision.said_by},
            amount=payment.amount,
            currency=payment.currency,
            obj=payment,
        )

    def _update_batches(self, batch_ids: set[int]) -> None:
        """A transmitted batch follows its payments: all rejected, some rejected, or all accepted."""
        batches = PaymentBatch.objects.select_for_update().filter(pk__in=batch_ids, state=BatchState.TRANSMITTED)
        for batch in batches.order_by("pk"):
            states = list(Payment.objects.filter(batch=batch).values_list("state", flat=True))
            rejected = sum(state == PaymentState.REJECTED for state in states)
            pending = sum(state == PaymentState.RELEASED for state in states)
            if rejected and rejected == len(states):
                target = BatchState.REJECTED
            elif rejected:
                target = BatchState.PARTLY_REJECTED
            elif not pending:
                target = BatchState.ACKNOWLEDGED
            else:
                continue
            transition(batch, to=target, actor=self._user, reason=self._source, stamp="acknowledged_at")


# --- pain.002 ----------------------------------------------------------------------------


def _report_content(report: PaymentStatusReport, *, with_amounts: bool = True) -> str:
    """What tells a re-sent report from another one under the same MsgId (without amounts: as
    reports recorded before amounts counted were hashed)."""
    parts = [report.original_message_id, report.group_status, _reason_text(report.group_reasons, "")]
    for payment in report.payments:
        parts += [payment.payment_info_id, payment.status, _reason_text(payment.reasons, "")]
        for tx in payment.transactions:
            parts += [tx.original_end_to_end_id, tx.original_instruction_id, tx.status, _reason_text(tx.reasons, "")]
            if with_amounts:
                parts += [format(tx.amount.normalize(), "f") if tx.amount is not None else "", tx.currency]
    return "|".join(parts)


def payment_status_apply(
    *,
    report: PaymentStatusReport,
    inbound: InboundFile,
    user: User | None,
    access: Access,
    outcome: Outcome,
    filename: str,
) -> None:
    """Apply a pain.002 file. Idempotent: its MsgId is recorded once (ProcessedMessage); a payment
    already in the reported state is left as it is."""
    outcome.documents += 1
    outcome.warnings.extend(f"{filename}: {w}" for w in report.warnings)
    where = f"{filename}: pain.002 {report.message_id}"
    if not _claim_message(
        inbound=inbound,
        file_format="pain.002",
        message_id=report.message_id,
        content=_report_content(report),
        legacy_content=_report_content(report, with_amounts=False),
        where=where,
    ):
        outcome.duplicates += 1
        outcome.transactions += len(report.transactions)
        return
    outcome.messages += 1
    ours = payment_status_report_apply(
        report=report, user=user, access=access, outcome=outcome, where=where, source=f"bank file {filename}"
    )
    if not ours:
        _open_unmatched_report(report, inbound=inbound, access=access, outcome=outcome, where=where)


def _open_unmatched_report(
    report: PaymentStatusReport, *, inbound: InboundFile, access: Access, outcome: Outcome, where: str
) -> None:
    """A report about none of our payments is recorded (a bank never sends one without a cause:
    a payment sent outside this system, a mix-up of accounts) and opens one exception in treasury's
    queue, naming the message and its ids, keyed on the message id."""
    entity = access.first_entity()
    if entity is None:
        return  # no entity to file it under; the warnings name every unknown id
    end_to_end_ids = [t.original_end_to_end_id for t in report.transactions if t.original_end_to_end_id]
    exception_open(
        entity=entity,
        kind=ExceptionKind.BANK_RECONCILIATION,
        title=f"Payment status report {report.message_id} matches no payment of ours",
        dedupe_key=f"{ExceptionKind.BANK_RECONCILIATION}:pain.002:{report.message_id}",
        detail={
            "message_id": report.message_id,
            "original_message_id": report.original_message_id,
            "payment_information_ids": [p.payment_info_id for p in report.payments if p.payment_info_id],
            "end_to_end_ids": end_to_end_ids[:_LISTED_IDS],
            "transactions": len(report.transactions),
            "group_status": report.group_status,
            "file": where,
        },
        obj=inbound,
    )
    outcome.entity_ids.add(entity.pk)


def payment_status_report_apply(
    *,
    report: PaymentStatusReport,
    user: User | None,
    access: Access,
    outcome: Outcome,
    where: str,
    source: str,
    batch_id: int | None = None,
) -> int:
    """Move payments and their batches as a pain.002 says, at transaction, payment-information and
    group level: accepted (ACCP, ACSC, ACSP) → payment accepted, a transmitted batch acknowledged
    once none is pending; RJCT → payment rejected with the reason, payment-rejected announced, a
    rejected_payment exception opened, the batch partly rejected or rejected. Interim statuses
    (RCVD, PDNG, ...) change nothing. `where` names the report in warnings, `source` goes into the
    batch's audit trail; with batch_id, the report speaks only of that batch's payments (the
    bank's answer about one submission).

    Returns how many of the user's payments the report speaks of (0: none of ours).

    Idempotent: a payment already in the reported state is left as it is, a batch moves only from
    transmitted, and the exception and the event are keyed per payment."""
    by_e2e = _payments_by_end_to_end((t.original_end_to_end_id for t in report.transactions), batch_id=batch_id)
    decisions: dict[int, _Decision] = {}
    named: set[int] = set()  # payments the file speaks of one by one keep their own status
    for p_index, block in enumerate(report.payments, 1):
        for t_index, tx in enumerate(block.transactions, 1):
            outcome.transactions += 1
            said_by = f"{where}, OrgnlPmtInfAndSts[{p_index}]/TxInfAndSts[{t_index}] ({tx.original_end_to_end_id})"
            status = tx.status or block.status or report.group_status
            payment_id = by_e2e.get(tx.original_end_to_end_id)
            if payment_id is None:
                outcome.unknown += 1
                outcome.warnings.append(f"{said_by}: no payment with end-to-end id {tx.original_end_to_end_id!r}")
                continue
            named.add(payment_id)
            if status in FINAL:
                reasons = tx.reasons or block.reasons or report.group_reasons
                decisions[payment_id] = _decision(status, reasons, said_by)
        if block.status in FINAL:
            said_by = f"{where}, OrgnlPmtInfAndSts[{p_index}] ({block.payment_info_id})"
            decision = _decision(block.status, block.reasons, said_by)
            _whole_batch(
                decisions,
                named,
                block.payment_info_id,
                decision,
                outcome,
                speaks_alone=not block.transactions,
                batch_id=batch_id,
            )
    if report.group_status in FINAL:
        said_by = f"{where}, OrgnlGrpInfAndSts ({report.original_message_id})"
        decision = _decision(report.group_status, report.group_reasons, said_by)
        _whole_batch(
            decisions, named, report.original_message_id, decision, outcome, speaks_alone=not named, batch_id=batch_id
        )
    _Applier(user=user, access=access, outcome=outcome, source=source).apply(decisions)
    spoken_of = Payment.objects.filter(pk__in=named | decisions.keys()).values_list("entity_id", flat=True)
    return sum(1 for entity_id in spoken_of if access.sees(entity_id))


def _decision(status: str, reasons: Iterable[StatusReason], said_by: str) -> _Decision:
    if status == REJECTING:
        return _Decision(PaymentState.REJECTED, _reason_text(reasons, REJECTING), said_by)
    return _Decision(PaymentState.ACCEPTED, status, said_by)


def _payments_by_end_to_end(ids: Iterable[str], *, batch_id: int | None = None) -> dict[str, int]:
    wanted = {i for i in ids if i}
    payments = Payment.objects.filter(end_to_end_id__in=wanted)
    if batch_id is not None:
        payments = payments.filter(batch_id=batch_id)
    return dict(payments.values_list("end_to_end_id", "pk"))


def _whole_batch(
    decisions: dict[int, _Decision],
    named: set[int],
    batch_ref: str,
    decision: _Decision,
    outcome: Outcome,
    *,
    speaks_alone: bool,
    batch_id: int | None = None,
) -> None:
    """A status at payment-information or group level speaks for every payment of the batch we
    sent under that id (payables.payment_files writes a batch's external_id as PmtInfId and
    MsgId)."""
    payments = Payment.objects.filter(batch__external_id=batch_ref, batch__isnull=False)
    if batch_id is not None:
        payments = payments.filter(batch_id=batch_id)
    payment_ids = list(payments.values_list("pk", flat=True))
    if not payment_ids:
        if speaks_alone:  # else the transactions it lists were applied one by one
            outcome.unknown += 1
            outcome.warnings.append(
                f"{decision.said_by}: no payment batch of ours with id {batch_ref!r}; nothing applied"
            )
        return
    for pk in payment_ids:
        if pk not in named:
            decisions.setdefault(pk, decision)


# --- NACHA -------------------------------------------------------------------------------


def _file_key(ach: AchFile) -> str:
    created = f"{ach.created_on or ''}T{ach.created_time or ''}"
    return f"{ach.immediate_origin}/{ach.immediate_destination}/{created}/{ach.file_id_modifier}"


def ach_returns_apply(
    *, ach: AchFile, inbound: InboundFile, user: User | None, access: Access, outcome: Outcome, filename: str
) -> None:
    """Apply a NACHA returns / notification-of-change file. Idempotent: the file header
    (origin, destination, creation date and time, file id modifier) is recorded once."""
    items: list[tuple[AchEntry, AchAddenda, int]] = []
    for batch in ach.batches:
        for entry in batch.entries:
            answers = [a for a in entry.addenda if a.type_code in ("98", "99")]
            if not answers:
                raise BankFileRefused(
                    f"{filename}, line {entry.line}: entry {entry.trace_number} (transaction code "
                    f"{entry.transaction_code}) is not a return or notification of change. This is an ACH "
                    "origination file, which we send rather than import; nothing was imported"
                )
            items.extend((entry, answer, batch.batch_number) for answer in answers)
    outcome.documents += 1
    outcome.warnings.extend(f"{filename}: {w}" for w in ach.warnings)
    key = _file_key(ach)
    content = "|".join(
        f"{e.trace_number}:{a.type_code}:{a.return_reason_code}{a.change_code}:{a.original_trace}:{a.corrected_data}"
        for e, a, _ in items
    )
    where = f"{filename}: NACHA file {key}"
    if not _claim_message(inbound=inbound, file_format="nacha", message_id=key, content=content, where=where):
        outcome.duplicates += 1
        return
    outcome.messages += 1
    known = _payments_for_ach(items)
    decisions: dict[int, _Decision] = {}
    for entry, answer, _batch_number in items:
        said_by = f"{filename}, line {answer.line or entry.line}"
        payment_id = known.get(answer.original_trace.strip()) or known.get(entry.individual_id.strip())
        if answer.type_code == "99":
            outcome.returns += 1
        else:
            outcome.notifications_of_change += 1
        if payment_id is None:
            outcome.unknown += 1
            outcome.warnings.append(
                f"{said_by}: no payment with end-to-end id {answer.original_trace!r} or {entry.individual_id.strip()!r}"
            )
            continue
        if answer.type_code == "99":
            code = answer.return_reason_code
            meaning = ACH_RETURN_REASONS.get(code, "")
            reason = f"{code}: {meaning}" if meaning else code
            decisions[payment_id] = _Decision(PaymentState.REJECTED, reason, said_by)
        else:
            _notification_of_change(payment_id, entry, answer, said_by, access, outcome)
    _Applier(user=user, access=access, outcome=outcome, source=f"bank file {filename}").apply(decisions)


def _payments_for_ach(items: list[tuple[AchEntry, AchAddenda, int]]) -> dict[str, int]:
    ids = {a.original_trace.strip() for _, a, _ in items} | {e.individual_id.strip() for e, _, _ in items}
    return _payments_by_end_to_end(ids)


def _notification_of_change(
    payment_id: int, entry: AchEntry, answer: AchAddenda, said_by: str, access: Access, outcome: Outcome
) -> None:
    """The receiving bank says the payee's details changed: that is master data to fix, by a
    person, through the bank-account change workflow, so it becomes an exception."""
    payment = Payment.objects.select_related("entity", "counterparty").get(pk=payment_id)
    if not access.sees(payment.entity_id):
        outcome.unknown += 1
        outcome.warnings.append(f"{said_by}: no payment of yours with that id")
        return
    if not access.may_import(payment.entity_id):
        raise BankFileRefused(
            f"{said_by}: payment {payment.end_to_end_id} belongs to {payment.entity.code}, where your role does not "
            "allow importing bank files; nothing was imported"
        )
    outcome.entity_ids.add(payment.entity_id)
    exception_open(
        entity=payment.entity,
        kind=ExceptionKind.MASTER_DATA_CONFLICT,
        title=(
            f"Bank change notice {answer.change_code} for {payment.counterparty.name}: "
            f"corrected data {answer.corrected_data.strip()!r}"
        ),
        dedupe_key=f"{ExceptionKind.MASTER_DATA_CONFLICT}:nacha-noc:{payment.pk}:{answer.change_code}",
        detail={
            "change_code": answer.change_code,
            "corrected_data": answer.corrected_data.strip(),
            "end_to_end_id": payment.end_to_end_id,
            "receiver": entry.name.strip(),
            "account_number": entry.account_number.strip(),
            "reported_in": said_by,
        },
        obj=payment,
    )


__all__ = ["ach_returns_apply", "payment_status_apply", "payment_status_report_apply"]
