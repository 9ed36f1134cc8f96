"""Which of our accounts is this? One resolver for the bank-file import and the bank-API sync: every
way a statement names an account, normalised, finds it; what names none of ours finds nothing."""

from __future__ import annotations

import pytest

from finops.treasury.accounts import normalized, own_account_readings, own_accounts_named
from integrations.formats.types import AccountRef
from tests.factories import CounterpartyBankAccountFactory, LegalEntityFactory, OwnBankAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(entity_de, entity_gb):
    return {
        "iban": OwnBankAccountFactory(entity=entity_de, iban="DE89370400440532013000"),
        "hungary": OwnBankAccountFactory(entity=entity_de, iban="", account_number="1966315302010001"),
        "swiss": OwnBankAccountFactory(entity=entity_de, iban="", account_number="0035-2915203-10-000"),
        "uk": OwnBankAccountFactory(entity=entity_gb, iban="", account_number="31926819", currency="GBP"),
    }


def named(**ref: str) -> list[str]:
    return [account.account_number or account.iban for account in own_accounts_named(AccountRef(**ref))]


@pytest.mark.parametrize(
    "ref",
    [
        {"iban": "DE89370400440532013000"},  # camt Id/IBAN
        {"iban": "de89 3704 0044 0532 0130 00"},
        {"other_id": "DE89370400440532013000"},  # an IBAN given as Othr/Id
        {"other_id": "DE89370400440532013000EUR", "currency": "EUR"},  # MT940 :25: IBAN with its currency
    ],
)
def test_an_iban_is_found_however_it_is_written(accounts, ref):
    assert own_accounts_named(AccountRef(**ref)) == [accounts["iban"]]


@pytest.mark.parametrize(
    ("ref", "key"),
    [
        ({"other_id": "1966315302010001"}, "hungary"),  # camt Othr/Id, a local account number
        ({"other_id": "19663153-02010001"}, "hungary"),  # with dashes
        ({"other_id": "0035-2915203-10-000"}, "swiss"),  # as our account is registered
        ({"other_id": "0035 2915203 10 000"}, "swiss"),  # with spaces instead of dashes
        ({"other_id": "0035.2915203.10.000"}, "swiss"),  # with dots
        ({"other_id": "UBSWCHZH80A/0035-2915203-10-000"}, "swiss"),  # MT940 :25: BIC/account
        ({"other_id": "GIBAHUHB/1966315302010001"}, "hungary"),
        ({"other_id": "1966315302010001HUF", "currency": "HUF"}, "hungary"),  # MT940 :25: account + currency
        ({"other_id": "1966315302010001HUF"}, "hungary"),  # the currency read off the suffix
        ({"other_id": "31926819", "currency": "GBP"}, "uk"),  # BAI2 03 account number
    ],
)
def test_a_local_account_number_is_found_however_it_is_written(accounts, ref, key):
    assert own_accounts_named(AccountRef(**ref)) == [accounts[key]]


def test_an_mt940_bank_code_and_account_finds_the_account_by_its_number(entity_de):
    account = OwnBankAccountFactory(entity=entity_de, iban="", account_number="0532013000")

    assert own_accounts_named(AccountRef(other_id="37040044/0532013000")) == [account]


def test_the_number_as_written_wins_over_the_number_after_a_bank_code(entity_de):
    whole = OwnBankAccountFactory(entity=entity_de, iban="", account_number="37040044/0532013000")
    OwnBankAccountFactory(entity=entity_de, iban="", account_number="0532013000", routing_number="")

    assert own_accounts_named(AccountRef(other_id="37040044/0532013000")) == [whole]


def test_the_routing_number_tells_accounts_with_the_same_number_apart(db):
    us = LegalEntityFactory(code="US01", country="US", base_currency="USD")
    chase = OwnBankAccountFactory(entity=us, iban="", account_number="123456789", routing_number="021000021")
    boa = OwnBankAccountFactory(entity=us, iban="", account_number="123456789", routing_number="026009593")

    assert own_accounts_named(AccountRef(other_id="123456789", routing_number="026009593")) == [boa]  # BAI2 originator
    assert own_accounts_named(AccountRef(other_id="021000021/123456789")) == [chase]  # MT940 :25: routing/account
    assert set(own_accounts_named(AccountRef(other_id="123456789"))) == {chase, boa}  # ambiguous: both


def test_an_account_we_do_not_hold_names_nothing(accounts):
    assert named(iban="FR1420041010050500013M02606") == []
    assert named(other_id="99999999") == []
    assert named(other_id="COBADEFFXXX/0532013001") == []


def test_a_counterpartys_account_is_never_ours(db):
    CounterpartyBankAccountFactory(iban="", account_number="55555555")

    assert named(other_id="55555555") == []


def test_the_search_can_be_limited_to_some_entities(accounts, entity_de, entity_gb):
    ref = AccountRef(other_id="31926819")

    assert own_accounts_named(ref, entity_ids={entity_gb.pk}) == [accounts["uk"]]
    assert own_accounts_named(ref, entity_ids={entity_de.pk}) == []


def test_readings_and_normalising_name_each_tier():
    readings = own_account_readings(AccountRef(other_id="COBADEFF XXX/0532-0130 00EUR", currency="EUR"))

    assert normalized(" de89-3704.0044 ") == "DE8937040044"
    assert readings.numbers == {
        "COBADEFFXXX/0532013000EUR": 1,  # as written
        "0532013000EUR": 2,  # after the BIC
        "COBADEFFXXX/0532013000": 2,  # without the currency
        "0532013000": 2,  # both
    }
    assert readings.ibans == frozenset()
