"""counterparty_upsert: systems of record, master-data conflicts, cross-references, and bank details
that never change without a verified BankAccountChange."""

import pytest
from django.core.exceptions import ValidationError

from finops.accounts.sod import SegregationOfDutiesError
from finops.audit.models import AuditEvent
from finops.masterdata.models import BankAccountChange, Counterparty, ExternalRef, FieldOwnership
from finops.masterdata.services import Outcome, bank_change_verify, counterparty_upsert
from finops.masterdata.sor import field_owners
from finops.payables.services import payment_hold_if_unverified
from finops.payables.states import PaymentState
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.states import ExceptionKind
from tests.factories import CounterpartyBankAccountFactory, PaymentFactory

OLD_IBAN = "DE89370400440532013000"
NEW_IBAN = "GB29NWBK60161331926819"


@pytest.fixture
def acme(entity_de):
    """A supplier the ERP created, with bank details already verified and active."""
    result = counterparty_upsert(
        source="erp",
        external_id="V-100",
        data={"name": "Acme Metals GmbH", "country": "DE", "tax_id": "DE 123 456 789"},
        kind="supplier",
    )
    counterparty = result.counterparty
    counterparty.entities.add(entity_de)
    CounterpartyBankAccountFactory(counterparty=counterparty, iban=OLD_IBAN, bic="COBADEFFXXX", currency="EUR")
    return counterparty


def test_the_default_systems_of_record(db):
    assert field_owners(kind="supplier") == {
        "name": "erp",
        "tax_id": "erp",
        "country": "erp",
        "status": "erp",
        "bank_account": "procurement",
    }
    assert field_owners(kind="customer")["bank_account"] == "erp"


def test_an_entity_may_override_the_group_default(entity_de, entity_gb):
    FieldOwnership.objects.create(kind="supplier", field="name", source="procurement", entity=entity_de)

    assert field_owners(kind="supplier", entity=entity_de)["name"] == "procurement"
    assert field_owners(kind="supplier", entity=entity_gb)["name"] == "erp"
    assert field_owners(kind="supplier")["name"] == "erp"


def test_a_new_counterparty_gets_an_external_ref_and_an_audit_event(db):
    result = counterparty_upsert(source="erp", external_id="V-1", data={"name": "Nova AG"}, kind="supplier")

    assert result.outcome == Outcome.CREATED
    assert ExternalRef.objects.filter(source="erp", external_id="V-1", object_id=result.counterparty.pk).exists()
    assert AuditEvent.objects.filter(action="counterparty.created", object_id=str(result.counterparty.pk)).exists()


def test_a_new_counterparty_needs_a_name(db):
    with pytest.raises(ValidationError, match="needs a name"):
        counterparty_upsert(source="erp", external_id="V-1", data={"country": "DE"}, kind="supplier")

    assert not Counterparty.objects.exists()


def test_a_non_owner_with_a_different_name_opens_a_conflict_and_changes_nothing(acme, entity_de):
    result = counterparty_upsert(
        source="procurement",
        external_id="SUP-77",
        data={"name": "ACME Germany", "tax_id": "DE123456789"},
        kind="supplier",
    )

    assert result.outcome == Outcome.CONFLICT
    assert result.matched_by == "tax_id"
    assert result.counterparty.pk == acme.pk
    acme.refresh_from_db()
    assert acme.name == "Acme Metals GmbH"
    item = ExceptionItem.objects.get(kind=ExceptionKind.MASTER_DATA_CONFLICT)
    assert item.entity == entity_de
    assert item.dedupe_key == "master_data_conflict:masterdata.Counterparty:erp:V-100:name"
    assert item.detail["current value"] == "Acme Metals GmbH"
    assert item.detail["current source"] == "erp"
    assert item.detail["incoming value"] == "ACME Germany"
    assert item.detail["incoming source"] == "procurement"
    assert ExternalRef.objects.get(source="procurement", external_id="SUP-77").object_id == acme.pk


def test_the_same_conflict_sent_again_keeps_one_open_exception(acme):
    for _ in range(2):
        result = counterparty_upsert(
            source="procurement",
            external_id="SUP-77",
            data={"name": "ACME Germany"},
            kind="supplier",
            same_as=("erp", "V-100"),
        )

    assert result.outcome == Outcome.CONFLICT
    assert result.matched_by == "reference"  # the second time, through the ExternalRef the first one left
    assert ExceptionItem.objects.filter(kind=ExceptionKind.MASTER_DATA_CONFLICT).count() == 1


def test_the_same_value_from_a_non_owner_is_no_conflict(acme):
    result = counterparty_upsert(
        source="procurement",
        external_id="SUP-77",
        data={"name": "Acme Metals GmbH", "tax_id": "DE123456789"},
        kind="supplier",
    )

    assert result.outcome == Outcome.UNCHANGED
    assert not ExceptionItem.objects.exists()


def test_the_owner_sends_a_new_name_and_it_is_applied(acme):
    result = counterparty_upsert(source="erp", external_id="V-100", data={"name": "Acme Metals SE"}, kind="supplier")

    assert result.outcome == Outcome.UPDATED
    assert result.changed == ("name",)
    acme.refresh_from_db()
    assert acme.name == "Acme Metals SE"
    event = AuditEvent.objects.get(action="counterparty.updated", object_id=str(acme.pk))
    assert (event.before, event.after) == ({"name": "Acme Metals GmbH"}, {"name": "Acme Metals SE"})


def test_a_blocked_status_from_a_non_owner_is_a_conflict(acme):
    result = counterparty_upsert(
        source="procurement",
        external_id="SUP-77",
        data={"status": "blocked"},
        kind="supplier",
        same_as=("erp", "V-100"),
    )

    assert result.outcome == Outcome.CONFLICT
    acme.refresh_from_db()
    assert not acme.is_blocked


def test_re_sending_the_same_record_changes_nothing(acme):
    before = AuditEvent.objects.count()

    result = counterparty_upsert(
        source="erp", external_id="V-100", data={"name": "Acme Metals GmbH", "country": "DE"}, kind="supplier"
    )

    assert result.outcome == Outcome.UNCHANGED
    assert AuditEvent.objects.count() == before


def test_a_customer_record_makes_a_supplier_a_customer_too(acme):
    result = counterparty_upsert(source="erp", external_id="V-100", data={"name": "Acme Metals GmbH"}, kind="customer")

    assert result.outcome == Outcome.UPDATED
    acme.refresh_from_db()
    assert acme.is_supplier
    assert acme.is_customer


def test_bank_details_from_their_owner_become_a_requested_change_and_payments_to_them_wait(acme, entity_de):
    result = counterparty_upsert(
        source="procurement",
        external_id="SUP-77",
        data={"tax_id": "DE123456789", "bank_account": {"iban": NEW_IBAN, "bic": "NWBKGB2L"}},
        kind="supplier",
    )

    assert result.outcome == Outcome.UPDATED
    change = result.bank_change
    assert change is not None
    # a UK account in its own currency: neither the entity's nor that of the German account it replaces
    assert (change.state, change.iban, change.entity, change.currency) == ("requested", NEW_IBAN, entity_de, "GBP")
    active = list(acme.bank_accounts.filter(is_active=True).values_list("iban", flat=True))
    assert active == [OLD_IBAN], "the active account is unchanged until the change is verified"
    payment = PaymentFactory(entity=entity_de, counterparty=acme, beneficiary_account=change.bank_account)
    assert payment_hold_if_unverified(payment) is True
    payment.refresh_from_db()
    assert payment.state == PaymentState.HELD
    assert f"change {change.pk}" in payment.status_reason


def test_the_same_bank_details_sent_again_ask_for_nothing_new(acme):
    data = {"bank_account": {"iban": NEW_IBAN, "bic": "NWBKGB2L"}}
    counterparty_upsert(
        source="procurement", external_id="SUP-77", data=data, kind="supplier", same_as=("erp", "V-100")
    )

    again = counterparty_upsert(source="procurement", external_id="SUP-77", data=data, kind="supplier")

    assert again.outcome == Outcome.UNCHANGED
    assert BankAccountChange.objects.count() == 1


def test_bank_details_from_a_non_owner_are_a_conflict_not_a_change(acme):
    result = counterparty_upsert(
        source="erp", external_id="V-100", data={"bank_account": {"iban": NEW_IBAN}}, kind="supplier"
    )

    assert result.outcome == Outcome.CONFLICT
    assert not BankAccountChange.objects.exists()
    item = ExceptionItem.objects.get(kind=ExceptionKind.MASTER_DATA_CONFLICT)
    assert item.detail["field"] == "bank_account"
    assert item.detail["system of record"] == "procurement"
    assert NEW_IBAN in item.detail["incoming value"]


def test_invalid_bank_details_are_refused_with_a_clear_message(acme):
    result = counterparty_upsert(
        source="procurement",
        external_id="SUP-77",
        data={"bank_account": {"iban": "DE89370400440532013001"}},
        kind="supplier",
        same_as=("erp", "V-100"),
    )

    assert result.outcome == Outcome.CONFLICT
    assert not BankAccountChange.objects.exists()
    item = ExceptionItem.objects.get(kind=ExceptionKind.MASTER_DATA_CONFLICT)
    assert "not a valid IBAN" in item.title


def test_a_payment_to_an_active_account_without_a_pending_change_is_not_held(acme, entity_de):
    payment = PaymentFactory(entity=entity_de, counterparty=acme, beneficiary_account=acme.bank_accounts.get())

    assert payment_hold_if_unverified(payment) is False
    payment.refresh_from_db()
    assert payment.state == PaymentState.PROPOSED


def test_unknown_data_keys_are_refused(db):
    with pytest.raises(ValidationError, match="Unknown counterparty fields: vat"):
        counterparty_upsert(source="erp", external_id="V-1", data={"name": "X", "vat": "1"}, kind="supplier")


def test_the_user_who_started_a_sync_is_the_requester_and_cannot_verify(acme, controller_de):
    result = counterparty_upsert(
        source="procurement",
        external_id="SUP-77",
        data={"bank_account": {"iban": NEW_IBAN}},
        kind="supplier",
        same_as=("erp", "V-100"),
        actor=controller_de,
    )

    assert result.bank_change is not None
    assert result.bank_change.requested_by == controller_de
    with pytest.raises(SegregationOfDutiesError):
        bank_change_verify(result.bank_change.pk, controller_de)
