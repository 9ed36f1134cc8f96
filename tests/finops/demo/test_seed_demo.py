"""seed_demo: realistic, valid, self-consistent demo data, loaded once, never on production by accident."""

from __future__ import annotations

import io
import itertools
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from schwifty import BIC, IBAN

from finops.accounts.models import User
from finops.accounts.selectors import entities_for
from finops.demo.seed import DEMO_USERS, counterparty_specs
from finops.demo.seed.entities import API_ACCOUNTS
from finops.invoicing.models import ApAuthority, Invoice, InvoiceHold
from finops.invoicing.selectors import invoice_list
from finops.invoicing.states import OPEN_STATES, HoldReason, InvoiceDirection, InvoiceState
from finops.masterdata.models import BankAccount, Counterparty, LegalEntity
from finops.masterdata.validators import aba_check_digit_ok
from finops.payables.models import GoodsReceiptLine, PaymentBatch, PurchaseOrder
from finops.payables.selectors import approvals_required
from finops.payables.states import BatchState, PaymentState
from finops.treasury.models import BankStatement, CreditDebit, StatementLine, StatementLineState
from integrations.models import SyncRun
from reconciliation.engines.document_numbers import invoice_number_keys
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.states import OPEN_EXCEPTION_STATES, ExceptionKind
from reconciliation.matching.models import MatchRun
from reconciliation.matching.runs import match_runs_now

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")
LEGAL_FORMS = {
    "DE": ("GmbH", "AG", "KG"),
    "GB": ("Ltd", "Limited", "PLC", "LLP"),
    "US": ("LLC", "Inc.", "Corp.", "Co."),
    "FR": ("SAS", "SARL", "SA"),
    "NL": ("B.V.", "N.V."),
}
TAX_ID_FORMATS = {
    "DE": r"DE\d{9}",
    "GB": r"GB\d{9}",
    "US": r"\d{2}-\d{7}",
    "FR": r"FR\d{11}",
    "NL": r"NL\d{9}B01",
}


@pytest.fixture(scope="module")
def seed_output(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """Seed once for this module, in a transaction rolled back afterwards: the other test modules
    still start from an empty database, and each test here runs in its own savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        with override_settings(DEBUG=True):
            call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models(include_auto_created=True)}


def _iban_is_valid(iban: str, bic: str) -> bool:
    parsed = IBAN(iban, validate_bban=True)  # national check digits too, not only the IBAN's own
    return str(parsed.bic) == str(BIC(bic))


# --- the command ---------------------------------------------------------------------------


def test_first_run_prints_counts_and_demo_logins(seed_output: str) -> None:
    assert "Demo data for Nordlicht Components loaded" in seed_output
    for label in ("suppliers", "customers", "AP invoices", "AR invoices", "bank statements", "exceptions", "users"):
        assert re.search(rf"^\s+{label}\s+\d+$", seed_output, re.MULTILINE), label
    for user in DEMO_USERS:
        assert re.search(
            rf"^\s+{user.username}\s+{user.role.label}\s+.*{user.username}-demo-2026$", seed_output, re.MULTILINE
        ), user.username


def test_second_run_changes_nothing(seed_output: str, settings: Any) -> None:
    settings.DEBUG = True
    before = _row_counts()
    out = io.StringIO()

    call_command("seed_demo", stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert lines[0] == "Demo data already present — nothing changed."
    assert any(line.split()[:1] == ["clerk"] and "clerk-demo-2026" in line for line in lines), "logins are reprinted"
    assert _row_counts() == before


def test_refuses_without_debug_unless_forced(seed_output: str, settings: Any) -> None:
    settings.DEBUG = False
    before = _row_counts()

    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", "--force", stdout=out)

    assert "nothing changed" in out.getvalue()
    assert _row_counts() == before


def test_counterparty_data_is_the_same_every_run() -> None:
    first, second = counterparty_specs(random.Random(2026)), counterparty_specs(random.Random(2026))

    assert first == second
    assert first != counterparty_specs(random.Random(2027))


# --- master data ---------------------------------------------------------------------------


def test_three_entities_in_three_countries_and_currencies(seed_output: str) -> None:
    entities = {e.code: (e.country, e.base_currency, e.source) for e in LegalEntity.objects.all()}

    assert entities == {"DE01": ("DE", "EUR", "demo"), "GB01": ("GB", "GBP", "demo"), "US01": ("US", "USD", "demo")}


def test_own_bank_accounts_have_valid_identifiers(seed_output: str) -> None:
    accounts = list(BankAccount.objects.filter(entity__isnull=False))

    assert len(accounts) >= 6
    assert min(Counter(a.entity_id for a in accounts).values()) >= 2
    currency_of: dict[int | None, str] = dict(LegalEntity.objects.values_list("pk", "base_currency"))
    for account in accounts:
        assert account.currency == currency_of[account.entity_id]
        if account.iban:
            assert _iban_is_valid(account.iban, account.bic), account.iban
        else:
            assert aba_check_digit_ok(account.routing_number), account.routing_number
            assert account.account_number.isdigit()
    assert any(a.routing_number for a in accounts)


def test_counterparties_are_plausible_and_bankable(seed_output: str) -> None:
    parties = list(Counterparty.objects.prefetch_related("entities", "bank_accounts"))

    assert sum(c.is_supplier for c in parties) >= 200
    assert sum(c.is_customer for c in parties) >= 300
    assert len({c.name for c in parties}) == len(parties)
    for party in parties:
        assert party.source == "demo"
        assert party.name.endswith(LEGAL_FORMS[party.country]) or " & Sons " in party.name, party.name
        assert re.fullmatch(TAX_ID_FORMATS[party.country], party.tax_id), party.tax_id
        assert 1 <= len(party.entities.all()) <= 2
        (account,) = party.bank_accounts.all()
        assert account.entity_id is None
        if party.country == "US":
            assert aba_check_digit_ok(account.routing_number)
            assert account.account_number.isdigit()
        else:
            assert _iban_is_valid(account.iban, account.bic), account.iban


# --- purchasing and billing ----------------------------------------------------------------


def test_invoices_are_consistent_money(seed_output: str) -> None:
    invoices = list(Invoice.objects.select_related("entity").prefetch_related("lines"))

    assert Counter(i.direction for i in invoices)[InvoiceDirection.AR] >= 300
    for inv in invoices:
        assert inv.currency == inv.entity.base_currency
        assert inv.amount == inv.amount.quantize(CENT) == sum(line.amount for line in inv.lines.all()) + inv.tax_amount
        assert (inv.due_on - inv.issue_on).days == 30
        if inv.state == InvoiceState.PAID:
            assert inv.open_amount == 0
        elif inv.state == InvoiceState.PARTIALLY_PAID:
            assert 0 < inv.open_amount < inv.amount
        else:
            assert inv.state in OPEN_STATES[InvoiceDirection(inv.direction)]
            assert inv.open_amount == inv.amount
    states = {(i.direction, i.state) for i in invoices}
    assert {("AR", "issued"), ("AR", "partially_paid"), ("AR", "paid"), ("AP", "paid"), ("AP", "exception")} <= states


def test_orders_are_received_fully_partially_or_not_yet(seed_output: str) -> None:
    received: dict[int, Decimal] = defaultdict(Decimal)
    for line in GoodsReceiptLine.objects.values("po_line_id", "quantity"):
        received[line["po_line_id"]] += line["quantity"]
    fates: Counter[str] = Counter()
    for order in PurchaseOrder.objects.prefetch_related("lines"):
        got = [received[line.pk] for line in order.lines.all()]
        ordered = [line.quantity for line in order.lines.all()]
        fates["none" if not any(got) else "full" if got == ordered else "partial"] += 1

    assert fates["full"] > fates["partial"] > 0
    assert fates["none"] > 0


def test_the_first_3_way_match_holds_every_ap_difference_and_duplicate_and_queues_it(seed_output: str) -> None:
    open_items = ExceptionItem.objects.filter(state__in=OPEN_EXCEPTION_STATES)
    mismatched = open_items.filter(kind=ExceptionKind.THREE_WAY_MISMATCH)
    duplicates = open_items.filter(kind=ExceptionKind.DUPLICATE_INVOICE)
    held = InvoiceHold.objects.filter(released_at__isnull=True)

    exception_invoices = set(Invoice.objects.filter(state=InvoiceState.EXCEPTION).values_list("pk", flat=True))
    assert {int(i.object_id) for i in [*mismatched, *duplicates]} == exception_invoices
    assert set(held.values_list("invoice_id", flat=True)) == exception_invoices
    assert Counter(held.values_list("reason", flat=True)) == {HoldReason.MATCH_EXCEPTION: 24, HoldReason.DUPLICATE: 6}
    reasons = Counter(code for item in mismatched for code in item.detail["reasons"])
    assert reasons.keys() == {"price_variance", "quantity_variance", "missing_receipt"}
    for hold in held.filter(reason=HoldReason.DUPLICATE).select_related("invoice", "original"):
        assert hold.original.counterparty_id == hold.invoice.counterparty_id
        assert set(invoice_number_keys(hold.original.number)) & set(invoice_number_keys(hold.invoice.number))
        assert hold.original.state in (InvoiceState.PAID, InvoiceState.APPROVED, InvoiceState.PROPOSED)
    for item in mismatched:
        assert item.amount is not None
        assert item.amount > 0
        assert item.currency == item.entity.base_currency
    runs = MatchRun.objects.order_by("entity__code")
    assert [(r.entity.code, r.state, r.trigger_detail) for r in runs] == [
        (code, "succeeded", "demo seed: the first run") for code in ("DE01", "GB01", "US01")
    ]


def test_the_demo_shows_variances_within_and_beyond_an_ap_clerks_authority(seed_output: str) -> None:
    limits = {a.entity.code: a.variance_limit for a in ApAuthority.objects.select_related("entity")}
    at_stake = [
        (h.amount, limits[h.entity.code]) for h in InvoiceHold.objects.filter(reason=HoldReason.MATCH_EXCEPTION)
    ]

    assert any(amount <= limit for amount, limit in at_stake)
    assert any(amount > limit for amount, limit in at_stake)
    assert Invoice.objects.filter(direction="AP", state=InvoiceState.RECEIVED, match__status="needs_approval").exists()


def test_matching_the_demo_again_changes_nothing(seed_output: str) -> None:
    summary = match_runs_now(kind="three_way")

    assert summary["invoices_changed"] == 0
    assert summary["exception"] == 30


# --- bank statements -----------------------------------------------------------------------


def test_statements_chain_and_reconcile_except_one_deliberate_break(seed_output: str) -> None:
    statements = list(
        BankStatement.objects.order_by("bank_account_id", "statement_on")
        .select_related("bank_account")
        .prefetch_related("lines")
    )
    breaks = [s for s in statements if not s.reconciles]

    assert len(breaks) == 1
    break_item = ExceptionItem.objects.get(kind=ExceptionKind.BALANCE_MISMATCH, object_id=str(breaks[0].pk))
    assert break_item.state == "open"
    assert break_item.amount == breaks[0].opening_balance + breaks[0].total_credits - breaks[0].total_debits - (
        breaks[0].closing_balance
    )
    by_account: dict[int, list[BankStatement]] = {}
    for statement in statements:
        by_account.setdefault(statement.bank_account_id, []).append(statement)
    api_only = [spec.external_id for spec in API_ACCOUNTS]  # their statements come from the bank's API
    assert len(by_account) == BankAccount.objects.filter(entity__isnull=False).exclude(external_id__in=api_only).count()
    for chain in by_account.values():
        assert len(chain) == 10
        assert all(s.statement_on.weekday() < 5 and s.format == "camt.053" for s in chain)
        assert all(prev.closing_balance == nxt.opening_balance for prev, nxt in itertools.pairwise(chain))
        for s in chain:
            lines = list(s.lines.all())
            assert s.entry_count == len(lines)
            assert s.total_credits == sum(x.amount for x in lines if x.credit_debit == CreditDebit.CREDIT)
            assert s.total_debits == sum(x.amount for x in lines if x.credit_debit == CreditDebit.DEBIT)
            account = s.bank_account.iban or s.bank_account.account_number
            assert s.external_id == f"STMT-{account}-{s.statement_on:%Y%m%d}"


def test_statement_lines_reference_invoices_and_are_mostly_unmatched(seed_output: str) -> None:
    lines = list(StatementLine.objects.select_related("statement"))
    ar_numbers = set(Invoice.objects.filter(direction=InvoiceDirection.AR).values_list("number", flat=True))
    credits = [x for x in lines if x.credit_debit == CreditDebit.CREDIT]

    referencing = [x for x in credits if any(word in ar_numbers for word in x.description.split())]
    assert len(referencing) > len(credits) / 2
    states = Counter(x.state for x in lines)
    assert 0 < states[StatementLineState.MATCHED] < states[StatementLineState.UNMATCHED]
    assert any("Entgelt" in x.description or "FEE" in x.description or "CHARGES" in x.description for x in lines)


# --- payments, exceptions, users ------------------------------------------------------------


def test_batches_wait_at_each_step_with_real_approvals(seed_output: str) -> None:
    batches = list(
        PaymentBatch.objects.select_related("entity", "created_by").prefetch_related(
            "approvals__approver", "payments__allocations__invoice", "payments__beneficiary_account"
        )
    )

    assert Counter(b.state for b in batches) == {
        BatchState.PENDING_APPROVAL: 3,
        BatchState.APPROVED: 1,
        BatchState.DRAFT: 1,
        BatchState.PARTLY_REJECTED: 1,
    }
    waiting_for_second = [b for b in batches if b.state == BatchState.PENDING_APPROVAL and approvals_required(b) == 2]
    assert len(waiting_for_second) == 1
    assert [a.approver.username for a in waiting_for_second[0].approvals.all()] == ["controller"]
    (approved,) = [b for b in batches if b.state == BatchState.APPROVED]
    assert [a.approver.username for a in approved.approvals.all()] == ["controller"]
    for batch in batches:
        assert batch.created_by.username in ("clerk", "clerk_us")
        payments = list(batch.payments.all())
        assert batch.control_sum == sum(p.amount for p in payments)
        for payment in payments:
            assert payment.beneficiary_account.counterparty_id == payment.counterparty_id
            assert payment.amount == sum(a.amount for a in payment.allocations.all())
            expected = InvoiceState.APPROVED if payment.state == PaymentState.REJECTED else InvoiceState.PROPOSED
            assert {a.invoice.state for a in payment.allocations.all()} == {expected}


def test_every_business_queue_has_open_items_and_no_sync_history_is_made_up(seed_output: str) -> None:
    items = list(ExceptionItem.objects.select_related("entity", "assignee"))

    # sync failures come only from real runs against the sandbox, never from the seed
    expected = set(ExceptionKind.values) - {ExceptionKind.SYNC_FAILURE}
    assert {i.kind for i in items if i.state in OPEN_EXCEPTION_STATES} == expected
    assert not SyncRun.objects.exists()
    in_progress = [i for i in items if i.state == "in_progress"]
    assert len(in_progress) >= 3
    assert all(i.assignee is not None for i in in_progress)
    money_kinds = set(ExceptionKind.values) - {ExceptionKind.SYNC_FAILURE, ExceptionKind.MASTER_DATA_CONFLICT}
    for item in items:
        assert item.dedupe_key.startswith(f"{item.kind}:")
        if item.kind in money_kinds:
            assert item.amount is not None
            assert item.currency == item.entity.base_currency


@pytest.mark.parametrize("demo_user", DEMO_USERS, ids=lambda u: u.username)
def test_demo_user_logs_in_and_sees_only_their_entities(seed_output: str, client: Client, demo_user: Any) -> None:
    response = client.post(reverse("accounts:login"), {"username": demo_user.username, "password": demo_user.password})

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:home")
    assert client.get(reverse("dashboards:home")).status_code == 200
    user = User.objects.get(username=demo_user.username)
    assert list(entities_for(user).values_list("code", flat=True)) == sorted(demo_user.entities)
    seen = set(invoice_list(user=user).values_list("entity__code", flat=True).distinct())
    assert seen == set(demo_user.entities)


def test_us_clerk_sees_no_german_invoices(seed_output: str) -> None:
    clerk_us = User.objects.get(username="clerk_us")

    assert not invoice_list(user=clerk_us).filter(entity__code="DE01").exists()
    assert invoice_list(user=clerk_us).filter(entity__code="US01").count() > 100
    assert Invoice.objects.filter(entity__code="DE01").exists()
