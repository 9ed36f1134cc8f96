"""The user-administration API does what the pages do, under the same rules."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from finops.accounts.models import User
from finops.accounts.roles import Role
from finops.accounts.services import user_grant_role
from finops.audit.models import AuditEvent
from tests.factories import UserFactory

BODY = {
    "username": "m.keller",
    "first_name": "Maria",
    "last_name": "Keller",
    "email": "maria.keller@nordlicht.example",
    "entity": "DE01",
    "role": "controller",
}


@pytest.fixture
def api():
    return APIClient()


def test_an_admin_invites_grants_and_deactivates_through_the_api(
    api, admin_de, entity_de, mailoutbox, django_capture_on_commit_callbacks
):
    api.force_authenticate(admin_de)

    with django_capture_on_commit_callbacks(execute=True):
        invited = api.post(reverse("api:user-list"), BODY, format="json")
    user_id = invited.json()["id"]
    granted = api.post(reverse("api:user-grant", args=[user_id]), {"entity": "DE01", "role": "auditor"}, format="json")
    revoked = api.post(
        reverse("api:user-revoke", args=[user_id]), {"entity": "DE01", "role": "controller"}, format="json"
    )
    deactivated = api.post(reverse("api:user-deactivate", args=[user_id]), {"reason": "left"}, format="json")
    listed = api.get(reverse("api:user-list")).json()

    assert invited.status_code == 201
    assert invited.json()["roles"] == [{"entity": "DE01", "role": "controller", "label": "Controller"}]
    assert invited.json()["invitation_pending"] is True
    assert len(mailoutbox) == 1
    assert granted.json()["roles"] == [
        {"entity": "DE01", "role": "auditor", "label": "Auditor"},
        {"entity": "DE01", "role": "controller", "label": "Controller"},
    ]
    assert revoked.json()["roles"] == [{"entity": "DE01", "role": "auditor", "label": "Auditor"}]
    assert deactivated.json()["is_active"] is False
    assert "m.keller" in [u["username"] for u in listed["results"]]
    assert not User.objects.get(pk=user_id).is_active
    assert AuditEvent.objects.filter(object_type="accounts.User", object_id=str(user_id)).count() == 5


def test_a_bad_invitation_names_each_field(api, admin_de, entity_de, clerk_de):
    api.force_authenticate(admin_de)

    response = api.post(reverse("api:user-list"), {**BODY, "username": "clerk_de", "email": "not-mail"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"username", "email"}


def test_an_entity_the_admin_does_not_administer_is_a_field_error(api, admin_de, entity_gb):
    api.force_authenticate(admin_de)

    response = api.post(reverse("api:user-list"), {**BODY, "entity": "GB01"}, format="json")

    assert response.status_code == 400
    assert "entity" in response.json()
    assert not User.objects.filter(username="m.keller").exists()


def test_a_refused_rule_is_a_400_with_the_reason(api, admin_de):
    api.force_authenticate(admin_de)

    response = api.post(reverse("api:user-deactivate", args=[admin_de.pk]), {}, format="json")

    assert response.status_code == 400
    assert "cannot deactivate yourself" in response.json()["detail"]


def test_outsiders_find_nothing_and_other_roles_are_refused(api, clerk_de, controller_de, outsider):
    api.force_authenticate(outsider)
    assert api.get(reverse("api:user-detail", args=[clerk_de.pk])).status_code == 403

    api.force_authenticate(controller_de)
    assert api.get(reverse("api:user-list")).status_code == 403
    assert api.post(reverse("api:user-deactivate", args=[clerk_de.pk]), {}, format="json").status_code == 403


def test_an_admin_of_another_entity_gets_404(api, clerk_de, roles, entity_gb):
    admin_gb = UserFactory(username="admin_gb")
    user_grant_role(user=admin_gb, role=Role.ADMIN, entity=entity_gb, granted_by=None)
    api.force_authenticate(admin_gb)

    assert api.get(reverse("api:user-detail", args=[clerk_de.pk])).status_code == 404
    assert (
        api.post(
            reverse("api:user-grant", args=[clerk_de.pk]), {"entity": "GB01", "role": "auditor"}, format="json"
        ).status_code
        == 404
    )
