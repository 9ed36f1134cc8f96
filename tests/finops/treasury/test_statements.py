"""The one treasury service that stores statements: the balance rule with its tolerance, line
fingerprints and their occurrence numbers, for the bank API's day statements and statements built
whole (the demo seed) as for a bank file's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from finops.treasury.balances import BALANCE_TOLERANCE, balance_difference, balances_reconcile
from finops.treasury.models import BankStatement, StatementLine
from finops.treasury.statements import (
    BookedTransaction,
    StatementRefused,
    closing_balance_book,
    line_fingerprint,
    statement_line_fingerprint,
    statements_store,
    transaction_book,
)
from tests.factories import OwnBankAccountFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 1, 5)


def test_a_statement_reconciles_only_when_its_figures_agree_to_the_tolerance():
    assert Decimal("0") == BALANCE_TOLERANCE
    assert balances_reconcile(Decimal("100.00"), Decimal("20.00"), Decimal("5.00"), Decimal("115.00"))
    assert not balances_reconcile(Decimal("100.00"), Decimal("20.00"), Decimal("5.00"), Decimal("114.99"))
    assert balance_difference(Decimal("100.00"), Decimal("20.00"), Decimal("5.00"), Decimal("96.60")) == Decimal(
        "18.40"
    )


def test_the_statement_page_uses_the_same_rule(entity_de):
    account = OwnBankAccountFactory(entity=entity_de)
    statement = BankStatement(
        entity=entity_de,
        bank_account=account,
        statement_on=DAY,
        currency="EUR",
        opening_balance=Decimal("100.00"),
        total_credits=Decimal("20.00"),
        total_debits=Decimal("5.00"),
        closing_balance=Decimal("114.99"),
    )

    assert statement.reconciles is False
    statement.closing_balance = Decimal("115.00")
    assert statement.reconciles is True
    statement.opening_balance = None
    assert statement.reconciles is None


def booked(account, reference: str, amount: str = "-12.50") -> BookedTransaction:
    return BookedTransaction(
        account=account, reference=reference, amount=Decimal(amount), currency="EUR", booking_on=DAY, value_on=DAY
    )


def test_api_transactions_are_fingerprinted_and_equal_ones_numbered(entity_de):
    account = OwnBankAccountFactory(entity=entity_de)

    first = transaction_book(booked(account, "TX-1"), source="bank")
    second = transaction_book(booked(account, "TX-1"), source="bank")  # the bank booked the same twice
    other = transaction_book(booked(account, "TX-2", "30.00"), source="bank")

    assert first.fingerprint == second.fingerprint != other.fingerprint
    assert len(first.fingerprint) == 32
    assert (first.occurrence, second.occurrence, other.occurrence) == (1, 2, 1)
    statement = BankStatement.objects.get(bank_account=account)
    assert (statement.entry_count, statement.total_debits, statement.total_credits) == (
        3,
        Decimal("25.00"),
        Decimal("30.00"),
    )


def test_an_api_transaction_in_another_currency_than_its_day_statement_is_refused(entity_de):
    account = OwnBankAccountFactory(entity=entity_de)
    transaction_book(booked(account, "TX-1"), source="bank")

    with pytest.raises(StatementRefused, match="currency USD differs"):
        transaction_book(
            BookedTransaction(
                account=account, reference="TX-9", amount=Decimal(1), currency="USD", booking_on=DAY, value_on=DAY
            ),
            source="bank",
        )


def test_a_closing_balance_is_set_once(entity_de):
    account = OwnBankAccountFactory(entity=entity_de)

    statement, changed = closing_balance_book(
        account=account, day=DAY, currency="EUR", amount=Decimal("10.00"), source="bank"
    )
    _, again = closing_balance_book(account=account, day=DAY, currency="EUR", amount=Decimal("10.00"), source="bank")

    assert (changed, again) == (True, False)
    assert BankStatement.objects.get(pk=statement.pk).closing_balance == Decimal("10.00")


def test_statements_built_whole_are_stored_with_fingerprinted_lines(entity_de):
    account = OwnBankAccountFactory(entity=entity_de)
    statement = BankStatement(
        entity=entity_de, bank_account=account, external_id="S-1", statement_on=DAY, currency="EUR", format="camt.053"
    )
    lines = [
        StatementLine(
            statement=statement,
            line_no=n,
            amount=Decimal("5"),
            currency="EUR",
            credit_debit="CRDT",
            booking_on=DAY,
            value_on=DAY,
            account_servicer_ref="REF",
        )
        for n in (1, 2)
    ]

    statements_store([statement], lines)

    stored = list(StatementLine.objects.filter(statement__external_id="S-1").order_by("line_no"))
    assert [(line.fingerprint, line.occurrence) for line in stored] == [
        (stored[0].fingerprint, 1),
        (stored[0].fingerprint, 2),
    ]
    assert stored[0].fingerprint == statement_line_fingerprint(stored[0])


def test_a_line_from_the_api_has_the_fingerprint_a_file_gives_the_same_booking():
    line = StatementLine(
        amount=Decimal("12.5"),
        currency="EUR",
        credit_debit="DBIT",
        booking_on=DAY,
        value_on=DAY,
        account_servicer_ref="X1",
        end_to_end_id="E2E-1",
    )
    from_file = line_fingerprint(
        "DBIT", Decimal("12.5000"), "EUR", False, "BOOK", "2026-01-05", "2026-01-05", "X1", "", "", "", "E2E-1"
    )

    assert statement_line_fingerprint(line) == from_file.hex()
