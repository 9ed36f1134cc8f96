"""A user of entity A sees none of entity B's records: lists, details, exports, API.

`outsider` is an auditor of GB01 only (a real role with read access to every kind of record),
so anything of DE01 they can see is a leak. Each check also asserts the GB01 twin *is* visible,
so the test fails if a page simply shows nothing.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse

from finops.audit.services import audit_record
from tests.factories import (
    BankStatementFactory,
    CounterpartyFactory,
    ExceptionItemFactory,
    InvoiceFactory,
    OwnBankAccountFactory,
    PaymentBatchFactory,
    PaymentFactory,
)


@dataclass
class Twin:
    de: object
    gb: object
    de_marker: str
    gb_marker: str


def _twins(entity_de, entity_gb, clerk):
    cp_de = CounterpartyFactory(name="Secret Supplier DE GmbH", entities=[entity_de])
    cp_gb = CounterpartyFactory(name="Visible Supplier GB Ltd", entities=[entity_gb])
    acct_de = OwnBankAccountFactory(entity=entity_de, name="DE secret operating")
    acct_gb = OwnBankAccountFactory(
        entity=entity_gb, name="GB visible operating", currency="GBP", iban="GB33BUKB20201555555555", bic="BUKBGB22"
    )
    twins = {
        "invoice": Twin(
            InvoiceFactory(entity=entity_de, counterparty=cp_de, number="DE-SECRET-INV"),
            InvoiceFactory(entity=entity_gb, counterparty=cp_gb, number="GB-VISIBLE-INV", currency="GBP"),
            "DE-SECRET-INV",
            "GB-VISIBLE-INV",
        ),
        "payment": Twin(
            PaymentFactory(entity=entity_de, counterparty=cp_de, end_to_end_id="E2E-DE-SECRET"),
            PaymentFactory(entity=entity_gb, counterparty=cp_gb, end_to_end_id="E2E-GB-VISIBLE"),
            "E2E-DE-SECRET",
            "E2E-GB-VISIBLE",
        ),
        "batch": Twin(
            PaymentBatchFactory(
                entity=entity_de, debtor_account=acct_de, created_by=clerk, external_id="BATCH-DE-SECRET"
            ),
            PaymentBatchFactory(
                entity=entity_gb,
                debtor_account=acct_gb,
                created_by=clerk,
                external_id="BATCH-GB-VISIBLE",
                currency="GBP",
            ),
            "BATCH-DE-SECRET",
            "BATCH-GB-VISIBLE",
        ),
        "statement": Twin(
            BankStatementFactory(entity=entity_de, bank_account=acct_de, external_id="STMT-DE-SECRET"),
            BankStatementFactory(entity=entity_gb, bank_account=acct_gb, external_id="STMT-GB-VISIBLE", currency="GBP"),
            "STMT-DE-SECRET",
            "STMT-GB-VISIBLE",
        ),
        "counterparty": Twin(cp_de, cp_gb, "Secret Supplier DE GmbH", "Visible Supplier GB Ltd"),
        "bankaccount": Twin(acct_de, acct_gb, "DE secret operating", "GB visible operating"),
        "exception": Twin(
            ExceptionItemFactory(entity=entity_de, title="DE secret break"),
            ExceptionItemFactory(entity=entity_gb, title="GB visible break", currency="GBP"),
            "DE secret break",
            "GB visible break",
        ),
    }
    audit_record(twins["invoice"].de, action="invoice.flagged", actor=None, reason="de-secret-reason")
    audit_record(twins["invoice"].gb, action="invoice.flagged", actor=None, reason="gb-visible-reason")
    twins["audit"] = Twin(None, None, "de-secret-reason", "gb-visible-reason")
    return twins


@pytest.fixture
def twins(entity_de, entity_gb, clerk_de):
    return _twins(entity_de, entity_gb, clerk_de)


LISTS = {
    "invoice": ("invoicing:invoice-list", "api:invoice-list"),
    "payment": ("payables:payment-list", "api:payment-list"),
    "batch": ("payables:batch-list", "api:batch-list"),
    "statement": ("treasury:statement-list", "api:statement-list"),
    "counterparty": ("masterdata:counterparty-list", "api:counterparty-list"),
    "bankaccount": ("masterdata:bankaccount-list", "api:bankaccount-list"),
    "exception": ("reconciliation:exception-list", "api:exception-list"),
    "audit": ("audit:event-list", "api:auditevent-list"),
}
DETAILS = {
    "invoice": ("invoicing:invoice-detail", "api:invoice-detail"),
    "payment": ("payables:payment-detail", "api:payment-detail"),
    "batch": ("payables:batch-detail", "api:batch-detail"),
    "statement": ("treasury:statement-detail", "api:statement-detail"),
    "counterparty": ("masterdata:counterparty-detail", "api:counterparty-detail"),
    "bankaccount": ("masterdata:bankaccount-detail", "api:bankaccount-detail"),
    "exception": ("reconciliation:exception-detail", "api:exception-detail"),
}


@pytest.mark.parametrize("kind", LISTS)
@pytest.mark.parametrize("channel", ["page", "export", "api"])
def test_lists_exports_and_api_show_only_the_users_entities(client, outsider, twins, kind, channel):
    page_name, api_name = LISTS[kind]
    client.force_login(outsider)

    if channel == "page":
        response = client.get(reverse(page_name))
    elif channel == "export":
        response = client.get(reverse(page_name), {"export": "csv"})
    else:
        response = client.get(reverse(api_name))
    body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()

    assert response.status_code == 200
    assert twins[kind].gb_marker in body
    assert twins[kind].de_marker not in body


@pytest.mark.parametrize("kind", DETAILS)
@pytest.mark.parametrize("channel", ["page", "api"])
def test_details_of_another_entity_are_404_not_403(client, outsider, twins, kind, channel):
    page_name, api_name = DETAILS[kind]
    client.force_login(outsider)
    name = page_name if channel == "page" else api_name

    foreign = client.get(reverse(name, args=[twins[kind].de.pk]))
    own = client.get(reverse(name, args=[twins[kind].gb.pk]))

    assert foreign.status_code == 404
    assert twins[kind].de_marker not in foreign.content.decode()
    assert own.status_code == 200


def test_filtering_by_a_foreign_entity_id_shows_nothing_rather_than_its_data(client, outsider, twins, entity_de):
    client.force_login(outsider)

    response = client.get(reverse("invoicing:invoice-list"), {"entity": entity_de.pk})

    assert response.status_code == 200
    assert "DE-SECRET-INV" not in response.content.decode()
    assert "Select a valid choice" in response.content.decode()


def test_anonymous_users_are_sent_to_login_and_the_api_answers_401_or_403(client, twins):
    page = client.get(reverse("invoicing:invoice-list"))
    api = client.get(reverse("api:invoice-list"))

    assert page.status_code == 302
    assert reverse("accounts:login") in page["Location"]
    assert api.status_code in (401, 403)


@pytest.mark.parametrize(
    ("url_name", "api_name"),
    [("treasury:statement-list", "api:statement-list"), ("audit:event-list", "api:auditevent-list")],
)
def test_a_role_without_the_model_permission_gets_403(client, clerk_de, twins, url_name, api_name):
    client.force_login(clerk_de)

    assert client.get(reverse(url_name)).status_code == 403
    assert client.get(reverse(api_name)).status_code == 403


def test_a_user_without_any_role_sees_no_records_and_an_explanatory_home(client, no_role_user, twins):
    client.force_login(no_role_user)

    home = client.get(reverse("dashboards:home"))
    exceptions = client.get(reverse("api:exception-list"))

    assert "You have no role yet" in home.content.decode()
    assert exceptions.json()["count"] == 0


def test_money_in_the_api_is_a_decimal_string_never_a_float(client, outsider, twins):
    client.force_login(outsider)

    row = client.get(reverse("api:invoice-list")).json()["results"][0]

    assert row["amount"] == "1190.0000"
    assert Decimal(row["amount"]) == Decimal("1190")
