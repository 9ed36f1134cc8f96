"""One round trip of the release path against mock-bank, an independent counterpart (the
third-party `mock-bank` package run as a subprocess, see tests/integrations/mockbank/conftest.py).

A batch from mock-bank's ACME account is released on the page, its pain.001 downloaded and
uploaded to mock-bank's /payments as a person would upload it to a bank portal, then marked as
sent. One transfer goes to mock-bank's INITECH account, which it holds as closed: its pain.002
rejects that one with AC04 and accepts the other two, and importing it leaves our batch partly
rejected.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse

from finops.payables.models import Payment, PaymentBatch
from finops.payables.states import BatchState, PaymentState
from integrations.bankfiles.services import bank_file_import
from reconciliation.exceptions.models import ExceptionItem
from tests.factories import (
    CounterpartyBankAccountFactory,
    CounterpartyFactory,
    OwnBankAccountFactory,
    PaymentBatchFactory,
    PaymentFactory,
)
from tests.integrations.mockbank import conftest as mockbank
from tests.integrations.mockbank.conftest import MockBank

mock_bank = mockbank.mock_bank  # the session's mock-bank process, a fixture of that package

ACME_IBAN = "NL41MOCK0000000001"  # mock-bank's seeded ACME account
EXECUTION_ON = dt.date(2026, 11, 2)  # mock-bank's clock starts on this day, before its cutoff


def _batch(entity: Any, maker: Any, closed_iban: str) -> PaymentBatch:
    account = OwnBankAccountFactory(entity=entity, iban=ACME_IBAN, bic="MOCKNL2A", currency="EUR")
    batch = PaymentBatchFactory(
        entity=entity,
        created_by=maker,
        debtor_account=account,
        external_id="PB-MOCK-0001",
        execution_on=EXECUTION_ON,
        state=BatchState.APPROVED,
    )
    for e2e, name, iban, bic, amount in (
        ("PB-MOCK-OK-1", "Muster GmbH", "DE89370400440532013000", "", "123.45"),
        ("PB-MOCK-CLOSED-2", "Initech Services N.V.", closed_iban, "MOCKNL2A", "5.00"),
        ("PB-MOCK-OK-3", "ABN Client", "NL77ABNA0574908765", "", "0.99"),
    ):
        supplier = CounterpartyFactory(name=name, entities=[entity])
        PaymentFactory(
            entity=entity,
            batch=batch,
            counterparty=supplier,
            beneficiary_account=CounterpartyBankAccountFactory(counterparty=supplier, iban=iban, bic=bic),
            end_to_end_id=e2e,
            amount=Decimal(amount),
            remittance_info=f"Invoice {e2e}",
        )
    return batch


def _pain002(bank: MockBank) -> bytes:
    mine = [m for m in bank.json("GET", "/_mock/mailbox?type=pain.002") if m["account"] == "ACME"]
    assert len(mine) == 1, mine
    body: str = mine[0]["body"]
    return body.encode("utf-8")


def test_release_download_upload_mark_sent_and_the_banks_answer_round_trip(
    client: Any, mock_bank: MockBank, entity_de: Any, clerk_de: Any, treasury_de: Any
) -> None:
    mock_bank.json("POST", "/_mock/reset")
    accounts = {a["id"]: a for a in mock_bank.json("GET", "/_mock/accounts")}
    batch = _batch(entity_de, clerk_de, accounts["INITECH"]["iban"])
    client.force_login(treasury_de)

    released = client.post(reverse("payables:batch-release", args=[batch.pk]))
    download = client.get(reverse("payables:batch-file", args=[batch.pk]))
    uploaded = mock_bank.call("POST", "/payments", body=download.content, content_type="application/xml")
    marked = client.post(reverse("payables:batch-mark-sent", args=[batch.pk]), {"confirmed": "on"})
    summary = bank_file_import(data=_pain002(mock_bank), filename="mockbank-pain002.xml", source="test").summary

    batch.refresh_from_db()
    answer = uploaded.json()
    states = dict(Payment.objects.filter(batch=batch).values_list("end_to_end_id", "state"))
    assert (released.status_code, download.status_code, marked.status_code) == (302, 200, 302)
    assert uploaded.status == 202, answer
    assert answer["msg_id"] == "PB-MOCK-0001"
    assert answer["findings"] == []
    assert (answer["status"], answer["accepted"], answer["rejected"]) == ("PART", 2, 1)
    assert (summary["accepted"], summary["rejected"], summary["unknown"]) == (2, 1, 0)
    assert states == {
        "PB-MOCK-OK-1": PaymentState.ACCEPTED,
        "PB-MOCK-CLOSED-2": PaymentState.REJECTED,
        "PB-MOCK-OK-3": PaymentState.ACCEPTED,
    }
    assert Payment.objects.get(end_to_end_id="PB-MOCK-CLOSED-2").status_reason.startswith("AC04")
    assert batch.state == BatchState.PARTLY_REJECTED
    assert ExceptionItem.objects.filter(kind="rejected_payment").count() == 1
