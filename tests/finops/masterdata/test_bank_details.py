"""IBAN/BIC and US routing numbers are validated on entry; the database keeps the rules too.
(An ABA routing number is a bank code of kind aba: its errors are the bank_code field's.)"""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from finops.masterdata.models import BankAccount
from finops.masterdata.validators import aba_check_digit_ok
from tests.factories import CounterpartyFactory, OwnBankAccountFactory


def test_a_valid_iban_and_bic_pass_full_clean(entity_de):
    account = BankAccount(
        entity=entity_de,
        name="Ops",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        currency="EUR",
        source="test",
        external_id="ok-1",
    )

    account.full_clean()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"iban": "DE89370400440532013001"}, "iban", "not a valid IBAN"),
        ({"bic": "NOTABIC"}, "bic", "not a valid BIC"),
        ({"iban": "", "account_number": "123456789", "routing_number": "021000022"}, "bank_code", "not a valid ABA"),
        (
            {"iban": "", "account_number": "1", "bank_code_kind": "gb_sort_code", "bank_code": "20-00"},
            "bank_code",
            "6 digits",
        ),
        ({"currency": "eur"}, "currency", "not an ISO 4217 currency"),
    ],
)
def test_bad_bank_details_are_refused_with_a_message_naming_the_value(entity_de, values, field, message):
    account = BankAccount(
        entity=entity_de,
        name="Ops",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        currency="EUR",
        source="test",
        external_id="bad-1",
    )
    for name, value in values.items():
        setattr(account, name, value)

    with pytest.raises(ValidationError) as error:
        account.full_clean()

    assert message in str(error.value.message_dict[field])


def test_aba_check_digit():
    assert aba_check_digit_ok("021000021")
    assert aba_check_digit_ok("231380104")
    assert not aba_check_digit_ok("231380105")
    assert not aba_check_digit_ok("12345678")


def test_an_account_belongs_to_exactly_one_owner(entity_de):
    with pytest.raises(IntegrityError, match="bankaccount_one_owner"), transaction.atomic():
        OwnBankAccountFactory(entity=entity_de, counterparty=CounterpartyFactory())


def test_the_database_refuses_a_lowercase_currency(entity_de):
    with pytest.raises(IntegrityError, match="bankaccount_currency_iso"), transaction.atomic():
        OwnBankAccountFactory(entity=entity_de, currency="eur")


def test_natural_keys_are_unique(entity_de):
    OwnBankAccountFactory(entity=entity_de, external_id="X-1")

    with pytest.raises(IntegrityError, match="bankaccount_source_external_id_uniq"), transaction.atomic():
        OwnBankAccountFactory(entity=entity_de, external_id="X-1")
