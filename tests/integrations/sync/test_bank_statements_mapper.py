"""The bank API's transactions find our account the way a bank file does (finops.treasury.accounts):
an IBAN or account number with spaces or dashes, an account number told apart by its routing
number; one the connector's entity does not hold is a mapping error naming it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from finops.accounts.roles import Role
from finops.accounts.services import user_grant_role
from finops.treasury.models import StatementLine
from integrations.connectors import apply_context
from integrations.connectors.base import MappingError
from integrations.sync.mappers.bank_statements import transaction_apply
from tests.factories import LegalEntityFactory, OwnBankAccountFactory
from tests.integrations.connectors.support import make_connector

pytestmark = pytest.mark.django_db


def payload(account: str, **extra: str) -> dict[str, str]:
    return {
        "id": f"TX-{account}-{extra.get('routing_number', '')}",
        "account": account,
        "amount": "-12.50",
        "currency": extra.pop("currency", "EUR"),
        "booking_date": dt.date(2026, 1, 5).isoformat(),
        **extra,
    }


@pytest.fixture
def context(admin_de, entity_de):
    return apply_context(make_connector(admin_de, entity_de, "bank_api", "http://127.0.0.1:9"))


@pytest.mark.parametrize("written", ["DE89 3704 0044 0532 0130 00", "de89370400440532013000"])
def test_an_iban_with_spaces_or_in_lower_case_finds_the_account(context, entity_de, written):
    account = OwnBankAccountFactory(entity=entity_de, iban="DE89370400440532013000")

    applied = transaction_apply(context, payload(written))

    line = StatementLine.objects.get(pk=applied.obj.pk)
    assert line.statement.bank_account == account
    assert (line.amount, line.credit_debit) == (Decimal("12.50"), "DBIT")


def test_an_account_number_with_dashes_finds_the_account(context, entity_de):
    account = OwnBankAccountFactory(entity=entity_de, iban="", account_number="0035-2915203-10-000", currency="CHF")

    applied = transaction_apply(context, payload("0035 2915203 10 000", currency="CHF"))

    assert StatementLine.objects.get(pk=applied.obj.pk).statement.bank_account == account


def test_the_routing_number_picks_the_account_among_equal_numbers(admin_de, db):
    us = LegalEntityFactory(code="US01", country="US", base_currency="USD")
    OwnBankAccountFactory(entity=us, iban="", account_number="123456789", routing_number="021000021", currency="USD")
    boa = OwnBankAccountFactory(
        entity=us, iban="", account_number="123456789", routing_number="026009593", currency="USD"
    )
    user_grant_role(user=admin_de, role=Role.ADMIN, entity=us, granted_by=None)
    context = apply_context(make_connector(admin_de, us, "bank_api", "http://127.0.0.1:9"))

    applied = transaction_apply(context, payload("123456789", routing_number="026009593", currency="USD"))

    assert StatementLine.objects.get(pk=applied.obj.pk).statement.bank_account == boa


def test_an_account_of_another_entity_is_not_the_connectors(context, entity_gb):
    OwnBankAccountFactory(entity=entity_gb, iban="GB33BUKB20201555555555", currency="GBP")

    with pytest.raises(MappingError, match="GB33BUKB20201555555555 is not one of DE01's bank accounts"):
        transaction_apply(context, payload("GB33BUKB20201555555555", currency="GBP"))
