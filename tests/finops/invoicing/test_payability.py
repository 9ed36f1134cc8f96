"""Payable, or why not: what the payment services ask before an invoice joins a payment, the service
that proposes invoices for payment only through that question, and the database that refuses an
invoice on hold whatever the code does."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from finops.invoicing.models import Invoice
from finops.invoicing.selectors import invoice_payability, invoices_payability
from finops.invoicing.services.decisions import invoice_approve
from finops.invoicing.services.proposals import NotPayable, invoices_propose
from finops.invoicing.states import InvoiceState
from finops.masterdata.models import Counterparty
from finops.payables.models import PaymentAllocation
from tests.factories import PaymentFactory
from tests.reconciliation.matching.ap_world import ApWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(world, clerk_de) -> ApWorld:
    """The matched AP world with its clean invoice approved."""
    invoice_approve(invoice_id=world["clean"].pk, actor=clerk_de)
    return world


@pytest.fixture
def payment(world):
    account = world.supplier.bank_accounts.get()
    return PaymentFactory(entity=world.entity, counterparty=world.supplier, beneficiary_account=account)


def test_an_approved_invoice_without_holds_is_payable_and_every_other_says_why_not(world):
    answers = invoices_payability([inv.pk for inv in world.invoices.values()])

    assert answers[world["clean"].pk].payable
    price = answers[world["price"].pk].reasons
    assert "its 3-way match exception is not resolved" in price
    assert any(r.startswith("on hold (3-way match exception): Line 1") for r in price)
    assert answers[world["duplicate"].pk].reasons[1].startswith("on hold (suspected duplicate): Invoice re 2026 1")
    assert answers[world["non_po"].pk].reasons == ("it quotes no purchase order and waits for an approver",)


def test_a_supplier_blocked_since_the_last_run_is_not_payable_already(world):
    Counterparty.objects.filter(pk=world.supplier.pk).update(is_blocked=True)

    assert invoice_payability(world["clean"]).reasons == ("the supplier is blocked",)


def test_proposing_refuses_the_whole_lot_naming_each_invoice_that_may_not_be_paid(world, payment, clerk_de):
    clean, price = world["clean"], world["price"]

    with pytest.raises(NotPayable) as refused:
        invoices_propose(payment=payment, allocations=[(clean, clean.amount), (price, price.amount)], actor=clerk_de)

    assert "RE-2026-0002: its 3-way match exception is not resolved" in str(refused.value)
    assert "RE-2026-0001" not in str(refused.value)
    assert not PaymentAllocation.objects.exists()
    assert Invoice.objects.get(pk=clean.pk).state == InvoiceState.APPROVED


def test_proposing_a_payable_invoice_allocates_it_and_moves_it_to_proposed(world, payment, clerk_de):
    clean = world["clean"]

    invoices_propose(payment=payment, allocations=[(clean, Decimal("100.00"))], actor=clerk_de)

    assert PaymentAllocation.objects.get().invoice_id == clean.pk
    assert Invoice.objects.get(pk=clean.pk).state == InvoiceState.PROPOSED
    assert invoice_payability(clean).reasons == ("it is already proposed for payment",)


def test_more_than_is_open_is_refused(world, payment, clerk_de):
    clean = world["clean"]

    with pytest.raises(NotPayable, match="is not between 0 and its open amount"):
        invoices_propose(payment=payment, allocations=[(clean, Decimal("100.01"))], actor=clerk_de)


def test_the_database_refuses_to_propose_or_allocate_an_invoice_on_hold(world, payment):
    price = world["price"]
    Invoice.objects.filter(pk=price.pk).update(state=InvoiceState.APPROVED)  # past the workflow, on purpose

    with pytest.raises(IntegrityError, match="is on hold \\(match_exception\\)"), transaction.atomic():
        Invoice.objects.filter(pk=price.pk).update(state=InvoiceState.PROPOSED)
    with pytest.raises(IntegrityError, match="cannot be proposed for payment"), transaction.atomic():
        PaymentAllocation.objects.create(payment=payment, invoice=price, amount=Decimal("10.00"))
    PaymentAllocation.objects.create(payment=payment, invoice=world["clean"], amount=Decimal("10.00"))
    Invoice.objects.filter(pk=world["clean"].pk).update(state=InvoiceState.PROPOSED)
