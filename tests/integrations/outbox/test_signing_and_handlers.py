"""The webhook signature scheme and the handler registry."""

import pytest

from integrations.outbox.handlers import handler_for, handler_register, registered_topics
from integrations.outbox.signing import signature_compute, signature_header, signature_verify

BODY = b'{"id":"evt_1","type":"cash-applied"}'


def test_a_signature_verifies_with_its_secret_only_and_within_the_tolerance():
    header = signature_header("secret-a", BODY, 1_700_000_000)

    assert signature_verify("secret-a", BODY, header, now=1_700_000_100)
    assert not signature_verify("secret-b", BODY, header, now=1_700_000_100)
    assert not signature_verify("secret-a", BODY + b" ", header, now=1_700_000_100)
    assert not signature_verify("secret-a", BODY, header, now=1_700_000_301)


def test_during_rotation_any_v1_entry_may_match():
    old = signature_compute("old-secret", BODY, 1_700_000_000)
    new = signature_compute("new-secret", BODY, 1_700_000_000)
    header = f"t=1700000000,v1={old},v1={new}"

    assert signature_verify("new-secret", BODY, header, now=1_700_000_000)
    assert signature_verify("old-secret", BODY, header, now=1_700_000_000)
    assert not signature_verify("other", BODY, header, now=1_700_000_000)
    assert not signature_verify("new-secret", BODY, f"v1={new}", now=1_700_000_000)  # no timestamp


def test_an_exact_topic_wins_over_a_prefix_and_duplicates_are_refused():
    def deliver(message):
        return {}

    assert handler_for("event.cash-applied").topic == "event.*"
    assert handler_for("erp.journal_entry").topic == "erp.journal_entry"
    assert handler_for("bank.payment") is None
    assert {"erp.journal_entry", "erp.cash_receipt", "event.*"} <= set(registered_topics())
    with pytest.raises(ValueError, match="already registered"):
        handler_register("erp.journal_entry", deliver=deliver)
