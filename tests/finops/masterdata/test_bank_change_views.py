"""Bank-account change screens: list and detail scoped to the user's entities, decisions by htmx."""

import pytest
from django.urls import reverse

from finops.masterdata.models import BankAccountChange
from finops.masterdata.services import BankDetails, bank_change_request
from tests.factories import CounterpartyFactory

NEW = BankDetails(iban="GB29NWBK60161331926819", bic="NWBKGB2L", currency="EUR")


@pytest.fixture
def change_de(entity_de, controller_de):
    supplier = CounterpartyFactory(name="Acme Metals GmbH", entities=[entity_de])
    return bank_change_request(counterparty=supplier, details=NEW, entity=entity_de, requested_by=controller_de)


def _state(change):
    return BankAccountChange.objects.get(pk=change.pk).state


def test_the_list_shows_the_entitys_changes(client, controller2_de, change_de):
    client.force_login(controller2_de)

    page = client.get(reverse("masterdata:bankchange-list"))

    assert page.status_code == 200
    assert "Acme Metals GmbH" in page.content.decode()


def test_the_list_hides_other_entities_changes(client, outsider, change_de):
    client.force_login(outsider)

    page = client.get(reverse("masterdata:bankchange-list"))

    assert page.status_code == 200
    assert "Acme Metals GmbH" not in page.content.decode()


def test_a_controller_sees_the_verify_button(client, controller2_de, change_de):
    client.force_login(controller2_de)

    page = client.get(reverse("masterdata:bankchange-detail", args=[change_de.pk]))

    assert page.status_code == 200
    assert reverse("masterdata:bankchange-verify", args=[change_de.pk]) in page.content.decode()


def test_a_clerk_reads_the_change_without_buttons(client, clerk_de, change_de):
    client.force_login(clerk_de)

    page = client.get(reverse("masterdata:bankchange-detail", args=[change_de.pk]))

    assert page.status_code == 200
    assert reverse("masterdata:bankchange-verify", args=[change_de.pk]) not in page.content.decode()


def test_a_controller_verifies_with_htmx(client, controller2_de, change_de):
    client.force_login(controller2_de)

    response = client.post(reverse("masterdata:bankchange-verify", args=[change_de.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "Activate the new details" in response.content.decode()
    assert _state(change_de) == "verified"


def test_a_controller_verifies_without_javascript_and_is_redirected(client, controller2_de, change_de):
    client.force_login(controller2_de)

    response = client.post(reverse("masterdata:bankchange-verify", args=[change_de.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("masterdata:bankchange-detail", args=[change_de.pk])
    assert _state(change_de) == "verified"


def test_the_requester_is_refused_with_the_reason_shown(client, controller_de, change_de):
    client.force_login(controller_de)

    response = client.post(reverse("masterdata:bankchange-verify", args=[change_de.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert "another controller must verify it" in response.content.decode()
    assert _state(change_de) == "requested"


def test_a_clerk_may_not_verify(client, clerk_de, change_de):
    client.force_login(clerk_de)

    response = client.post(reverse("masterdata:bankchange-verify", args=[change_de.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 403
    assert _state(change_de) == "requested"


@pytest.mark.parametrize("view", ["bankchange-detail", "bankchange-verify", "bankchange-reject"])
def test_another_entitys_user_gets_404(client, outsider, change_de, view):
    client.force_login(outsider)
    url = reverse(f"masterdata:{view}", args=[change_de.pk])

    response = client.get(url) if view == "bankchange-detail" else client.post(url, {"reason": "no"})

    assert response.status_code == 404
    assert _state(change_de) == "requested"


def test_reject_without_a_reason_is_422(client, controller2_de, change_de):
    client.force_login(controller2_de)

    response = client.post(
        reverse("masterdata:bankchange-reject", args=[change_de.pk]), {"reason": ""}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    assert _state(change_de) == "requested"


def test_verify_then_activate_then_reject_is_refused(client, controller2_de, change_de):
    client.force_login(controller2_de)
    client.post(reverse("masterdata:bankchange-verify", args=[change_de.pk]), HTTP_HX_REQUEST="true")
    client.post(reverse("masterdata:bankchange-activate", args=[change_de.pk]), HTTP_HX_REQUEST="true")

    response = client.post(
        reverse("masterdata:bankchange-reject", args=[change_de.pk]), {"reason": "too late"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    assert _state(change_de) == "active"


def test_verify_is_post_only(client, controller2_de, change_de):
    client.force_login(controller2_de)

    response = client.get(reverse("masterdata:bankchange-verify", args=[change_de.pk]))

    assert response.status_code == 405


def test_the_systems_of_record_page_lists_the_configuration(client, clerk_de):
    client.force_login(clerk_de)

    page = client.get(reverse("masterdata:fieldownership-list"))

    assert page.status_code == 200
    assert "procurement" in page.content.decode()


def test_the_systems_of_record_page_needs_a_role(client, no_role_user):
    client.force_login(no_role_user)

    assert client.get(reverse("masterdata:fieldownership-list")).status_code == 403
