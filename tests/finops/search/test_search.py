"""The search box at the top of every page: what a finance user has in hand (a number, a name, an
IBAN, an amount) finds the records, grouped by kind, within the user's entities and role."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from finops.search.query import search_query
from finops.search.selectors import KINDS
from tests.factories import (
    BankStatementFactory,
    CounterpartyBankAccountFactory,
    CounterpartyFactory,
    InvoiceFactory,
    OwnBankAccountFactory,
    PaymentBatchFactory,
    PaymentFactory,
    StatementLineFactory,
    purchase_order_make,
)


@pytest.fixture
def records(entity_de, entity_gb):
    supplier = CounterpartyFactory(name="Lausitz-Werkzeugbau GmbH", entities=[entity_de], tax_id="DE811907980")
    theirs = CounterpartyBankAccountFactory(counterparty=supplier, iban="DE89370400440532013000", bic="")
    ours = OwnBankAccountFactory(entity=entity_de, name="Commerzbank operating EUR", iban="DE02120300000000202051")
    invoice = InvoiceFactory(entity=entity_de, counterparty=supplier, number="4711-2026", amount=Decimal("26079.30"))
    payment = PaymentFactory(entity=entity_de, counterparty=supplier, amount=Decimal("7779.08"))
    batch = PaymentBatchFactory(entity=entity_de, external_id="PB-DE01-20261207-1", control_sum=Decimal("1234.50"))
    statement = BankStatementFactory(entity=entity_de, bank_account=ours, external_id="STMT-2026-11-30-DE")
    line = StatementLineFactory(statement=statement, amount=Decimal("1234.50"), counterparty_name="Hafenlogistik")
    order = purchase_order_make(entity_de, supplier, "4500220099")
    gb_supplier = CounterpartyFactory(name="Thames Werkzeug Ltd", entities=[entity_gb])
    gb_invoice = InvoiceFactory(entity=entity_gb, counterparty=gb_supplier, number="4711-GB", currency="GBP")
    return {
        "supplier": supplier,
        "theirs": theirs,
        "ours": ours,
        "invoice": invoice,
        "payment": payment,
        "batch": batch,
        "statement": statement,
        "line": line,
        "order": order,
        "gb_invoice": gb_invoice,
    }


def _found(client, text):
    response = client.get(reverse("search:results"), {"q": text})
    assert response.status_code == 200
    return {group.key: [hit.record for hit in group.hits] for group in response.context["groups"]}


def test_a_number_finds_the_invoice_and_not_another_entitys(client, treasury_de, records):
    client.force_login(treasury_de)

    found = _found(client, "4711")

    assert found["invoices"] == [records["invoice"]]
    html = client.get(reverse("search:results"), {"q": "4711"}).content.decode()
    assert f'href="{reverse("invoicing:invoice-detail", args=[records["invoice"].pk])}"' in html
    assert "4711-GB" not in html


@pytest.mark.parametrize("typed", ["26,079.30", "26079.3", "26.079,30", "26 079,30 EUR", "€26.079,30"])
def test_an_amount_is_found_however_it_is_typed(client, treasury_de, records, typed):
    client.force_login(treasury_de)

    assert _found(client, typed)["invoices"] == [records["invoice"]]


def test_an_amount_finds_payments_batches_and_bank_entries(client, treasury_de, records):
    client.force_login(treasury_de)

    assert _found(client, "7.779,08")["payments"] == [records["payment"]]
    found = _found(client, "1,234.50")
    assert found["batches"] == [records["batch"]]
    assert found["statement_lines"] == [records["line"]]
    assert "invoices" not in found


def test_an_amount_in_another_currency_is_not_found(client, treasury_de, records):
    client.force_login(treasury_de)

    assert "invoices" not in _found(client, "26,079.30 GBP")


@pytest.mark.parametrize("typed", ["DE89 3704 0044 0532 0130 00", "de89370400440532013000", "0532 0130"])
def test_an_iban_finds_the_counterpartys_account_with_or_without_spaces(client, treasury_de, records, typed):
    client.force_login(treasury_de)

    found = _found(client, typed)

    assert found["bank_accounts"] == [records["theirs"]]
    html = client.get(reverse("search:results"), {"q": typed}).content.decode()
    assert f'href="{reverse("masterdata:counterparty-detail", args=[records["supplier"].pk])}"' in html


def test_our_own_account_links_to_its_page(client, treasury_de, records):
    client.force_login(treasury_de)

    assert _found(client, "DE02 1203")["bank_accounts"] == [records["ours"]]


def test_names_and_references_are_found_anywhere_inside(client, treasury_de, records):
    client.force_login(treasury_de)

    assert _found(client, "werkzeug")["counterparties"] == [records["supplier"]]
    assert _found(client, "lausitz gmbh")["counterparties"] == [records["supplier"]]
    assert _found(client, "DE811907980")["counterparties"] == [records["supplier"]]
    assert _found(client, "2026-11-30")["statements"] == [records["statement"]]
    assert _found(client, "20261207")["batches"] == [records["batch"]]
    assert _found(client, "220099")["orders"] == [records["order"]]
    assert _found(client, records["payment"].end_to_end_id.lower())["payments"] == [records["payment"]]


def test_only_the_kinds_the_role_may_open_are_searched(client, clerk_de, records):
    client.force_login(clerk_de)

    found = _found(client, "1,234.50")

    assert "batches" in found
    assert "statement_lines" not in found  # AP clerks do not read bank statements


def test_an_outsider_finds_nothing_of_another_entity(client, outsider, records):
    client.force_login(outsider)

    found = _found(client, "4711")

    assert [i.number for i in found["invoices"]] == ["4711-GB"]
    assert "counterparties" not in _found(client, "Lausitz")


def test_too_short_a_text_or_no_match_says_so(client, treasury_de, records):
    client.force_login(treasury_de)

    short = client.get(reverse("search:results"), {"q": "ab"}).content.decode()
    nothing = client.get(reverse("search:results"), {"q": "no such thing"}).content.decode()

    assert "Type at least three characters" in short
    assert "No records match" in nothing


def test_typing_on_the_search_page_answers_with_the_results_alone(client, treasury_de, records):
    client.force_login(treasury_de)

    response = client.get(reverse("search:results"), {"q": "4711"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "4711-2026" in html
    assert "<html" not in html


def test_every_page_has_the_search_box(client, clerk_de):
    client.force_login(clerk_de)

    html = client.get(reverse("payables:payment-list")).content.decode()

    assert 'id="global-search"' in html
    assert f'action="{reverse("search:results")}"' in html


def test_the_api_answers_the_same_grouped(treasury_de, outsider, records):
    api = APIClient()
    api.force_authenticate(treasury_de)

    body = api.get(reverse("api:search"), {"q": "1.234,50"}).json()

    assert body["amounts"] == ["1234.5000"]
    kinds = {group["kind"]: group for group in body["groups"]}
    (line,) = kinds["statement_lines"]["results"]
    assert (line["type"], line["amount"], line["url"]) == (
        "treasury.StatementLine",
        "1234.5000",
        reverse("treasury:statement-detail", args=[records["statement"].pk]),
    )
    assert kinds["batches"]["results"][0]["reference"] == "PB-DE01-20261207-1"
    api.force_authenticate(outsider)
    assert api.get(reverse("api:search"), {"q": "1.234,50"}).json()["groups"] == []


BIG_TABLES = (
    "invoicing_invoice",
    "payables_payment",
    "payables_purchaseorder",
    "masterdata_counterparty",
    "masterdata_bankaccount",
    "treasury_bankstatement",
    "treasury_statementline",
)


@pytest.mark.parametrize("typed", ["4711", "Werkzeug", "DE89 3704", "1.234,50", "STMT-2026"])
def test_every_search_can_be_answered_from_indexes_without_reading_whole_tables(treasury_de, records, typed):
    query = search_query(typed)
    plans = {}

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # what the planner does when tables are big
        for kind in KINDS:
            plans[kind.key] = kind.find(treasury_de, query)[:11].explain()

    scans = {key: [t for t in BIG_TABLES if re.search(rf"Seq Scan on {t}\b", plan)] for key, plan in plans.items()}
    assert {key: tables for key, tables in scans.items() if tables} == {}, plans
