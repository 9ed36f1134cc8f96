"""Which channel carries a released batch to the bank: payables asks, a channel registered at
start-up answers, and the release hands the checked file to it in the release transaction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from finops.outbox.events import event_subscribe, event_unsubscribe
from finops.outbox.models import OutboxMessage
from finops.payables.channels import BankChannel, bank_channel_for, bank_channel_register, bank_channel_unregister
from finops.payables.events import BatchReleased
from finops.payables.services import batch_release
from finops.payables.states import BatchState
from tests.factories import PaymentBatchFactory, PaymentFactory

pytestmark = pytest.mark.django_db

released: list[BatchReleased] = []


def courier_channel(entity_id: int, account: Any) -> BankChannel | None:
    return BankChannel(kind="courier", reference=7, name="Courier", pain001_version="001.001.03")


def courier_takes(event: BatchReleased) -> None:
    released.append(event)


@pytest.fixture
def courier():
    released.clear()
    bank_channel_register("courier", courier_channel)
    event_subscribe(BatchReleased, courier_takes)
    yield
    bank_channel_unregister("courier")
    event_unsubscribe(BatchReleased, courier_takes)


@pytest.fixture
def approved_batch(entity_de, clerk_de):
    batch = PaymentBatchFactory(entity=entity_de, created_by=clerk_de, state=BatchState.APPROVED)
    PaymentFactory(entity=entity_de, batch=batch, amount=Decimal("250.00"))
    return batch


def test_without_a_channel_serving_the_account_a_batch_goes_as_a_file(approved_batch, treasury_de):
    assert bank_channel_for(entity_id=approved_batch.entity_id, account=approved_batch.debtor_account) is None

    batch_release(batch_id=approved_batch.pk, actor=treasury_de)

    assert not OutboxMessage.objects.filter(topic="bank.payment_submission").exists()


def test_a_registered_channel_gets_the_released_batch_in_its_pain001_version(courier, approved_batch, treasury_de):
    batch = batch_release(batch_id=approved_batch.pk, actor=treasury_de)

    assert [event.batch.pk for event in released] == [batch.pk]
    assert released[0].channel.name == "Courier"
    assert released[0].payment_file.format == "pain.001.001.03"
    assert b"pain.001.001.03" in released[0].payment_file.content
    assert not OutboxMessage.objects.filter(topic="bank.payment_submission").exists()  # not the bank API's
