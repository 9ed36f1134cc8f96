"""The handler registry of the outbox relay."""

import pytest

from integrations.outbox.handlers import handler_for, handler_register, registered_topics


def test_an_exact_topic_wins_over_a_prefix_and_duplicates_are_refused():
    def deliver(message):
        return {}

    assert handler_for("event.cash-applied").topic == "event.*"
    assert handler_for("erp.journal_entry").topic == "erp.journal_entry"
    assert handler_for("bank.payment") is None
    assert {"erp.journal_entry", "erp.cash_receipt", "event.*"} <= set(registered_topics())
    with pytest.raises(ValueError, match="already registered"):
        handler_register("erp.journal_entry", deliver=deliver)
