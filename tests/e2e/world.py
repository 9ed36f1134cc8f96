"""One small company with a record of every kind a screen shows, made through the services where a
service exists (imports, batches, journal entries, bank changes, notes), so that every page type
has something real to render."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils import timezone

from finops.accounts.roles import Role
from finops.accounts.services import roles_sync, user_grant_role
from finops.ledger.services import JournalLineInput, journal_entry_create
from finops.masterdata.services.bank_changes import BankDetails, bank_change_request
from finops.outbox.services import outbox_enqueue, subscription_create
from finops.payables.services import batch_submit
from finops.receivables.services import collection_note_add
from integrations.bankfiles.services import bank_file_import
from integrations.models import Connector, SyncRun
from integrations.states import SyncState
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.services import exception_open
from reconciliation.exceptions.states import ExceptionKind
from tests.factories import (
    CounterpartyFactory,
    InvoiceFactory,
    LegalEntityFactory,
    OwnBankAccountFactory,
    PaymentBatchFactory,
    PaymentFactory,
    SyncFailureFactory,
    UserFactory,
    goods_receipt_make,
    purchase_order_make,
)

PASSWORD = "correct-horse-battery"


@dataclass
class World:
    user: Any  # treasury analyst, controller and admin of DE01: every page opens for them
    clerk: Any  # the maker of the batch, an AP clerk of DE01
    pages: dict[str, str] = field(default_factory=dict)
    records: dict[str, Any] = field(default_factory=dict)


def build_world(fixtures: Path) -> World:
    roles_sync()
    de = LegalEntityFactory(code="DE01", name="Nordlicht Components GmbH", country="DE", base_currency="EUR")
    user = UserFactory(username="lena", first_name="Lena", last_name="Hoffmann", password=PASSWORD)
    clerk = UserFactory(username="anna", first_name="Anna", password=PASSWORD)
    for role in (Role.TREASURY_ANALYST, Role.CONTROLLER, Role.ADMIN):
        user_grant_role(user=user, role=role, entity=de, granted_by=None)
    user_grant_role(user=clerk, role=Role.AP_CLERK, entity=de, granted_by=None)
    world = World(user=user, clerk=clerk)

    supplier = CounterpartyFactory(name="Lausitz-Werkzeugbau GmbH", entities=[de], tax_id="DE811907980")
    customer = CounterpartyFactory(name="Hafenlogistik Bremen GmbH", is_customer=True, is_supplier=False, entities=[de])
    order = purchase_order_make(
        de,
        supplier,
        "4500220099",
        lines=(("Hydraulic pump HP-40, 400 bar", "20", "1250.50"), ("Seal kit SK-12", "40", "18.25")),
    )
    receipt = goods_receipt_make(order, "GR-5000123", lines=((1, "20"), (2, "36")))
    ap_invoice = InvoiceFactory(
        entity=de, counterparty=supplier, number="4711-2026", amount=Decimal("26079.30"), purchase_order=order
    )
    ar_invoice = InvoiceFactory(
        entity=de, counterparty=customer, direction="AR", state="issued", number="RE-2026-40017", amount=Decimal("1200")
    )
    collection_note_add(invoice_id=ar_invoice.pk, author=clerk, text="Called their AP team; payment promised.")

    account = OwnBankAccountFactory(entity=de, name="Commerzbank operating EUR")
    batch = PaymentBatchFactory(entity=de, created_by=clerk, debtor_account=account, external_id="PB-DE01-20261207-1")
    payment = PaymentFactory(entity=de, batch=batch, counterparty=supplier, amount=Decimal("7779.08"))
    PaymentFactory(entity=de, batch=batch, amount=Decimal("2832.80"))
    batch_submit(batch_id=batch.pk, user=clerk)

    # real bank files: a statement file that reconciles, and one that does not (a balance_mismatch)
    OwnBankAccountFactory(entity=de, iban="NL26VAYB8060476890", bic="", name="ING EUR")
    OwnBankAccountFactory(entity=de, iban="", account_number="0390123456", bic="", name="Triodos EUR")
    statement_file = fixtures / "camt053/genkgo_camt053.v2.multi.statement.xml"
    imported = bank_file_import(data=statement_file.read_bytes(), filename=statement_file.name, user=user)
    triodos = fixtures / "mt940/wolph_jejik_triodos.sta"
    bank_file_import(data=triodos.read_bytes(), filename=triodos.name, user=user)
    mismatch = ExceptionItem.objects.get(kind=ExceptionKind.BALANCE_MISMATCH)
    statement = mismatch.object_id

    entry = journal_entry_create(
        entity=de,
        posting_on=timezone.now().date(),
        currency="EUR",
        description="Account maintenance November",
        lines=[
            JournalLineInput(account_code="6855", debit=Decimal("25.00")),
            JournalLineInput(account_code="1200", credit=Decimal("25.00")),
        ],
        external_id="MJ-E2E-1",
        source="manual",
        actor=user,
    )
    change = bank_change_request(
        counterparty=supplier,
        details=BankDetails(iban="GB29NWBK60161331926819", bic="NWBKGB2L", currency="EUR"),
        entity=de,
        requested_by=clerk,
        reason="New bank letter of 2026-11-30",
    )

    connector = Connector.objects.create(name="SAP S/4HANA – DE01", kind="erp_rest", entity=de, base_url="")
    run = SyncRun.objects.create(
        connector=connector,
        entity=de,
        state=SyncState.PARTLY_FAILED,
        received=12,
        created=11,
        failed=1,
        started_at=timezone.now() - dt.timedelta(minutes=3),
        finished_at=timezone.now() - dt.timedelta(minutes=2),
    )
    SyncFailureFactory(connector=connector, run=run, attempts=5, dead_at=timezone.now())
    outbox_enqueue("erp.journal_entry", {"n": 1}, entity=de, idempotency_key="e2e-journal-1", obj=entry)
    subscription = subscription_create(
        actor=user,
        entity=de,
        name="Data warehouse",
        url="https://warehouse.example/events",
        secret="s3cret-s3cret-s3cret",
        topics=["event.invoice-issued"],
    )
    rejected, _ = exception_open(
        entity=de,
        kind=ExceptionKind.REJECTED_PAYMENT,
        title=f"Payment {payment.end_to_end_id} rejected by the bank: AC04 closed account",
        dedupe_key="e2e:rejected",
        detail={"end_to_end_id": payment.end_to_end_id, "reason": "Closed account number", "reason_code": "AC04"},
        amount=payment.amount,
        currency="EUR",
        obj=payment,
    )
    exception_open(
        entity=de,
        kind=ExceptionKind.THREE_WAY_MISMATCH,
        title=f"Price above PO 4500220099: invoice {ap_invoice.number}",
        dedupe_key="e2e:3way",
        detail={
            "cause": "price",
            "purchase_order": "4500220099",
            "invoice": ap_invoice.number,
            "supplier": supplier.name,
            "invoiced_net": "26079.30",
            "received_value": "25617.14",
            "difference": "462.16",
        },
        amount=Decimal("462.16"),
        currency="EUR",
        obj=ap_invoice,
    )

    world.records = {"batch": batch, "payment": payment, "entry": entry, "connector": connector, "run": run}
    world.records |= {"ar_invoice": ar_invoice, "change": change, "rejected": rejected, "mismatch": mismatch}
    world.pages = {
        "home": reverse("dashboards:home"),
        "invoice-list": reverse("invoicing:invoice-list"),
        "invoice-detail-ar": reverse("invoicing:invoice-detail", args=[ar_invoice.pk]),
        "po-list": reverse("payables:po-list"),
        "po-detail": reverse("payables:po-detail", args=[order.pk]),
        "receipt-list": reverse("payables:receipt-list"),
        "receipt-detail": reverse("payables:receipt-detail", args=[receipt.pk]),
        "payment-list": reverse("payables:payment-list"),
        "payment-detail": reverse("payables:payment-detail", args=[payment.pk]),
        "batch-list": reverse("payables:batch-list"),
        "batch-detail": reverse("payables:batch-detail", args=[batch.pk]),
        "statement-list": reverse("treasury:statement-list"),
        "statement-detail": reverse("treasury:statement-detail", args=[statement]),
        "journal-list": reverse("ledger:journal-list"),
        "journal-form": reverse("ledger:journal-create"),
        "journal-detail": reverse("ledger:journal-detail", args=[entry.pk]),
        "bank-files": reverse("bankfiles:upload"),
        "bank-file-detail": reverse("bankfiles:file-detail", args=[imported.inbound_file_id]),
        "counterparty-list": reverse("masterdata:counterparty-list"),
        "counterparty-detail": reverse("masterdata:counterparty-detail", args=[supplier.pk]),
        "bankaccount-list": reverse("masterdata:bankaccount-list"),
        "bankaccount-detail": reverse("masterdata:bankaccount-detail", args=[account.pk]),
        "bankaccount-add": reverse("masterdata:bankaccount-create") + "?iban=NL91ABNA0417164300",
        "bankaccount-edit": reverse("masterdata:bankaccount-edit", args=[account.pk]),
        "bankchange-list": reverse("masterdata:bankchange-list"),
        "bankchange-detail": reverse("masterdata:bankchange-detail", args=[change.pk]),
        "systems-of-record": reverse("masterdata:fieldownership-list"),
        "exception-list": reverse("reconciliation:exception-list"),
        "exception-balance-mismatch": reverse("reconciliation:exception-detail", args=[mismatch.pk]),
        "exception-rejected-payment": reverse("reconciliation:exception-detail", args=[rejected.pk]),
        "trace-search": reverse("outbox:trace-search"),
        "trace-detail": reverse("outbox:trace", args=[entry.correlation_id]),
        "audit-trail": reverse("audit:event-list"),
        "user-list": reverse("accounts:user-list"),
        "user-detail": reverse("accounts:user-detail", args=[clerk.pk]),
        "user-invite": reverse("accounts:user-invite"),
        "connector-list": reverse("integrations:connector-list"),
        "connector-detail": reverse("integrations:connector-detail", args=[connector.pk]),
        "connector-form": reverse("integrations:connector-edit", args=[connector.pk]),
        "run-detail": reverse("integrations:run-detail", args=[run.pk]),
        "dead-letter": reverse("integrations:failure-list"),
        "outbound-messages": reverse("outbox:message-list"),
        "subscription-list": reverse("outbox:subscription-list"),
        "subscription-form": reverse("outbox:subscription-edit", args=[subscription.pk]),
        "search": reverse("search:results") + "?q=7.779,08",
        "search-empty": reverse("search:results"),
        "not-found": "/invoices/987654321/",
    }
    return world
