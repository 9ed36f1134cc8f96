"""Released batches go to the bank over its API through the outbox, and their status comes back.

Release writes a bank.payment_submission message holding the batch's pain.001 (XSD-valid, in the
version the connector's mapping names) in the release transaction; the relay POSTs it to the
sandbox bank with the message's Idempotency-Key, stores the bank's payment id on the batch and
moves it to transmitted. The status poll reads GET /bank/v1/payments/{id} and applies its pain.002
through the same function a pain.002 file goes through.
"""

from __future__ import annotations

import datetime as dt
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse

from finops.audit.models import AuditEvent
from finops.outbox.models import OutboxMessage, OutboxState, WebhookSubscription
from finops.payables.models import Payment, PaymentBatch
from finops.payables.services import batch_release
from finops.payables.states import BatchState, PaymentState
from integrations.bankfiles.services import bank_file_import
from integrations.connectors.bank_api.status import bank_payment_status_poll, batch_status_poll
from integrations.connectors.bank_api.submission import TOPIC, payment_submission_deliver, submission_key
from integrations.formats import xsd
from integrations.formats.pain001 import build_pain001
from integrations.formats.types import CreditTransfer, Party, PaymentOrder
from integrations.formats.xmlsafe import find, parse_xml, texts
from integrations.outbox.relay import outbox_relay
from integrations.sandbox.testing import http_call, run_sandbox, run_webhook_receiver
from integrations.services import connector_mapping_set
from integrations.tasks import bank_payment_status_poll_task
from reconciliation.exceptions.models import ExceptionItem
from tests.factories import (
    CounterpartyBankAccountFactory,
    CounterpartyFactory,
    OwnBankAccountFactory,
    PaymentBatchFactory,
    PaymentFactory,
)
from tests.integrations.bankfiles.helpers import row_counts
from tests.integrations.connectors.support import fault, make_connector, sandbox_records

IBAN = "DE51370400445017319583"  # the sandbox bank's operating account of DE01
PAYEES = (
    ("PB-0001-001", "Brenner Metallbau GmbH", "DE89370400440532013000", Decimal("250.00")),
    ("PB-0001-002", "Hafenlogistik Bremen GmbH", "DE02120300000000202051", Decimal("410.00")),
)


def _header(request: dict[str, Any], name: str) -> str:
    return next(str(v) for k, v in request["headers"].items() if k.lower() == name.lower())


def _bank_posts(base_url: str) -> list[dict[str, Any]]:
    answer = http_call("GET", f"{base_url}/_sandbox/requests?path_prefix=/bank/v1/payments", token=None)
    return [r for r in answer.json() if r["method"] == "POST"]


@pytest.fixture
def bank(admin_de: Any, entity_de: Any, sandbox: str) -> Any:
    return make_connector(admin_de, entity_de, "bank_api", sandbox)


@pytest.fixture
def approved_batch(entity_de: Any, clerk_de: Any) -> PaymentBatch:
    account = OwnBankAccountFactory(entity=entity_de, iban=IBAN, currency="EUR", bic="COBADEFFXXX")
    batch = PaymentBatchFactory(
        entity=entity_de,
        created_by=clerk_de,
        debtor_account=account,
        external_id="PB-DE01-0001",
        state=BatchState.APPROVED,
        control_sum=Decimal("660.00"),
        payment_count=2,
    )
    for e2e, name, iban, amount in PAYEES:
        supplier = CounterpartyFactory(name=name, entities=[entity_de])
        PaymentFactory(
            entity=entity_de,
            batch=batch,
            counterparty=supplier,
            beneficiary_account=CounterpartyBankAccountFactory(counterparty=supplier, iban=iban, bic=""),
            end_to_end_id=e2e,
            amount=amount,
            remittance_info=f"Invoice {e2e}",
        )
    return batch


def _release(batch: PaymentBatch, treasury: Any) -> OutboxMessage:
    batch_release(batch_id=batch.pk, actor=treasury)
    return OutboxMessage.objects.get(topic=TOPIC)


def _transmitted(batch: PaymentBatch, treasury: Any) -> PaymentBatch:
    _release(batch, treasury)
    assert outbox_relay().delivered == 1
    batch.refresh_from_db()
    assert batch.state == BatchState.TRANSMITTED
    return batch


# --- release → outbox message --------------------------------------------------------------------


@pytest.mark.parametrize(("mapped", "version"), [(None, "001.001.09"), ("pain.001.001.03", "001.001.03")])
def test_release_queues_the_batchs_xsd_valid_pain001_in_the_mapped_version(
    bank: Any, approved_batch: PaymentBatch, treasury_de: Any, mapped: str | None, version: str
) -> None:
    if mapped:
        connector_mapping_set(connector_id=bank.pk, actor=None, mapping={"pain001_version": mapped})

    message = _release(approved_batch, treasury_de)

    approved_batch.refresh_from_db()
    document = parse_xml(message.payload["document"].encode())
    assert approved_batch.state == BatchState.RELEASED
    assert message.state == OutboxState.PENDING
    assert message.idempotency_key == submission_key(approved_batch)
    assert (message.object_type, message.object_id) == ("payables.PaymentBatch", str(approved_batch.pk))
    assert message.payload["format"] == f"pain.{version}"
    assert xsd.validate(document, f"pain.{version}") == []
    assert texts(document[0], "GrpHdr/MsgId") == ["PB-DE01-0001"]
    assert texts(document[0], "PmtInf/PmtInfId") == ["PB-DE01-0001"]
    assert texts(document[0], "PmtInf/DbtrAcct/Id/IBAN") == [IBAN]
    assert [texts(t, "PmtId/EndToEndId")[0] for t in document[0].iter("{*}CdtTrfTxInf")] == [p[0] for p in PAYEES]
    assert texts(document[0], "GrpHdr/CtrlSum") == ["660.00"]


def test_an_unknown_pain001_version_is_refused_in_the_mapping(bank: Any) -> None:
    with pytest.raises(DjangoValidationError, match="pain001_version"):
        connector_mapping_set(connector_id=bank.pk, actor=None, mapping={"pain001_version": "pain.001.001.12"})


def test_a_connector_for_other_accounts_leaves_the_batch_to_the_file_path(
    admin_de: Any, entity_de: Any, sandbox: str, approved_batch: PaymentBatch, treasury_de: Any
) -> None:
    other = make_connector(admin_de, entity_de, "bank_api", sandbox)
    connector_mapping_set(connector_id=other.pk, actor=None, mapping={"accounts": ["DE89370400440532013000"]})

    batch_release(batch_id=approved_batch.pk, actor=treasury_de)

    assert not OutboxMessage.objects.filter(topic=TOPIC).exists()


# --- relay → the sandbox bank ----------------------------------------------------------------------


def test_the_relay_sends_the_file_once_and_the_batch_is_transmitted_with_the_banks_id(
    bank: Any, sandbox: str, approved_batch: PaymentBatch, treasury_de: Any
) -> None:
    message = _release(approved_batch, treasury_de)

    report = outbox_relay()
    outbox_relay()

    approved_batch.refresh_from_db()
    message.refresh_from_db()
    [post] = _bank_posts(sandbox)
    [taken] = sandbox_records(sandbox, "bank", "payments")
    assert report.delivered == 1
    assert post["status"] == 202
    assert _header(post, "Idempotency-Key") == submission_key(approved_batch)
    assert _header(post, "Authorization") == "Bearer sandbox-token"
    assert post["body"] == message.payload["document"]
    assert taken["message_id"] == "PB-DE01-0001"
    assert approved_batch.state == BatchState.TRANSMITTED
    assert approved_batch.bank_submission_id == taken["payment_id"]
    assert approved_batch.transmitted_at is not None
    assert message.state == OutboxState.DELIVERED
    assert message.result == {"payment_id": taken["payment_id"], "status": "RCVD", "replayed": False}
    assert AuditEvent.objects.filter(
        object_type="payables.PaymentBatch",
        object_id=str(approved_batch.pk),
        action="released->transmitted",
        actor__isnull=True,
    ).exists()


def test_a_redelivery_is_a_replay_at_the_bank_and_nothing_is_paid_twice(
    bank: Any, sandbox: str, approved_batch: PaymentBatch, treasury_de: Any
) -> None:
    message = _release(approved_batch, treasury_de)
    # A relay reached the bank and died before it could record the answer.
    first = payment_submission_deliver(message)

    outbox_relay()

    approved_batch.refresh_from_db()
    message.refresh_from_db()
    posts = _bank_posts(sandbox)
    assert [p["status"] for p in posts] == [202, 200]
    assert {_header(p, "Idempotency-Key") for p in posts} == {message.idempotency_key}
    assert len(sandbox_records(sandbox, "bank", "payments")) == 1
    assert message.result == {"payment_id": first["payment_id"], "status": "RCVD", "replayed": True}
    assert approved_batch.bank_submission_id == first["payment_id"]
    assert approved_batch.state == BatchState.TRANSMITTED


@pytest.mark.parametrize("kind", ["503", "429", "timeout"])
def test_a_bank_that_is_down_is_tried_again_later_and_takes_the_file_once(
    bank: Any, sandbox: str, approved_batch: PaymentBatch, treasury_de: Any, kind: str
) -> None:
    message = _release(approved_batch, treasury_de)
    fault(sandbox, path_prefix="/bank/v1/payments", kind=kind, times=1)

    first = outbox_relay()
    message.refresh_from_db()
    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1), tick=False):
        second = outbox_relay()

    approved_batch.refresh_from_db()
    message.refresh_from_db()
    assert (first.retrying, second.delivered) == (1, 1)
    assert message.attempts == 2
    assert len(sandbox_records(sandbox, "bank", "payments")) == 1
    assert approved_batch.state == BatchState.TRANSMITTED


def test_a_file_the_bank_refuses_outright_is_dead_and_leaves_the_batch_released_with_an_exception(
    bank: Any, sandbox: str, approved_batch: PaymentBatch, treasury_de: Any
) -> None:
    message = _release(approved_batch, treasury_de)
    # The bank took a different file under our key first: the same key with our file is a 409.
    other = build_pain001(
        PaymentOrder(
            message_id="SOMEONE-ELSE-1",
            payment_info_id="SOMEONE-ELSE-1",
            created_at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC),
            execution_on=dt.date(2026, 11, 21),
            debtor=Party(name="Nordlicht Components GmbH", iban=IBAN),
            transfers=(CreditTransfer("X-1", Decimal("1.00"), "EUR", Party(name="X", iban="DE89370400440532013000")),),
            service_level="SEPA",
        )
    )
    taken = http_call(
        "POST",
        f"{sandbox}/bank/v1/payments",
        body=other,
        headers={"Idempotency-Key": message.idempotency_key, "Content-Type": "application/xml"},
    )

    report = outbox_relay()

    approved_batch.refresh_from_db()
    message.refresh_from_db()
    assert taken.status == 202
    assert report.dead == 1
    assert message.state == OutboxState.DEAD
    assert message.attempts == 1
    assert "HTTP 409" in message.last_error
    assert approved_batch.state == BatchState.RELEASED
    assert approved_batch.bank_submission_id == ""
    item = ExceptionItem.objects.get(kind="rejected_payment")
    assert (item.object_type, item.object_id) == ("payables.PaymentBatch", str(approved_batch.pk))
    assert item.title.startswith("Batch PB-DE01-0001 did not reach the bank: HTTP 409")
    assert item.amount == Decimal("660.00")
    assert ExceptionItem.objects.filter(kind="sync_failure", dedupe_key=f"outbox:{message.pk}").exists()
    assert AuditEvent.objects.filter(object_id=str(approved_batch.pk), action="transmission.failed").exists()


# --- status back ------------------------------------------------------------------------------------


def test_the_status_poll_accepts_the_payments_and_acknowledges_the_batch_once(
    bank: Any, approved_batch: PaymentBatch, treasury_de: Any
) -> None:
    batch = _transmitted(approved_batch, treasury_de)

    report = bank_payment_status_poll()
    before = row_counts()
    again = bank_payment_status_poll()
    once_more = batch_status_poll(batch_id=batch.pk)

    batch.refresh_from_db()
    assert (report.polled, report.decided) == (1, 1)
    assert again.polled == 0
    assert once_more == "decided"
    assert row_counts() == before
    assert batch.state == BatchState.ACKNOWLEDGED
    assert batch.acknowledged_at is not None
    assert set(Payment.objects.filter(batch=batch).values_list("state", flat=True)) == {PaymentState.ACCEPTED}
    reason = f"bank API payment {batch.bank_submission_id}"
    trail = AuditEvent.objects.filter(object_type="payables.PaymentBatch", object_id=str(batch.pk))
    assert trail.filter(action="transmitted->acknowledged", reason=reason).exists()
    assert not ExceptionItem.objects.exists()


def test_the_beat_task_polls_and_reports_what_it_did(bank: Any, approved_batch: PaymentBatch, treasury_de: Any) -> None:
    _transmitted(approved_batch, treasury_de)

    result = bank_payment_status_poll_task()

    assert result == {"polled": 1, "decided": 1, "pending": 0, "failed": 0}


def test_a_batch_the_bank_has_not_decided_on_stays_transmitted(
    admin_de: Any, entity_de: Any, approved_batch: PaymentBatch, treasury_de: Any
) -> None:
    with run_sandbox(bank_processing_seconds=600) as slow_bank:
        make_connector(admin_de, entity_de, "bank_api", slow_bank)
        batch = _transmitted(approved_batch, treasury_de)

        report = bank_payment_status_poll()

    batch.refresh_from_db()
    assert (report.polled, report.pending) == (1, 1)
    assert batch.state == BatchState.TRANSMITTED
    assert set(Payment.objects.filter(batch=batch).values_list("state", flat=True)) == {PaymentState.RELEASED}


def test_a_bank_that_does_not_answer_the_poll_is_asked_again_next_time(
    bank: Any, sandbox: str, approved_batch: PaymentBatch, treasury_de: Any
) -> None:
    batch = _transmitted(approved_batch, treasury_de)
    fault(sandbox, path_prefix="/bank/v1/payments/", kind="500", times=1)

    first = bank_payment_status_poll()
    second = bank_payment_status_poll()

    batch.refresh_from_db()
    assert (first.failed, second.decided) == (1, 1)
    assert batch.state == BatchState.ACKNOWLEDGED


def test_a_rejection_by_the_bank_rejects_the_payments_opens_exceptions_and_announces_them(
    bank: Any, sandbox: str, entity_de: Any, approved_batch: PaymentBatch, treasury_de: Any
) -> None:
    # The bank already has a file with this batch's message id (sent from its portal by hand),
    # so it rejects ours as a duplicate message (DU01) after taking it in.
    earlier = build_pain001(
        PaymentOrder(
            message_id="PB-DE01-0001",
            payment_info_id="PORTAL-1",
            created_at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC),
            execution_on=dt.date(2026, 11, 21),
            debtor=Party(name="Nordlicht Components GmbH", iban=IBAN),
            transfers=(
                CreditTransfer("PORTAL-1", Decimal("1.00"), "EUR", Party(name="X", iban="DE89370400440532013000")),
            ),
            service_level="SEPA",
        )
    )
    portal = http_call("POST", f"{sandbox}/bank/v1/payments", body=earlier, headers={"Idempotency-Key": "portal"})
    assert portal.status == 202
    with run_webhook_receiver() as receiver:
        WebhookSubscription.objects.create(
            entity=entity_de,
            name="erp-bridge",
            url=receiver.url,
            secret="webhook-secret-0123456789",
            topics=["event.payment-rejected"],
        )
        batch = _transmitted(approved_batch, treasury_de)

        report = bank_payment_status_poll()
        outbox_relay()

        delivered = [json.loads(d.body) for d in receiver.deliveries]

    batch.refresh_from_db()
    payments = list(Payment.objects.filter(batch=batch).order_by("pk"))
    assert report.decided == 1
    assert batch.state == BatchState.REJECTED
    assert [p.state for p in payments] == [PaymentState.REJECTED, PaymentState.REJECTED]
    assert payments[0].status_reason.startswith("DU01: message PB-DE01-0001 was received before")
    items = ExceptionItem.objects.filter(kind="rejected_payment")
    assert sorted(i.object_id for i in items) == sorted(str(p.pk) for p in payments)
    assert sorted(d["data"]["object"]["end_to_end_id"] for d in delivered) == ["PB-0001-001", "PB-0001-002"]
    assert {d["type"] for d in delivered} == {"payment-rejected"}
    assert delivered[0]["data"]["data"]["batch"] == "PB-DE01-0001"


def test_the_same_pain002_as_a_file_after_the_poll_changes_nothing(
    bank: Any, sandbox: str, approved_batch: PaymentBatch, treasury_de: Any
) -> None:
    batch = _transmitted(approved_batch, treasury_de)
    bank_payment_status_poll()
    answer = http_call("GET", f"{sandbox}/bank/v1/payments/{batch.bank_submission_id}").json()
    payments_before = list(Payment.objects.filter(batch=batch).values_list("state", flat=True))

    summary = bank_file_import(data=answer["pain002"].encode(), filename="status.xml", source="test").summary

    batch.refresh_from_db()
    assert (summary["format"], summary["accepted"], summary["rejected"], summary["unknown"]) == ("pain.002", 2, 0, 0)
    assert list(Payment.objects.filter(batch=batch).values_list("state", flat=True)) == payments_before
    assert batch.state == BatchState.ACKNOWLEDGED
    assert find(parse_xml(answer["pain002"].encode())[0], "OrgnlGrpInfAndSts/GrpSts") is not None


# --- the batch page -----------------------------------------------------------------------------------


def test_a_batch_sent_over_the_api_shows_its_submission_and_offers_no_file(
    client: Any, bank: Any, approved_batch: PaymentBatch, treasury_de: Any
) -> None:
    _release(approved_batch, treasury_de)
    client.force_login(treasury_de)
    page = reverse("payables:batch-detail", args=[approved_batch.pk])

    queued = client.get(page).content.decode()
    download = client.get(reverse("payables:batch-file", args=[approved_batch.pk]))
    mark_sent = client.post(reverse("payables:batch-mark-sent", args=[approved_batch.pk]), {"confirmed": "on"})
    outbox_relay()
    approved_batch.refresh_from_db()
    sent = client.get(page).content.decode()

    assert "To the bank over its API" in queued
    assert "Download pain.001" not in queued
    assert download.status_code == 422
    assert "goes to the bank over its API" in download.content.decode()
    assert mark_sent.status_code == 422
    assert approved_batch.state == BatchState.TRANSMITTED
    assert approved_batch.bank_submission_id in sent


def test_a_transfer_to_a_closed_account_is_rejected_alone_and_the_batch_is_partly_rejected(
    bank: Any, sandbox: str, approved_batch: PaymentBatch, treasury_de: Any
) -> None:
    closed = http_call(
        "POST",
        f"{sandbox}/_sandbox/bank/rejections",
        json_body={"account": PAYEES[1][2], "reason": "AC04", "info": "account closed"},
        token=None,
    )
    assert closed.status == 201
    batch = _transmitted(approved_batch, treasury_de)

    report = bank_payment_status_poll()

    batch.refresh_from_db()
    payments = {p.end_to_end_id: p for p in Payment.objects.filter(batch=batch)}
    assert report.decided == 1
    assert batch.state == BatchState.PARTLY_REJECTED
    assert payments["PB-0001-001"].state == PaymentState.ACCEPTED
    assert payments["PB-0001-002"].state == PaymentState.REJECTED
    assert payments["PB-0001-002"].status_reason == "AC04: account closed"
    [item] = ExceptionItem.objects.filter(kind="rejected_payment")
    assert item.object_id == str(payments["PB-0001-002"].pk)
