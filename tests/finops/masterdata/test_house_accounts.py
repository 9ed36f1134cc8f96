"""House-bank accounts added and edited by an entity's admins on our pages; a bank file about an
account we do not have says how to add it, or whom to ask."""

from __future__ import annotations

import pytest
from django.urls import reverse

from finops.audit.models import AuditEvent
from finops.masterdata.models import BankAccount
from tests.factories import OwnBankAccountFactory

CAMT = "camt053/genkgo_camt053.v2.multi.statement.xml"  # statements of NL26VAYB8060476890
FORM = {
    "name": "ING operating EUR",
    "currency": "EUR",
    "iban": "nl26 vayb 8060 4768 90",
    "bic": "",
    "account_number": "",
    "routing_number": "",
    "bank_name": "ING Bank",
}


def _add(client, entity, **changes):
    return client.post(reverse("masterdata:bankaccount-add"), {**FORM, "entity": entity.code, **changes})


def test_an_admin_adds_a_house_account_and_it_is_audited(client, admin_de, entity_de):
    client.force_login(admin_de)

    response = _add(client, entity_de)

    account = BankAccount.objects.get(entity=entity_de)
    assert response.status_code == 302
    assert response["Location"] == reverse("masterdata:bankaccount-detail", args=[account.pk])
    assert (account.iban, account.name, account.source) == ("NL26VAYB8060476890", "ING operating EUR", "manual")
    event = AuditEvent.objects.get(action="bank_account.created")
    assert (event.actor, event.entity, event.after["iban"]) == (admin_de, entity_de, "NL26VAYB8060476890")


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"iban": "NL26 VAYB 8060 4768 91"}, "iban", "not a valid IBAN"),
        ({"iban": ""}, "iban", "an IBAN or an account number"),
        ({"currency": "EURO"}, "currency", "currency"),
        ({"bic": "NOTABIC"}, "bic", "not a valid BIC"),
        ({"iban": "", "account_number": "000123456789", "routing_number": "123456789"}, "routing_number", "ABA"),
    ],
)
def test_a_wrong_account_is_refused_beside_the_field(client, admin_de, entity_de, changes, field, words):
    client.force_login(admin_de)

    response = _add(client, entity_de, **changes)

    assert response.status_code == 422
    assert words in " ".join(response.context["form"].errors[field])
    assert not BankAccount.objects.exists()


def test_an_account_we_already_have_is_named(client, admin_de, entity_de):
    OwnBankAccountFactory(entity=entity_de, iban="NL26VAYB8060476890", name="ING old")
    client.force_login(admin_de)

    response = _add(client, entity_de)

    assert response.status_code == 422
    assert "already our account ING old (DE01)" in response.context["form"].errors["iban"][0]


def test_an_admin_edits_an_account_and_the_change_is_audited_field_by_field(client, admin_de, entity_de):
    account = OwnBankAccountFactory(entity=entity_de, name="Commerzbank EUR", bank_name="Commerzbank")
    client.force_login(admin_de)

    response = client.post(
        reverse("masterdata:bankaccount-edit", args=[account.pk]),
        {**FORM, "iban": account.iban, "bic": account.bic, "name": "Commerzbank operating EUR", "is_active": ""},
    )

    account.refresh_from_db()
    assert response.status_code == 302
    assert (account.name, account.bank_name, account.is_active) == ("Commerzbank operating EUR", "ING Bank", False)
    event = AuditEvent.objects.get(action="bank_account.changed")
    assert event.before == {"name": "Commerzbank EUR", "bank_name": "Commerzbank", "is_active": True}
    assert event.after == {"name": "Commerzbank operating EUR", "bank_name": "ING Bank", "is_active": False}


def test_only_the_entitys_admins_add_or_edit(client, treasury_de, admin_de, entity_de, entity_gb):
    account = OwnBankAccountFactory(entity=entity_de)
    client.force_login(treasury_de)
    assert client.get(reverse("masterdata:bankaccount-add")).status_code == 403
    assert client.get(reverse("masterdata:bankaccount-edit", args=[account.pk])).status_code == 403

    client.force_login(admin_de)
    assert _add(client, entity_gb).status_code == 422  # not an entity they administer
    foreign = OwnBankAccountFactory(entity=entity_gb, iban="GB33BUKB20201555555555", currency="GBP")
    assert client.get(reverse("masterdata:bankaccount-edit", args=[foreign.pk])).status_code == 404


def _upload(client, fixtures_dir):
    path = fixtures_dir / CAMT
    with path.open("rb") as handle:
        return client.post(reverse("bankfiles:upload"), {"file": handle})


def test_a_file_about_an_unknown_account_links_an_admin_to_adding_it(client, admin_de, fixtures_dir):
    client.force_login(admin_de)

    response = _upload(client, fixtures_dir)

    html = response.content.decode()
    assert response.status_code == 422
    assert f'href="{reverse("masterdata:bankaccount-add")}?iban=NL26VAYB8060476890"' in html
    page = client.get(f"{reverse('masterdata:bankaccount-add')}?iban=NL26VAYB8060476890")
    assert page.context["form"]["iban"].value() == "NL26VAYB8060476890"
    refused = client.get(reverse("bankfiles:file-detail", args=[response.context["refused_id"]]))
    assert f'href="{reverse("masterdata:bankaccount-add")}?iban=NL26VAYB8060476890"' in refused.content.decode()


def test_a_file_about_an_unknown_account_tells_others_whom_to_ask(client, treasury_de, admin_de, fixtures_dir):
    admin_de.first_name, admin_de.last_name = "Lena", "Hoffmann"
    admin_de.save()
    client.force_login(treasury_de)

    response = _upload(client, fixtures_dir)

    html = response.content.decode()
    assert response.status_code == 422
    assert "Lena Hoffmann" in html
    assert reverse("masterdata:bankaccount-add") not in html
