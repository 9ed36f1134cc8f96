"""The bank over its API: balances and booked transactions into daily statements, incrementally;
pain.001 submitted and its status read back."""

import datetime as dt
from decimal import Decimal

from finops.accounts.roles import Role
from finops.accounts.services import user_grant_role
from finops.treasury.models import BankStatement, StatementLine
from integrations.connectors.bank_api.client import BankClient
from integrations.formats.pain001 import build_pain001
from integrations.formats.types import CreditTransfer, Party, PaymentOrder
from integrations.states import SyncState
from tests.factories import LegalEntityFactory, OwnBankAccountFactory
from tests.integrations.connectors.support import make_connector, run_once, sandbox_post, sandbox_records

IBAN = "DE51370400445017319583"  # the sandbox's Commerzbank operating account of DE01


def test_transactions_and_closing_balances_become_daily_statements_and_a_rerun_adds_nothing(
    admin_de, entity_de, sandbox
):
    account = OwnBankAccountFactory(entity=entity_de, iban=IBAN, currency="EUR")
    bank = make_connector(admin_de, entity_de, "bank_api", sandbox)
    bank.mapping = {"transactions_from": "2026-01-01"}
    bank.save(update_fields=["mapping"])
    booked = [t for t in sandbox_records(sandbox, "bank", "transactions") if t["iban"] == IBAN]

    run = run_once(bank)

    assert run.state == SyncState.SUCCEEDED, run.error
    lines = StatementLine.objects.filter(statement__bank_account=account)
    assert lines.count() == len(booked)
    total = sum((Decimal(t["amount"]) for t in booked), Decimal(0))
    credits = sum(
        (s.total_credits - s.total_debits for s in BankStatement.objects.filter(bank_account=account)), Decimal(0)
    )
    assert credits == total
    assert BankStatement.objects.filter(bank_account=account, closing_balance__isnull=False).exists()
    bank.refresh_from_db()
    assert bank.high_water_marks[f"transactions:{IBAN}"] == max(t["booking_date"] for t in booked)

    again = run_once(bank)

    assert (again.state, again.created, again.failed) == (SyncState.SUCCEEDED, 0, 0)
    assert lines.count() == len(booked)


def test_a_payment_is_submitted_and_its_status_read_back(admin_de, entity_de, sandbox):
    bank = make_connector(admin_de, entity_de, "bank_api", sandbox)
    order = PaymentOrder(
        message_id="MSG-FCT-1",
        payment_info_id="PMT-1",
        created_at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC),
        execution_on=dt.date(2026, 11, 21),
        debtor=Party(name="Nordlicht Components GmbH", iban=IBAN),
        transfers=(
            CreditTransfer(
                end_to_end_id="E2E-FCT-1",
                amount=Decimal("250.00"),
                currency="EUR",
                creditor=Party(name="Brenner Metallbau GmbH", iban="DE89370400440532013000"),
                remittance_info="INV-1",
            ),
        ),
        service_level="SEPA",
    )
    client = BankClient.for_connector(bank)

    received = client.submit_payment(build_pain001(order), "pay-fct-1")
    status = client.payment_status(received.payment_id)

    assert received.status == "RCVD"
    assert status.status == "ACCP"
    assert "E2E-FCT-1" in status.pain002


ROUTING = "021000021"  # ABA routing number of the US account below
ACCOUNT_NUMBER = "4012558831"


def test_a_us_account_is_pulled_by_its_account_number_into_statements_of_our_aba_routed_account(
    admin_de, entity_de, sandbox
):
    entity_us = LegalEntityFactory(code="US01", name="Nordlicht Components Inc.", country="US", base_currency="USD")
    user_grant_role(user=admin_de, role=Role.ADMIN, entity=entity_us, granted_by=None)
    account = OwnBankAccountFactory(
        entity=entity_us, iban="", bic="", account_number=ACCOUNT_NUMBER, routing_number=ROUTING, currency="USD"
    )
    # the same account number at another bank is someone else's account
    OwnBankAccountFactory(
        entity=entity_us, iban="", bic="", account_number=ACCOUNT_NUMBER, routing_number="011000015", currency="USD"
    )
    today = dt.datetime.now(dt.UTC).date()
    history = {"from": (today - dt.timedelta(days=10)).isoformat(), "to": (today - dt.timedelta(days=1)).isoformat()}
    sandbox_post(
        sandbox,
        "/_sandbox/bank/accounts",
        {
            "account_number": ACCOUNT_NUMBER,
            "routing_number": ROUTING,
            "currency": "USD",
            "name": "Operating",
            "entity": "US01",
            "history": {**history, "closing_balance": "75000.00"},
        },
    )
    bank = make_connector(admin_de, entity_us, "bank_api", sandbox)
    bank.mapping = {"transactions_from": history["from"], "accounts": [ACCOUNT_NUMBER]}
    bank.save(update_fields=["mapping"])
    booked = [t for t in sandbox_records(sandbox, "bank", "transactions") if t.get("account_number") == ACCOUNT_NUMBER]

    run = run_once(bank)

    assert run.state == SyncState.SUCCEEDED, run.error
    assert (run.created, run.updated, run.failed) == (len(booked), 1, 0)  # the CLBD sets a closing balance
    lines = StatementLine.objects.filter(statement__bank_account=account)
    assert sorted(lines.values_list("account_servicer_ref", flat=True)) == sorted(t["id"] for t in booked)
    statements = BankStatement.objects.filter(bank_account=account)
    assert {s.external_id[: len(f"API-{ACCOUNT_NUMBER}-")] for s in statements} == {f"API-{ACCOUNT_NUMBER}-"}
    assert statements.get(statement_on=max(t["booking_date"] for t in booked)).closing_balance == Decimal("75000.00")
    assert not BankStatement.objects.exclude(bank_account=account).exists()
    bank.refresh_from_db()
    assert bank.high_water_marks[f"transactions:{ACCOUNT_NUMBER}"] == max(t["booking_date"] for t in booked)
