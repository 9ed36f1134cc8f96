"""House-bank accounts edited by an entity's admins on our pages (registering them is tested with
the identifiers, test_bank_identifiers); a bank file about an account we do not have says how to
add it, or whom to ask."""

from __future__ import annotations

from django.urls import reverse

from finops.audit.models import AuditEvent
from tests.factories import OwnBankAccountFactory

CAMT = "camt053/genkgo_camt053.v2.multi.statement.xml"  # statements of NL26VAYB8060476890


def _edit(account, **changes):
    return {
        "name": account.name,
        "currency": account.currency,
        "iban": account.iban,
        "bic": account.bic,
        "account_number": account.account_number,
        "bank_code_kind": account.bank_code_kind,
        "bank_code": account.bank_code,
        "country": account.country,
        "bank_name": account.bank_name,
        "is_active": "on" if account.is_active else "",
        **changes,
    }


def test_an_admin_edits_an_account_and_the_change_is_audited_field_by_field(client, admin_de, entity_de):
    account = OwnBankAccountFactory(entity=entity_de, name="Commerzbank EUR", bank_name="Commerzbank")
    client.force_login(admin_de)

    response = client.post(
        reverse("masterdata:bankaccount-edit", args=[account.pk]),
        _edit(account, name="Commerzbank operating EUR", bank_name="Commerzbank AG", is_active=""),
    )

    account.refresh_from_db()
    assert response.status_code == 302
    assert (account.name, account.bank_name, account.is_active) == (
        "Commerzbank operating EUR",
        "Commerzbank AG",
        False,
    )
    event = AuditEvent.objects.get(action="bank_account.changed")
    assert event.before == {"name": "Commerzbank EUR", "bank_name": "Commerzbank", "is_active": True}
    assert event.after == {"name": "Commerzbank operating EUR", "bank_name": "Commerzbank AG", "is_active": False}


def test_an_edit_is_checked_like_a_new_account(client, admin_de, entity_de):
    account = OwnBankAccountFactory(entity=entity_de)
    other = OwnBankAccountFactory(entity=entity_de, iban="NL26VAYB8060476890", bic="", name="ING EUR")
    client.force_login(admin_de)
    url = reverse("masterdata:bankaccount-edit", args=[account.pk])

    invalid = client.post(url, _edit(account, iban="NL26 VAYB 8060 4768 91"))
    taken = client.post(url, _edit(account, iban=other.iban, bic="", country=""))
    unchanged = client.post(url, _edit(account))

    assert invalid.status_code == 422
    assert "IBAN" in " ".join(invalid.context["form"].errors["iban"])
    assert taken.status_code == 422
    assert "already an account of DE01" in taken.context["form"].errors["iban"][0]
    assert unchanged.status_code == 302
    assert not AuditEvent.objects.filter(action="bank_account.changed").exists()


def test_only_the_entitys_admins_edit(client, treasury_de, admin_de, entity_de, entity_gb):
    account = OwnBankAccountFactory(entity=entity_de)
    foreign = OwnBankAccountFactory(entity=entity_gb, iban="GB33BUKB20201555555555", currency="GBP")

    client.force_login(treasury_de)
    assert client.get(reverse("masterdata:bankaccount-edit", args=[account.pk])).status_code == 403
    assert (
        "bankaccount-edit"
        not in client.get(reverse("masterdata:bankaccount-detail", args=[account.pk])).content.decode()
    )
    client.force_login(admin_de)
    assert client.get(reverse("masterdata:bankaccount-edit", args=[foreign.pk])).status_code == 404
    detail = client.get(reverse("masterdata:bankaccount-detail", args=[account.pk])).content.decode()
    assert f'href="{reverse("masterdata:bankaccount-edit", args=[account.pk])}"' in detail


def _upload(client, fixtures_dir):
    path = fixtures_dir / CAMT
    with path.open("rb") as handle:
        return client.post(reverse("bankfiles:upload"), {"file": handle})


def test_a_file_about_an_unknown_account_links_an_admin_to_adding_it(client, admin_de, fixtures_dir):
    client.force_login(admin_de)
    add = f"{reverse('masterdata:bankaccount-create')}?iban=NL26VAYB8060476890"

    response = _upload(client, fixtures_dir)

    assert response.status_code == 422
    assert f'href="{add}"' in response.content.decode()
    assert client.get(add).context["form"]["iban"].value() == "NL26VAYB8060476890"
    refused = client.get(reverse("bankfiles:file-detail", args=[response.context["refused_id"]]))
    assert f'href="{add}"' in refused.content.decode()


def test_a_file_about_an_unknown_account_tells_others_whom_to_ask(client, treasury_de, admin_de, fixtures_dir):
    admin_de.first_name, admin_de.last_name = "Lena", "Hoffmann"
    admin_de.save()
    client.force_login(treasury_de)

    response = _upload(client, fixtures_dir)

    html = response.content.decode()
    assert response.status_code == 422
    assert "Ask Lena Hoffmann (DE01) to add" in html
    assert reverse("masterdata:bankaccount-create") not in html
