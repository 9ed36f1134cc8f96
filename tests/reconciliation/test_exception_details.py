"""Exception pages are written for people: each kind says what happened in a sentence with labels,
formatted figures and links to the records involved, never the stored keys."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from integrations.models import Connector, SyncRun
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.services import exception_open
from reconciliation.exceptions.states import ExceptionKind
from tests.factories import InvoiceFactory, PaymentBatchFactory, PaymentFactory
from tests.integrations.bankfiles.helpers import own_account, run_cli

pytestmark = pytest.mark.django_db


def _detail_of(client: Any, user: Any, item: ExceptionItem) -> str:
    client.force_login(user)
    html = client.get(reverse("reconciliation:exception-detail", args=[item.pk])).content.decode()
    return html.split('data-testid="exception-detail">', 1)[1].split("</section>", 1)[0]


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def test_a_statement_that_does_not_add_up_says_by_how_much(client, treasury_de, entity_de, fixtures_dir: Path):
    """WOLPH jejik/triodos.sta: 4975.09 − 715.70 = 4259.39, but the bank closes at 4370.79."""
    own_account(entity_de, number="0390123456")
    run_cli(fixtures_dir / "mt940/wolph_jejik_triodos.sta")
    item = ExceptionItem.objects.get(kind=ExceptionKind.BALANCE_MISMATCH)

    html = _detail_of(client, treasury_de, item)

    statement = reverse("treasury:statement-detail", args=[item.object_id])
    assert f'Statement <a class="ref" href="{statement}">' in html
    assert (
        "closes at 4,370.79 EUR; opening 4,975.09 + credits 0.00 − debits 715.70 = 4,259.39; 111.40 EUR over."
        in _words(html)
    )
    assert "total_credits" not in html
    assert "Total_credits" not in html


def test_a_rejected_payment_links_the_payment_its_payee_and_its_batch(client, clerk_de, entity_de):
    batch = PaymentBatchFactory(entity=entity_de, external_id="PB-77")
    payment = PaymentFactory(entity=entity_de, batch=batch, end_to_end_id="E2E-9", amount=Decimal("2832.8"))
    item, _ = exception_open(
        entity=entity_de,
        kind=ExceptionKind.REJECTED_PAYMENT,
        title="rejected",
        dedupe_key="t:1",
        detail={"end_to_end_id": "E2E-9", "reason": "Closed account number", "reported_in": "pain.002 MSG-1"},
        amount=payment.amount,
        currency="EUR",
        obj=payment,
    )

    html = _detail_of(client, clerk_de, item)

    assert f'<a class="ref" href="{reverse("payables:payment-detail", args=[payment.pk])}">E2E-9</a>' in html
    assert f'href="{reverse("masterdata:counterparty-detail", args=[payment.counterparty_id])}"' in html
    assert f'<a class="ref" href="{reverse("payables:batch-detail", args=[batch.pk])}">PB-77</a>' in html
    assert "of 2,832.80 EUR to" in _words(html)
    assert "rejected by the bank: Closed account number. It was in batch PB-77. Reported in pain.002 MSG-1." in _words(
        html
    )


def test_a_failing_connector_links_the_connector_and_its_last_run(client, admin_de, entity_de):
    connector = Connector.objects.create(name="ERP DE", kind="erp_rest", entity=entity_de)
    run = SyncRun.objects.create(connector=connector, entity=entity_de, state="failed")
    item, _ = exception_open(
        entity=entity_de,
        kind=ExceptionKind.SYNC_FAILURE,
        title="failing",
        dedupe_key="t:2",
        detail={"connector": "ERP DE", "last run": run.pk, "error": "HTTP 503", "failure streak": 3},
        obj=connector,
    )

    html = _detail_of(client, admin_de, item)

    assert f'<a class="ref" href="{reverse("integrations:connector-detail", args=[connector.pk])}">ERP DE</a>' in html
    assert f'href="{reverse("integrations:run-detail", args=[run.pk])}">sync run {run.pk}</a>' in html
    assert "has not succeeded 3 runs in a row" in _words(html)


def test_a_possible_duplicate_links_the_invoice_it_repeats(client, clerk_de, entity_de):
    original = InvoiceFactory(entity=entity_de, number="INV-1", external_id="AP-DE01-000001")
    again = InvoiceFactory(entity=entity_de, number="INV-1b", counterparty=original.counterparty)
    item, _ = exception_open(
        entity=entity_de,
        kind=ExceptionKind.DUPLICATE_INVOICE,
        title="duplicate",
        dedupe_key="t:3",
        detail={
            "invoice": "INV-1b",
            "supplier": original.counterparty.name,
            "amount": "1539.39",
            "original_external_id": "AP-DE01-000001",
            "original_invoice_id": original.pk,
            "original_state": "matched",
        },
        amount=Decimal("1539.39"),
        currency="USD",
        obj=again,
    )

    html = _detail_of(client, clerk_de, item)

    assert f'href="{reverse("invoicing:invoice-detail", args=[original.pk])}">AP-DE01-000001</a>' in html
    assert "for 1,539.39 USD looks like AP-DE01-000001, already received and matched." in _words(html)


@pytest.mark.parametrize("kind", [k.value for k in ExceptionKind] + ["a_kind_added_later"])
def test_every_kind_shows_its_facts_with_labels_never_raw_keys(client, admin_de, entity_de, kind):
    detail = {"total_credits": "29271.36", "payer_reference": "AVIS-1", "last_error": "timeout", "line_no": 4}
    item = ExceptionItem.objects.create(
        entity=entity_de, kind=kind, title="t", dedupe_key=f"t:{kind}", detail=detail, correlation_id="c"
    )

    html = _detail_of(client, admin_de, item)

    for key in detail:
        assert f">{key}<" not in html, key
        assert f">{key.capitalize()}<" not in html, key
    assert "29,271.36" in html or "AVIS-1" in html, "the facts are shown, formatted"
