"""The file a batch goes to the bank in, built by the pure writers in integrations.formats.

A pain.001 (.001.001.03 or .001.001.09, checked against the official XSD by the writer) carries
any batch: SEPA when it is EUR between IBANs, else a generic credit transfer (US ACH over ISO
with local instrument CCD when every account is ABA-routed). A NACHA CCD file is the other
choice for a USD batch from an ABA-routed account to ABA-routed payees, when the file is carried
to the bank by hand (no bank API). The batch's external_id is the file's MsgId and PmtInfId, so
a status report the bank sends back finds the batch (bankfiles.services.payment_status).

A batch that cannot become a valid file raises PaymentFileError naming the payment and field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from finops.core.workflow import WorkflowError
from finops.masterdata.models import BankAccount
from finops.payables.models import Payment, PaymentBatch
from finops.payables.states import PaymentState
from integrations.formats.errors import ValidationError
from integrations.formats.nacha import AchBatchOrder, AchEntryOrder, build_nacha
from integrations.formats.pain001 import SUPPORTED_VERSIONS, build_pain001
from integrations.formats.types import CreditTransfer, Party, PaymentOrder

PAIN001: Final = "pain.001"
NACHA: Final = "nacha"
DEFAULT_PAIN001_VERSION: Final = "001.001.09"
PAIN001_VERSIONS: Final = SUPPORTED_VERSIONS
NACHA_ID_LENGTH: Final = 15  # the entry's Individual Identification Number, where returns find our id
NACHA_CHECKING_CREDIT: Final = 22
NACHA_ENTRY_DESCRIPTION: Final = "VENDOR PAY"
NACHA_ADDENDA_LENGTH: Final = 80


class PaymentFileError(WorkflowError):
    """The batch cannot be written as a valid payment file; the message says why."""


@dataclass(frozen=True)
class PaymentFile:
    format: str  # "pain.001.001.09", "pain.001.001.03" or "nacha"
    filename: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def batch_file_payments(batch: PaymentBatch) -> list[Payment]:
    """The payments a batch's file carries: all but the cancelled ones, in pk order."""
    return list(
        Payment.objects.filter(batch=batch)
        .exclude(state=PaymentState.CANCELLED)
        .select_related("counterparty", "beneficiary_account")
        .order_by("pk")
    )


def payment_file_format(batch: PaymentBatch, payments: Sequence[Payment]) -> str:
    """NACHA for a USD batch whose debtor account and every payee account are ABA-routed US
    accounts; pain.001 for everything else."""
    accounts = [batch.debtor_account, *(p.beneficiary_account for p in payments)]
    if batch.currency == "USD" and payments and all(_is_us_account(a) for a in accounts):
        return NACHA
    return PAIN001


def payment_file_build(
    batch: PaymentBatch,
    payments: Sequence[Payment],
    *,
    file_format: str = PAIN001,
    pain001_version: str = DEFAULT_PAIN001_VERSION,
    created_at: dt.datetime,
) -> PaymentFile:
    """The batch's payment file in file_format (PAIN001 or NACHA), or PaymentFileError."""
    if not payments:
        raise PaymentFileError(f"Batch {batch.external_id} has no payments to send.")
    try:
        if file_format == NACHA:
            return _nacha_file(batch, payments, created_at)
        if pain001_version not in PAIN001_VERSIONS:
            raise ValidationError(f"pain.{pain001_version} is not supported; use one of {', '.join(PAIN001_VERSIONS)}")
        content = build_pain001(_payment_order(batch, payments, created_at), version=pain001_version)
    except ValidationError as exc:
        label = "a NACHA file" if file_format == NACHA else f"a pain.{pain001_version}"
        raise PaymentFileError(f"Batch {batch.external_id} cannot be sent as {label}: {exc}") from exc
    return PaymentFile(
        format=f"pain.{pain001_version}",
        filename=f"{batch.external_id}.pain.{pain001_version}.xml",
        content_type="application/xml",
        content=content,
    )


# --- pain.001 --------------------------------------------------------------------------------


def _party(name: str, account: BankAccount, country: str) -> Party:
    return Party(
        name=name,
        iban=account.iban,
        bic=account.bic,
        account_number="" if account.iban else account.account_number,
        routing_number=account.routing_number,
        country=country,
    )


def _payment_order(batch: PaymentBatch, payments: Sequence[Payment], created_at: dt.datetime) -> PaymentOrder:
    entity = batch.entity
    debtor = _party(entity.name, batch.debtor_account, entity.country)
    transfers = tuple(
        CreditTransfer(
            end_to_end_id=p.end_to_end_id,
            amount=p.amount,
            currency=p.currency,
            creditor=_party(p.counterparty.name, p.beneficiary_account, p.counterparty.country),
            remittance_info=p.remittance_info,
        )
        for p in payments
    )
    is_sepa = batch.currency == "EUR" and bool(debtor.iban) and all(t.creditor.iban for t in transfers)
    is_ach = not is_sepa and payment_file_format(batch, payments) == NACHA
    return PaymentOrder(
        message_id=batch.external_id,
        payment_info_id=batch.external_id,
        created_at=created_at,
        execution_on=batch.execution_on,
        debtor=debtor,
        transfers=transfers,
        initiating_party=entity.name,
        charge_bearer="SLEV" if is_sepa else "SHAR",
        service_level="SEPA" if is_sepa else "",
        local_instrument="CCD" if is_ach else "",
    )


# --- NACHA -----------------------------------------------------------------------------------


def _is_us_account(account: BankAccount) -> bool:
    return bool(account.routing_number and account.account_number and not account.iban)


def _ascii(text: str) -> str:
    # ACH records are printable ASCII: "Müller & Söhne" goes out as "Muller & Sohne"
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if 32 <= ord(c) < 127)


def _nacha_file(batch: PaymentBatch, payments: Sequence[Payment], created_at: dt.datetime) -> PaymentFile:
    entity = batch.entity
    debtor = batch.debtor_account
    for p in payments:
        if len(p.end_to_end_id) > NACHA_ID_LENGTH:
            raise ValidationError(
                f"payment {p.end_to_end_id}: its end-to-end id is longer than the {NACHA_ID_LENGTH} characters "
                "an ACH entry carries as its identification number, so a return could not be matched to it"
            )
    entries = tuple(
        AchEntryOrder(
            transaction_code=NACHA_CHECKING_CREDIT,
            routing_number=p.beneficiary_account.routing_number,
            account_number=p.beneficiary_account.account_number,
            amount=p.amount,
            name=_ascii(p.counterparty.name),
            identification=p.end_to_end_id,
            payment_related_information=_ascii(p.remittance_info)[:NACHA_ADDENDA_LENGTH],
        )
        for p in payments
    )
    content = build_nacha(
        immediate_destination=debtor.routing_number,
        immediate_origin=debtor.routing_number,
        destination_name=_ascii(debtor.bank_name),
        origin_name=_ascii(entity.name),
        created_at=created_at,
        batches=[
            AchBatchOrder(
                sec_code="CCD",  # we pay suppliers, which are companies
                company_name=_ascii(entity.name),
                # the originator id the bank assigned is not kept here yet; the entity's code stands in
                company_id=_ascii(entity.code)[:10],
                entry_description=NACHA_ENTRY_DESCRIPTION,
                effective_on=batch.execution_on,
                odfi_routing=debtor.routing_number,
                entries=entries,
            )
        ],
    )
    return PaymentFile(
        format=NACHA, filename=f"{batch.external_id}.ach", content_type="text/plain; charset=us-ascii", content=content
    )
