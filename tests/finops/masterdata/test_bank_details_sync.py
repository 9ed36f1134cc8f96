"""A sync never floods the controllers: a counterparty's first bank details from their system of
record (by default the procurement suite, for suppliers) are its account on file; only that owner
asks for a change of them later; another source opens a conflict when it disagrees with what is on
file and nothing otherwise; the account keeps its own currency and country; one supplier in three
entities is one change."""

from __future__ import annotations

import pytest

from finops.audit.models import AuditEvent
from finops.masterdata.models import BankAccount, BankAccountChange
from finops.masterdata.services import Outcome, counterparty_upsert
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.states import ExceptionKind
from tests.factories import LegalEntityFactory

DE_IBAN = "DE89370400440532013000"
FR_IBAN = "FR1420041010050500013M02606"
SUPPLIER = {"name": "Acme Metals GmbH", "country": "DE", "tax_id": "DE123456789"}


def _upsert(source: str, bank: dict[str, str], entity, external_id: str = "V-1"):
    return counterparty_upsert(
        source=source, external_id=external_id, data={**SUPPLIER, "bank_account": bank}, kind="supplier", entity=entity
    )


def _conflicts():
    return ExceptionItem.objects.filter(kind=ExceptionKind.MASTER_DATA_CONFLICT)


def test_the_erp_does_not_open_a_change_for_supplier_bank_details_it_does_not_own(entity_gb):
    result = _upsert("erp", {"iban": DE_IBAN}, entity_gb)

    assert result.outcome == Outcome.CREATED
    assert result.bank_change is None
    assert not BankAccountChange.objects.exists()
    assert not _conflicts().exists()


def test_the_erp_agreeing_with_the_owner_is_quiet_and_disagreeing_is_a_conflict(entity_gb, entity_de):
    owner = _upsert("procurement", {"iban": DE_IBAN}, entity_de, external_id="SUP-1")

    agrees = counterparty_upsert(
        source="erp",
        external_id="V-1",
        data={**SUPPLIER, "bank_account": {"iban": DE_IBAN}},
        kind="supplier",
        entity=entity_gb,
    )
    disagrees = counterparty_upsert(
        source="erp",
        external_id="V-1",
        data={**SUPPLIER, "bank_account": {"iban": FR_IBAN}},
        kind="supplier",
        entity=entity_gb,
    )

    assert owner.bank_change is None  # the first details from their owner are on file at once
    assert owner.counterparty.bank_accounts.get(is_active=True).iban == DE_IBAN
    assert agrees.counterparty == owner.counterparty
    assert (agrees.outcome, agrees.bank_change) == (Outcome.UNCHANGED, None)
    assert disagrees.outcome == Outcome.CONFLICT
    assert not BankAccountChange.objects.exists()
    conflict = _conflicts().get()
    assert (conflict.detail["incoming source"], conflict.detail["system of record"]) == ("erp", "procurement")


@pytest.mark.parametrize(
    ("bank", "currency", "country"),
    [
        ({"iban": DE_IBAN}, "EUR", "DE"),
        ({"iban": FR_IBAN}, "EUR", "FR"),
        ({"account_number": "123456789", "routing_number": "021000021"}, "USD", "US"),
        ({"iban": DE_IBAN, "currency": "USD"}, "USD", "DE"),
    ],
)
def test_a_counterpartys_account_keeps_its_own_currency_and_country(entity_gb, bank, currency, country):
    first = _upsert("procurement", {"iban": "NL91ABNA0417164300", "currency": "EUR"}, entity_gb)
    result = _upsert("procurement", bank, entity_gb)

    assert first.counterparty == result.counterparty
    change = result.bank_change
    assert (change.currency, change.country) == (currency, country)
    assert (change.bank_account.currency, change.bank_account.country) == (currency, country)


@pytest.mark.parametrize(
    ("bank", "currency", "country"),
    [({"iban": FR_IBAN}, "EUR", "FR"), ({"account_number": "123456789", "routing_number": "021000021"}, "USD", "US")],
)
def test_a_counterpartys_first_account_from_its_owner_is_on_file_in_its_own_currency(
    entity_gb, bank, currency, country
):
    result = _upsert("procurement", bank, entity_gb)

    account = result.counterparty.bank_accounts.get()
    assert (result.outcome, result.bank_change) == (Outcome.CREATED, None)
    assert (account.currency, account.country, account.is_active, account.source) == (
        currency,
        country,
        True,
        "procurement",
    )
    assert not BankAccountChange.objects.exists()
    onboarded = AuditEvent.objects.get(object_type="masterdata.BankAccount", object_id=str(account.pk))
    assert onboarded.action == "bank_account.onboarded"
    assert "procurement" in onboarded.reason


def test_one_supplier_in_three_entities_is_one_change(entity_de, entity_gb):
    entity_us = LegalEntityFactory(code="US01", country="US", base_currency="USD")

    _upsert("procurement", {"iban": DE_IBAN}, entity_de)  # on file since onboarding

    results = [_upsert("procurement", {"iban": FR_IBAN}, entity) for entity in (entity_gb, entity_de, entity_us)]

    assert BankAccountChange.objects.count() == 1
    assert results[0].bank_change is not None
    assert [r.bank_change for r in results[1:]] == [None, None]
    assert BankAccountChange.objects.get().currency == "EUR"
    assert BankAccount.objects.filter(iban=FR_IBAN, is_active=True).count() == 0  # payable only once verified
