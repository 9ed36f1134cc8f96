"""The seeded world: deterministic, the promised size, valid bank details."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from schwifty import BIC, IBAN

from integrations.sandbox.payment_intake import aba_is_valid
from integrations.sandbox.seed_data import generate

TODAY = dt.date(2026, 3, 18)


def test_the_same_seed_and_day_give_the_same_data_and_another_seed_other_data() -> None:
    first = generate(2026, TODAY)
    generate.cache_clear()
    again = generate(2026, TODAY)
    other = generate(7, TODAY)

    assert again == first
    assert other.customers != first.customers


def test_the_seed_has_the_promised_size_and_three_entities() -> None:
    data = generate(2026, TODAY)

    assert len(data.customers) == 60
    assert len(data.suppliers) == 40
    assert 140 <= len(data.invoices) <= 170
    assert len(data.purchase_orders) == 40
    assert Counter(i["direction"] for i in data.invoices).keys() == {"AR", "AP"}
    assert {i["entity"] for i in data.invoices} == {"DE01", "GB01", "US01"}
    assert {(i["entity"], i["currency"]) for i in data.invoices} == {("DE01", "EUR"), ("GB01", "GBP"), ("US01", "USD")}
    assert len({c["id"] for c in data.customers}) == 60
    assert all(c["id"].startswith("CUST-") for c in data.customers)


@pytest.mark.parametrize("seed", [2026, 1, 99])
def test_every_bank_account_is_valid(seed: int) -> None:
    data = generate(seed, TODAY)
    parties = [*data.customers, *data.suppliers]
    accounts = [p["bank_account"] for p in parties if p["bank_account"]] + data.bank_accounts

    for account in accounts:
        if "iban" in account:
            iban = IBAN(account["iban"], validate_bban=True)
            assert str(iban.bic) == str(BIC(account["bic"]))
        else:
            assert aba_is_valid(account["routing_number"])
            assert account["account_number"].isdigit()


def test_money_is_decimal_strings_and_invoices_add_up() -> None:
    data = generate(2026, TODAY)

    for invoice in data.invoices:
        amount, open_amount = Decimal(invoice["amount"]), Decimal(invoice["open_amount"])
        assert amount == amount.quantize(Decimal("0.01")) > 0
        assert Decimal(0) <= open_amount <= amount
        assert invoice["issue_date"] <= invoice["due_date"]
        assert invoice["updated_at"] < TODAY.isoformat()


def test_the_seed_leaves_work_for_the_control_tower() -> None:
    data = generate(2026, TODAY)
    invoice_numbers = {i["number"] for i in data.invoices if i["direction"] == "AR" and i["open_amount"] != "0.00"}
    credits = [t for ts in data.transactions.values() for t in ts if Decimal(t["amount"]) > 0]

    assert any(t["remittance_info"] in invoice_numbers for t in credits)  # cash to apply
    assert any(t["remittance_info"] in ("Payment", "Zahlung", "Invoice payment") for t in credits)  # unapplied
    ap = [i for i in data.invoices if i["direction"] == "AP"]
    assert len({(i["counterparty_id"], i["amount"]) for i in ap}) < len(ap)  # a duplicate supplier invoice
