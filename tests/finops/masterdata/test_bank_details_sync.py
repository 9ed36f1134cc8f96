"""A sync never floods the controllers: only the system of record for bank details (by default the
procurement suite, for suppliers) asks for a bank-detail change; another source opens a conflict
when it disagrees with what is on file and nothing otherwise; the account keeps its own currency
and country; one supplier in three entities is one change."""

from __future__ import annotations

import pytest

from finops.masterdata.models import BankAccountChange
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

    assert owner.bank_change is not None
    assert agrees.counterparty == owner.counterparty
    assert (agrees.outcome, agrees.bank_change) == (Outcome.UNCHANGED, None)
    assert disagrees.outcome == Outcome.CONFLICT
    assert BankAccountChange.objects.count() == 1
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
    result = _upsert("procurement", bank, entity_gb)

    change = result.bank_change
    assert (change.currency, change.country) == (currency, country)
    assert (change.bank_account.currency, change.bank_account.country) == (currency, country)


def test_one_supplier_in_three_entities_is_one_change(entity_de, entity_gb):
    entity_us = LegalEntityFactory(code="US01", country="US", base_currency="USD")

    results = [_upsert("procurement", {"iban": DE_IBAN}, entity) for entity in (entity_gb, entity_de, entity_us)]

    assert BankAccountChange.objects.count() == 1
    assert results[0].bank_change is not None
    assert [r.bank_change for r in results[1:]] == [None, None]
    assert BankAccountChange.objects.get().currency == "EUR"
