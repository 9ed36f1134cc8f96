"""factory-boy factories for the canonical model. Valid IBANs/BICs, Decimal money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory
from schwifty import IBAN

from finops.accounts.models import User
from finops.invoicing.models import Invoice, InvoiceLine
from finops.invoicing.states import InvoiceState
from finops.masterdata.models import BankAccount, Counterparty, LegalEntity
from finops.payables.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    Payment,
    PaymentAllocation,
    PaymentBatch,
    PurchaseOrder,
    PurchaseOrderLine,
)
from finops.payables.upserts import (
    GoodsReceiptData,
    PurchaseOrderData,
    PurchaseOrderLineData,
    goods_receipt_upsert,
    purchase_order_upsert,
)
from finops.treasury.models import BankStatement, StatementLine
from integrations.models import SyncFailure
from integrations.states import FailureKind, FailureState
from reconciliation.exceptions.models import ExceptionItem


def _iban(n: int) -> str:
    return str(IBAN.generate("DE", bank_code="37040044", account_code=f"{5320130 + n:010d}"))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = factory.django.Password("correct-horse-battery")


class LegalEntityFactory(DjangoModelFactory):
    class Meta:
        model = LegalEntity
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"E{n:03d}")
    name = factory.LazyAttribute(lambda o: f"{o.code} Holding")
    country = "DE"
    base_currency = "EUR"
    source = "test"
    external_id = factory.LazyAttribute(lambda o: f"ENT-{o.code}")


class CounterpartyFactory(DjangoModelFactory):
    class Meta:
        model = Counterparty
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Supplier {n} GmbH")
    country = "DE"
    is_supplier = True
    source = "test"
    external_id = factory.Sequence(lambda n: f"CP-{n}")

    @factory.post_generation
    def entities(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.entities.set(extracted)


class OwnBankAccountFactory(DjangoModelFactory):
    class Meta:
        model = BankAccount

    entity = factory.SubFactory(LegalEntityFactory)
    name = factory.Sequence(lambda n: f"Operating account {n}")
    iban = factory.Sequence(_iban)
    bic = "COBADEFFXXX"
    country = factory.LazyAttribute(lambda o: o.iban[:2] if o.iban else (o.entity.country if o.entity else ""))
    currency = "EUR"
    source = "test"
    external_id = factory.Sequence(lambda n: f"BA-{n}")


class CounterpartyBankAccountFactory(OwnBankAccountFactory):
    entity = None
    counterparty = factory.SubFactory(CounterpartyFactory)
    iban = factory.Sequence(lambda n: _iban(n + 50_000))
    country = factory.LazyAttribute(lambda o: o.iban[:2] if o.iban else o.counterparty.country)


class InvoiceFactory(DjangoModelFactory):
    class Meta:
        model = Invoice

    entity = factory.SubFactory(LegalEntityFactory)
    counterparty = factory.SubFactory(CounterpartyFactory)
    direction = "AP"
    number = factory.Sequence(lambda n: f"INV-{n:05d}")
    currency = "EUR"
    amount = Decimal("1190.00")
    open_amount = factory.LazyAttribute(lambda o: o.amount)
    issue_on = factory.LazyFunction(lambda: timezone.now().date() - dt.timedelta(days=10))
    due_on = factory.LazyAttribute(lambda o: o.issue_on + dt.timedelta(days=30))
    state = InvoiceState.RECEIVED
    source = "test"
    external_id = factory.Sequence(lambda n: f"INV-EXT-{n}")


class InvoiceLineFactory(DjangoModelFactory):
    class Meta:
        model = InvoiceLine

    invoice = factory.SubFactory(InvoiceFactory)
    line_no = factory.Sequence(lambda n: n + 1)
    description = factory.Sequence(lambda n: f"Item {n}")
    quantity = Decimal(1)
    unit_price = Decimal("100.00")
    amount = factory.LazyAttribute(lambda o: o.quantity * o.unit_price)


class PurchaseOrderFactory(DjangoModelFactory):
    class Meta:
        model = PurchaseOrder

    entity = factory.SubFactory(LegalEntityFactory)
    supplier = factory.SubFactory(CounterpartyFactory)
    number = factory.Sequence(lambda n: f"45000{n:05d}")
    currency = "EUR"
    ordered_on = factory.LazyFunction(lambda: timezone.now().date() - dt.timedelta(days=30))
    source = "test"
    external_id = factory.Sequence(lambda n: f"PO-EXT-{n}")


class PurchaseOrderLineFactory(DjangoModelFactory):
    class Meta:
        model = PurchaseOrderLine

    purchase_order = factory.SubFactory(PurchaseOrderFactory)
    line_no = factory.Sequence(lambda n: n + 1)
    item = factory.Sequence(lambda n: f"Article {n}")
    quantity = Decimal(10)
    unit_price = Decimal("10.00")


class GoodsReceiptFactory(DjangoModelFactory):
    class Meta:
        model = GoodsReceipt

    entity = factory.SelfAttribute("purchase_order.entity")
    purchase_order = factory.SubFactory(PurchaseOrderFactory)
    received_on = factory.LazyFunction(lambda: timezone.now().date() - dt.timedelta(days=20))
    source = "test"
    external_id = factory.Sequence(lambda n: f"GR-EXT-{n}")


class GoodsReceiptLineFactory(DjangoModelFactory):
    class Meta:
        model = GoodsReceiptLine

    receipt = factory.SubFactory(GoodsReceiptFactory)
    po_line = factory.SubFactory(PurchaseOrderLineFactory)
    quantity = Decimal(10)


class PaymentBatchFactory(DjangoModelFactory):
    class Meta:
        model = PaymentBatch

    entity = factory.SubFactory(LegalEntityFactory)
    debtor_account = factory.SubFactory(OwnBankAccountFactory, entity=factory.SelfAttribute("..entity"))
    currency = "EUR"
    execution_on = factory.LazyFunction(lambda: timezone.now().date() + dt.timedelta(days=1))
    created_by = factory.SubFactory(UserFactory)
    source = "test"
    external_id = factory.Sequence(lambda n: f"B-{n:04d}")


class PaymentFactory(DjangoModelFactory):
    class Meta:
        model = Payment

    entity = factory.SubFactory(LegalEntityFactory)
    batch = None
    counterparty = factory.SubFactory(CounterpartyFactory)
    beneficiary_account = factory.SubFactory(
        CounterpartyBankAccountFactory, counterparty=factory.SelfAttribute("..counterparty")
    )
    end_to_end_id = factory.Sequence(lambda n: f"E2E-{n:06d}")
    amount = Decimal("250.00")
    currency = "EUR"
    source = "test"
    external_id = factory.Sequence(lambda n: f"PAY-{n}")


class PaymentAllocationFactory(DjangoModelFactory):
    class Meta:
        model = PaymentAllocation

    payment = factory.SubFactory(PaymentFactory)
    invoice = factory.SubFactory(InvoiceFactory)
    amount = Decimal("250.00")


class BankStatementFactory(DjangoModelFactory):
    class Meta:
        model = BankStatement

    entity = factory.SubFactory(LegalEntityFactory)
    bank_account = factory.SubFactory(OwnBankAccountFactory, entity=factory.SelfAttribute("..entity"))
    format = "camt.053"
    statement_on = factory.LazyFunction(lambda: timezone.now().date())
    currency = "EUR"
    opening_balance = Decimal("1000.00")
    closing_balance = Decimal("1100.00")
    total_credits = Decimal("100.00")
    entry_count = 1
    source = "test"
    external_id = factory.Sequence(lambda n: f"STMT-{n}")


class StatementLineFactory(DjangoModelFactory):
    class Meta:
        model = StatementLine

    statement = factory.SubFactory(BankStatementFactory)
    line_no = factory.Sequence(lambda n: n + 1)
    amount = Decimal("100.00")
    currency = "EUR"
    credit_debit = "CRDT"


class ExceptionItemFactory(DjangoModelFactory):
    class Meta:
        model = ExceptionItem

    entity = factory.SubFactory(LegalEntityFactory)
    kind = "unapplied_cash"
    title = factory.Sequence(lambda n: f"Unapplied receipt {n}")
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")
    correlation_id = factory.Sequence(lambda n: f"corr{n:08d}")
    amount = Decimal("100.00")
    currency = "EUR"


class SyncFailureFactory(DjangoModelFactory):
    """A record of a run that used up its attempts (dead letter): connector and run given by the test."""

    class Meta:
        model = SyncFailure

    entity = factory.LazyAttribute(lambda o: o.connector.entity)
    kind = FailureKind.RECORD
    resource = "invoices"
    key = "INV-404"
    version = 3
    payload = factory.LazyFunction(lambda: {"id": "INV-404", "version": 3, "amount": "12.50"})
    error = "invoice INV-404: counterparty 'CUST-X' from erp is not known (yet)."
    attempts = 1
    state = FailureState.DEAD


def purchase_order_make(
    entity: Any,
    supplier: Any,
    number: str,
    *,
    lines: tuple[tuple[str, str, str], ...] = (("Hydraulic pump HP-40", "10", "125.50"),),
    currency: str = "EUR",
    ordered_on: dt.date | None = None,
) -> PurchaseOrder:
    """A purchase order through its one write path, lines as (item, quantity, unit price)."""
    data = PurchaseOrderData(
        source="test",
        external_id=f"PO-EXT-{number}",
        entity=entity,
        supplier=supplier,
        number=number,
        currency=currency,
        ordered_on=ordered_on or timezone.now().date() - dt.timedelta(days=20),
        lines=tuple(
            PurchaseOrderLineData(no, item, Decimal(qty), Decimal(price))
            for no, (item, qty, price) in enumerate(lines, start=1)
        ),
    )
    return purchase_order_upsert(data)[0]


def goods_receipt_make(
    purchase_order: PurchaseOrder, external_id: str, *, lines: tuple[tuple[int, str], ...] = ((1, "10"),)
) -> GoodsReceipt:
    """A goods receipt against the order's lines, as (PO line number, quantity received)."""
    data = GoodsReceiptData(
        source="test",
        external_id=external_id,
        purchase_order=purchase_order,
        received_on=timezone.now().date() - dt.timedelta(days=5),
        lines=tuple((no, Decimal(qty)) for no, qty in lines),
    )
    return goods_receipt_upsert(data)[0]
