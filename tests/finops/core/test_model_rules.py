"""Rules every canonical model keeps: no float, Decimal money, currencies, natural keys, timestamps."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models

from finops.core.models import SourcedModel
from finops.core.money import Money, quantize

# Every app of the project, whatever package it lives in: a new app is covered the day it is added.
OUR_APPS = {
    config.label
    for config in apps.get_app_configs()
    if config.name.split(".")[0] in {"finops", "integrations", "reconciliation"}
}
CANONICAL = [
    "LegalEntity",
    "BankAccount",
    "Counterparty",
    "ExternalRef",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "GoodsReceipt",
    "GoodsReceiptLine",
    "Invoice",
    "InvoiceLine",
    "Payment",
    "PaymentBatch",
    "Approval",
    "BankStatement",
    "StatementLine",
    "Remittance",
    "JournalEntry",
    "CashForecastLine",
]


def our_models():
    return [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]


def test_the_rules_cover_every_app_of_the_project():
    assert {
        "core",
        "accounts",
        "audit",
        "masterdata",
        "invoicing",
        "payables",
        "receivables",
        "treasury",
        "ledger",
        "outbox",
        "reconciliation",
        "integrations",
        "bankfiles",
        "dashboards",
        "demo",
    } <= OUR_APPS


def test_every_canonical_model_exists():
    names = {m.__name__ for m in our_models()}

    assert set(CANONICAL) <= names


def test_no_model_has_a_float_field():
    fields = [(m, f) for m in our_models() for f in m._meta.fields]
    floats = [f"{m.__name__}.{f.name}" for m, f in fields if f.get_internal_type() == "FloatField"]

    assert floats == []


def test_every_sourced_model_has_a_unique_natural_key():
    missing = []
    for model in our_models():
        if not issubclass(model, SourcedModel):
            continue
        unique_sets = [set(c.fields) for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)]
        if not any({"source", "external_id"} <= s or {"external_id"} <= s for s in unique_sets):
            missing.append(model.__name__)

    assert missing == []


def test_sourced_models_carry_source_external_id_correlation_and_timestamps():
    for model in our_models():
        if issubclass(model, SourcedModel):
            names = {f.name for f in model._meta.fields}
            assert {"source", "external_id", "correlation_id", "created_at", "updated_at"} <= names, model


def test_amount_columns_are_decimals_with_a_currency_beside_them():
    for model in our_models():
        decimals = [f for f in model._meta.fields if isinstance(f, models.DecimalField) and f.name in ("amount",)]
        names = {f.name for f in model._meta.fields}
        for field in decimals:
            assert "currency" in names or model.__name__ in {"InvoiceLine", "PaymentAllocation", "RemittanceLine"}, (
                f"{model.__name__}.{field.name} has no currency"
            )


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Cannot add USD to EUR"):
        Money(Decimal(1), "EUR") + Money(Decimal(1), "USD")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [("2.675", "EUR", "2.68"), ("2.665", "EUR", "2.66"), ("1000.5", "JPY", "1000"), ("1.2345", "KWD", "1.234")],
)
def test_quantize_uses_the_currencys_minor_units_and_bankers_rounding(amount, currency, expected):
    assert str(quantize(Decimal(amount), currency)) == expected
