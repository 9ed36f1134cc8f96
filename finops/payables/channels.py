"""Which channel carries a released batch to the bank: a question payables asks and the
integrations answer.

A batch goes to the bank either as a file someone downloads and uploads (the default: no channel),
or over a channel an integration provides, such as the bank's API through a connector. Payables
does not know connectors; an integration registers a finder at start-up (in its AppConfig.ready())
with bank_channel_register, and batch_release asks bank_channel_for. The channel that answers then
receives the released batch by subscribing to finops.payables.events.BatchReleased and writes its
outbox message (topic BANK_SUBMISSION_TOPIC, keyed per batch) in the release transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from finops.masterdata.models import BankAccount

# The outbox topic of a batch on its way to the bank over a channel, one message per batch.
BANK_SUBMISSION_TOPIC: Final = "bank.payment_submission"


@dataclass(frozen=True)
class BankChannel:
    """A way to the bank that serves an account. `kind` names who provides it (e.g. "bank_api"),
    `reference` which of its configurations (e.g. a connector id), `name` is what people read in
    the audit trail; `pain001_version` is the pain.001 the bank takes, as the writer names it
    ("001.001.09")."""

    kind: str
    reference: int
    name: str
    pain001_version: str


BankChannelFinder = Callable[[int, BankAccount], "BankChannel | None"]

_FINDERS: dict[str, BankChannelFinder] = {}


def bank_channel_register(kind: str, finder: BankChannelFinder) -> None:
    """Register (or replace) the finder of channels of `kind`: finder(entity_id, account) returns
    the channel of that kind serving the entity's account, or None."""
    _FINDERS[kind] = finder


def bank_channel_unregister(kind: str) -> None:
    _FINDERS.pop(kind, None)


def bank_channel_for(*, entity_id: int, account: BankAccount) -> BankChannel | None:
    """The channel that carries a batch from `account` to its bank, or None: the batch goes as a
    file. The first finder (in registration order) with an answer wins."""
    for finder in _FINDERS.values():
        channel = finder(entity_id, account)
        if channel is not None:
            return channel
    return None
