"""A record reference is a link to the record's page, saying what people call it; states are badges."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.template import Context, Template
from django.urls import reverse

from finops.core.templatetags.records import PAGES, record_url
from tests.factories import (
    BankStatementFactory,
    CounterpartyBankAccountFactory,
    InvoiceFactory,
    OwnBankAccountFactory,
    PaymentBatchFactory,
    StatementLineFactory,
)

pytestmark = pytest.mark.django_db


def render(source: str, **context: object) -> str:
    return Template("{% load finops %}" + source).render(Context(context))


def test_every_record_page_names_a_model_and_a_page_that_exist():
    # a model moved to another app, or a page renamed, must show up here, not as silent plain text
    for label, page in PAGES.items():
        assert apps.get_model(label) is not None
        if page.url_name:
            assert reverse(page.url_name, args=[1])


def test_record_link_is_a_link_to_the_page_with_the_records_own_name(entity_de):
    invoice = InvoiceFactory(entity=entity_de, number="INV-<7>")

    html = render("{% record_link i %}", i=invoice)

    assert html == f'<a class="ref" href="/invoices/{invoice.pk}/">INV-&lt;7&gt;</a>'


def test_record_link_says_other_words_when_given(entity_de):
    batch = PaymentBatchFactory(entity=entity_de)

    assert render('{% record_link b "the batch" %}', b=batch) == (
        f'<a class="ref" href="/payables/batches/{batch.pk}/">the batch</a>'
    )


def test_a_bank_account_links_to_its_owners_page(entity_de):
    ours = OwnBankAccountFactory(entity=entity_de)
    theirs = CounterpartyBankAccountFactory()

    assert record_url(ours) == reverse("masterdata:bankaccount-detail", args=[ours.pk])
    assert record_url(theirs) == reverse("masterdata:counterparty-detail", args=[theirs.counterparty_id])


def test_a_statement_line_links_to_its_statement(entity_de):
    line = StatementLineFactory(statement=BankStatementFactory(entity=entity_de, external_id="STMT-1"), line_no=4)

    assert render("{% record_link l %}", l=line) == (
        f'<a class="ref" href="/treasury/statements/{line.statement_id}/">STMT-1 line 4</a>'
    )


def test_record_ref_links_a_stored_type_and_id_and_names_kinds_without_a_page():
    assert render('{% record_ref "payables.PaymentBatch" 12 "PB-12" %}') == (
        '<a class="ref" href="/payables/batches/12/">PB-12</a>'
    )
    assert (
        render('{% record_ref "integrations.SyncRun" 5 %}')
        == '<a class="ref" href="/integrations/runs/5/">sync run 5</a>'
    )
    assert render('{% record_ref "receivables.Remittance" 3 "AVIS-1" %}') == '<span class="ref">AVIS-1</span>'
    assert render('{% record_ref "" "" %}') == ""


def test_search_link_finds_a_record_known_only_by_its_number():
    assert render('{% search_link "invoicing:invoice-list" n %}', n="INV 7&8") == (
        '<a class="ref" href="/invoices/?q=INV+7%268">INV 7&amp;8</a>'
    )


def test_state_badge_takes_a_record_or_a_state_and_says_the_state_in_words(entity_de):
    invoice = InvoiceFactory(entity=entity_de, state="approved", amount=Decimal(1))

    assert render("{% state_badge i %}", i=invoice) == '<span class="badge badge-approved">Approved</span>'
    assert render('{% state_badge "partly_failed" %}') == '<span class="badge badge-partly_failed">Partly failed</span>'
    assert render('{% state_badge "matched" "reconciles" %}') == '<span class="badge badge-matched">reconciles</span>'


def test_any_in_state_tells_whether_something_is_still_in_flight(entity_de):
    invoices = [InvoiceFactory(entity=entity_de, state="approved"), InvoiceFactory(entity=entity_de, state="paid")]

    assert render('{% if xs|any_in_state:"paid,proposed" %}yes{% endif %}', xs=invoices) == "yes"
    assert render('{% if xs|any_in_state:"proposed" %}yes{% endif %}', xs=invoices) == ""
