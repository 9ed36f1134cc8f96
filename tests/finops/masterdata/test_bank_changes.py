"""Bank-detail changes: requested → verified → active | rejected, segregation of duties, held payments."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from finops.accounts.sod import SegregationOfDutiesError
from finops.audit.models import AuditEvent
from finops.core.workflow import WorkflowError
from finops.masterdata.models import BankAccountChange
from finops.masterdata.services import (
    BankDetails,
    bank_change_activate,
    bank_change_reject,
    bank_change_request,
    bank_change_verify,
)
from finops.payables.services import payment_hold_if_unverified
from finops.payables.states import PaymentState
from tests.factories import CounterpartyBankAccountFactory, CounterpartyFactory, PaymentFactory

OLD_IBAN = "DE89370400440532013000"
NEW = BankDetails(iban="GB29NWBK60161331926819", bic="NWBKGB2L", currency="EUR")


@pytest.fixture
def supplier_de(entity_de):
    supplier = CounterpartyFactory(entities=[entity_de])
    CounterpartyBankAccountFactory(counterparty=supplier, iban=OLD_IBAN, currency="EUR")
    return supplier


@pytest.fixture
def change_de(supplier_de, entity_de, controller_de):
    """Requested by controller_de, so only another controller may verify it."""
    return bank_change_request(
        counterparty=supplier_de, details=NEW, entity=entity_de, source="manual", requested_by=controller_de
    )


@pytest.fixture
def held_payment(change_de, entity_de, supplier_de):
    payment = PaymentFactory(entity=entity_de, counterparty=supplier_de, beneficiary_account=change_de.bank_account)
    payment_hold_if_unverified(payment)
    return payment


def test_a_request_creates_an_inactive_account_and_an_audited_change(change_de, supplier_de, controller_de):
    assert change_de.state == "requested"
    assert change_de.bank_account.iban == NEW.iban
    assert change_de.bank_account.is_active is False
    assert AuditEvent.objects.filter(
        action="bank_change.requested", object_id=str(change_de.pk), actor=controller_de
    ).exists()
    assert list(supplier_de.bank_accounts.filter(is_active=True).values_list("iban", flat=True)) == [OLD_IBAN]


def test_requesting_the_same_details_twice_returns_the_pending_change(change_de, supplier_de, entity_de):
    again = bank_change_request(counterparty=supplier_de, details=NEW, entity=entity_de)

    assert again.pk == change_de.pk
    assert BankAccountChange.objects.count() == 1


def test_invalid_details_are_refused(supplier_de, entity_de):
    with pytest.raises(ValidationError, match="not a valid BIC"):
        bank_change_request(
            counterparty=supplier_de,
            details=BankDetails(iban=NEW.iban, bic="NOTABIC", currency="EUR"),
            entity=entity_de,
        )

    assert not BankAccountChange.objects.exists()


def test_the_requester_cannot_verify(change_de, controller_de):
    with pytest.raises(SegregationOfDutiesError, match="another controller"):
        bank_change_verify(change_de.pk, controller_de)

    change_de.refresh_from_db()
    assert change_de.state == "requested"


def test_the_database_refuses_a_verifier_who_is_the_requester(change_de, controller_de):
    with pytest.raises(IntegrityError, match="bankaccountchange_verifier_is_not_requester"), transaction.atomic():
        BankAccountChange.objects.filter(pk=change_de.pk).update(verified_by=controller_de)


def test_a_clerk_cannot_verify(change_de, clerk_de):
    with pytest.raises(PermissionDenied):
        bank_change_verify(change_de.pk, clerk_de)


def test_another_entitys_controller_does_not_see_the_change(change_de, controller_gb):
    with pytest.raises(Http404):
        bank_change_verify(change_de.pk, controller_gb)


def test_activation_needs_verification_first(change_de, controller2_de):
    with pytest.raises(WorkflowError, match="not verified"):
        bank_change_activate(change_de.pk, controller2_de)


def test_verify_and_activate_switch_the_account_and_release_the_held_payment(
    held_payment, change_de, supplier_de, controller2_de
):
    assert held_payment.state == PaymentState.HELD

    bank_change_verify(change_de.pk, controller2_de)
    bank_change_activate(change_de.pk, controller2_de)

    change_de.refresh_from_db()
    assert (change_de.state, change_de.verified_by, change_de.activated_by) == (
        "active",
        controller2_de,
        controller2_de,
    )
    assert change_de.verified_at is not None
    assert change_de.activated_at is not None
    assert list(supplier_de.bank_accounts.filter(is_active=True).values_list("iban", flat=True)) == [NEW.iban]
    held_payment.refresh_from_db()
    assert (held_payment.state, held_payment.status_reason) == (PaymentState.PROPOSED, "")
    actions = set(
        AuditEvent.objects.filter(object_id=str(change_de.pk), object_type="masterdata.BankAccountChange").values_list(
            "action", flat=True
        )
    )
    assert {"requested->verified", "verified->active"} <= actions


def test_proposed_payments_to_the_replaced_account_are_held(change_de, supplier_de, entity_de, controller2_de):
    old = supplier_de.bank_accounts.get(iban=OLD_IBAN)
    to_old = PaymentFactory(entity=entity_de, counterparty=supplier_de, beneficiary_account=old)
    bank_change_verify(change_de.pk, controller2_de)

    bank_change_activate(change_de.pk, controller2_de)

    to_old.refresh_from_db()
    assert to_old.state == PaymentState.HELD
    assert "replaced" in to_old.status_reason


def test_reject_records_the_reason_and_keeps_payments_to_the_new_account_held(held_payment, change_de, controller2_de):
    bank_change_reject(change_de.pk, controller2_de, "Caller could not confirm the account on a known number.")

    change_de.refresh_from_db()
    assert (change_de.state, change_de.rejected_by) == ("rejected", controller2_de)
    assert change_de.rejection_reason.startswith("Caller could not confirm")
    assert change_de.bank_account.is_active is False
    held_payment.refresh_from_db()
    assert held_payment.state == PaymentState.HELD
    with pytest.raises(WorkflowError):
        bank_change_verify(change_de.pk, controller2_de)


def test_reject_needs_a_reason(change_de, controller2_de):
    with pytest.raises(WorkflowError, match="Say why"):
        bank_change_reject(change_de.pk, controller2_de, "  ")


def test_a_bic_correction_holds_payments_to_the_active_account_until_decided(supplier_de, entity_de, controller2_de):
    old = supplier_de.bank_accounts.get(iban=OLD_IBAN)
    payment = PaymentFactory(entity=entity_de, counterparty=supplier_de, beneficiary_account=old)

    change = bank_change_request(
        counterparty=supplier_de,
        details=BankDetails(iban=OLD_IBAN, bic="DEUTDEFFXXX", currency="EUR"),
        entity=entity_de,
    )

    payment.refresh_from_db()
    assert change.bank_account == old
    assert payment.state == PaymentState.HELD
    bank_change_reject(change.pk, controller2_de, "The supplier did not ask for this.")
    payment.refresh_from_db()
    assert payment.state == PaymentState.PROPOSED
