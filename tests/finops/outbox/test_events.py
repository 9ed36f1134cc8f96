"""In-process events: the domain announces, whoever registered acts, in the announcing transaction;
with nobody subscribed nothing happens."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction

from finops.outbox.events import event_notify, event_subscribe, event_unsubscribe
from finops.outbox.models import OutboxMessage
from finops.outbox.services import outbox_enqueue

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Happened:
    what: str


@dataclass(frozen=True)
class Unheard:
    what: str


heard: list[str] = []


def first(event: Happened) -> None:
    heard.append(f"first:{event.what}")


def second(event: Happened) -> None:
    heard.append(f"second:{event.what}")
    outbox_enqueue("test.topic", {"what": event.what}, entity=None, idempotency_key=f"test:{event.what}")


@pytest.fixture(autouse=True)
def subscribed():
    heard.clear()
    event_subscribe(Happened, first)
    event_subscribe(Happened, second)
    yield
    event_unsubscribe(Happened, first)
    event_unsubscribe(Happened, second)


def test_subscribers_run_in_the_order_they_subscribed_and_once_each():
    event_subscribe(Happened, first)  # subscribing again (a second ready()) replaces, in place

    event_notify(Happened("paid"))

    assert heard == ["first:paid", "second:paid"]


def _announce_then_fail() -> None:
    with transaction.atomic():
        event_notify(Happened("undone"))
        raise RuntimeError("the business change failed after it announced")


def test_what_a_subscriber_writes_rolls_back_with_the_announcing_transaction():
    with pytest.raises(RuntimeError):
        _announce_then_fail()

    assert heard == ["first:undone", "second:undone"]
    assert not OutboxMessage.objects.filter(idempotency_key="test:undone").exists()


def test_an_event_nobody_subscribed_to_changes_nothing():
    event_notify(Unheard("ignored"))

    assert heard == []
    assert not OutboxMessage.objects.exists()
