"""Migration 0004 moves routing_number into a bank code of kind ABA and gives every account and
bank-detail change its country, so existing data obeys the new constraints."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("masterdata", "0003_default_systems_of_record")]
AFTER = [("masterdata", "0004_bank_account_identifiers")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0003():
    apps = _migrate(BEFORE)
    yield apps
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_routing_numbers_become_aba_codes_and_every_account_gets_its_country(at_0003):
    LegalEntity = at_0003.get_model("masterdata", "LegalEntity")
    Counterparty = at_0003.get_model("masterdata", "Counterparty")
    BankAccount = at_0003.get_model("masterdata", "BankAccount")
    BankAccountChange = at_0003.get_model("masterdata", "BankAccountChange")
    us = LegalEntity.objects.create(code="US01", name="Inc", country="US", base_currency="USD", external_id="US01")
    supplier = Counterparty.objects.create(name="Acme", country="FR", is_supplier=True, external_id="S1")
    payroll = BankAccount.objects.create(
        entity=us,
        name="Payroll",
        account_number="123456789",
        routing_number="021000021",
        currency="USD",
        external_id="a",
    )
    paris = BankAccount.objects.create(
        counterparty=supplier, name="Acme", iban="FR1420041010050500013M02606", currency="EUR", external_id="b"
    )
    change = BankAccountChange.objects.create(
        entity=us,
        counterparty=supplier,
        account_number="987654321",
        routing_number="026009593",
        currency="USD",
        external_id="c",
    )

    apps = _migrate(AFTER)

    migrated = apps.get_model("masterdata", "BankAccount").objects
    assert migrated.values("bank_code_kind", "bank_code", "country").get(pk=payroll.pk) == {
        "bank_code_kind": "aba",
        "bank_code": "021000021",
        "country": "US",
    }
    assert migrated.values_list("country", "bank_code").get(pk=paris.pk) == ("FR", "")
    assert apps.get_model("masterdata", "BankAccountChange").objects.values_list(
        "bank_code_kind", "bank_code", "country"
    ).get(pk=change.pk) == ("aba", "026009593", "US")
