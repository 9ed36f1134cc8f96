"""Bank details never change around the workflow: Django admin shows a counterparty's account
identifiers and its active flag read-only, a change that arrives from a system needs one person
to verify it (the call-back) and another to activate it, and the approval policy edited in admin
leaves an audit event with before and after."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from finops.accounts.sod import SegregationOfDutiesError
from finops.audit.models import AuditEvent
from finops.masterdata.models import BankAccount, BankAccountChange, FieldOwnership
from finops.masterdata.services import BankDetails, bank_change_activate, bank_change_record, bank_change_verify
from tests.factories import CounterpartyBankAccountFactory, CounterpartyFactory, OwnBankAccountFactory, UserFactory

NEW = BankDetails(iban="GB29NWBK60161331926819", bic="NWBKGB2L", currency="GBP")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def supplier_account(entity_de):
    supplier = CounterpartyFactory(entities=[entity_de])
    return CounterpartyBankAccountFactory(counterparty=supplier, iban="DE89370400440532013000", is_active=False)


def _admin_change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_admin_shows_a_counterpartys_account_identifiers_and_active_flag_read_only(client, superuser, supplier_account):
    client.force_login(superuser)
    url = _admin_change_url(supplier_account)

    page = client.get(url)
    client.post(
        url,
        {
            "name": "renamed",
            "iban": "GB29NWBK60161331926819",
            "bic": "NWBKGB2L",
            "account_number": "1",
            "bank_code": "200000",
            "bank_code_kind": "gb_sort_code",
            "country": "GB",
            "currency": "EUR",
            "is_active": "on",
            "source": "test",
            "external_id": supplier_account.external_id,
        },
    )

    html = page.content.decode()
    assert page.status_code == 200
    for field in ("iban", "bic", "account_number", "bank_code", "bank_code_kind", "country", "is_active"):
        assert f'name="{field}"' not in html, field
    supplier_account.refresh_from_db()
    assert (supplier_account.iban, supplier_account.bic, supplier_account.is_active) == (
        "DE89370400440532013000",
        "COBADEFFXXX",
        False,
    )


def test_admin_still_edits_our_own_accounts_and_cannot_add_one_for_a_counterparty(client, superuser, entity_de):
    own = OwnBankAccountFactory(entity=entity_de)
    client.force_login(superuser)

    own_page = client.get(_admin_change_url(own)).content.decode()
    add_page = client.get(reverse("admin:masterdata_bankaccount_add")).content.decode()

    assert 'name="iban"' in own_page
    assert 'name="counterparty"' not in add_page
    assert 'name="entity"' in add_page


@pytest.fixture
def change_from_the_erp(entity_de):
    supplier = CounterpartyFactory(entities=[entity_de])
    return bank_change_record(
        counterparty=supplier, details=NEW, entity=entity_de, source="erp", requested_by=None, reason="ERP sync"
    )


def test_a_change_from_a_system_needs_a_second_person_to_activate_it(
    change_from_the_erp, controller_de, controller2_de
):
    bank_change_verify(change_from_the_erp.pk, controller_de)

    with pytest.raises(SegregationOfDutiesError, match="another controller must activate"):
        bank_change_activate(change_from_the_erp.pk, controller_de)
    activated = bank_change_activate(change_from_the_erp.pk, controller2_de)

    assert (activated.verified_by, activated.activated_by, activated.state) == (controller_de, controller2_de, "active")


def test_the_database_refuses_one_person_verifying_and_activating_a_system_change(change_from_the_erp, controller_de):
    bank_change_verify(change_from_the_erp.pk, controller_de)

    with pytest.raises(IntegrityError, match="bankaccountchange_system_change_two_people"), transaction.atomic():
        BankAccountChange.objects.filter(pk=change_from_the_erp.pk).update(activated_by=controller_de)


def test_the_page_does_not_offer_activation_to_the_verifier_of_a_system_change(
    client, change_from_the_erp, controller_de
):
    bank_change_verify(change_from_the_erp.pk, controller_de)
    client.force_login(controller_de)

    page = client.get(reverse("masterdata:bankchange-detail", args=[change_from_the_erp.pk])).content.decode()

    assert "Activate the new details" not in page
    assert "You verified this change; another controller must activate it." in page


def test_a_threshold_changed_in_admin_is_audited_with_before_and_after(client, superuser, entity_de):
    client.force_login(superuser)
    url = _admin_change_url(entity_de)

    response = client.post(
        url,
        {
            "code": "DE01",
            "name": entity_de.name,
            "country": "DE",
            "base_currency": "EUR",
            "dual_approval_threshold": "10000",
            "source": entity_de.source,
            "external_id": entity_de.external_id,
            "correlation_id": entity_de.correlation_id,
            "updated_at_0": "2026-01-01",
            "updated_at_1": "00:00:00",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="legalentity.admin_changed")
    assert (event.actor, event.before, event.after) == (
        superuser,
        {"dual_approval_threshold": "50000.0000"},
        {"dual_approval_threshold": "10000"},
    )
    entity_de.refresh_from_db()
    assert entity_de.dual_approval_threshold == Decimal("10000")


def test_a_system_of_record_changed_in_admin_is_audited(client, superuser, db):
    # made here, not taken from the migration's seed: a transactional test elsewhere may have flushed it
    row, _ = FieldOwnership.objects.update_or_create(
        kind="supplier", field="bank_account", entity=None, defaults={"source": "procurement", "note": "default"}
    )
    client.force_login(superuser)

    client.post(
        _admin_change_url(row), {"kind": "supplier", "field": "bank_account", "source": "erp", "note": row.note}
    )

    event = AuditEvent.objects.get(action="fieldownership.admin_changed")
    assert (event.before, event.after) == ({"source": "procurement"}, {"source": "erp"})
    assert BankAccount.objects.count() == 0
