"""User administration on our own pages: an admin invites people (they choose their own password
from an emailed link), grants and removes roles in the entities the admin administers, and
deactivates and reactivates accounts; every step is audited, and the rules hold whichever way in."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from finops.accounts.models import User
from finops.accounts.roles import Role
from finops.accounts.services import AccessRefused, user_deactivate, user_grant_role, user_revoke_role
from finops.audit.models import AuditEvent
from tests.factories import UserFactory

INVITE = {
    "username": "m.keller",
    "first_name": "Maria",
    "last_name": "Keller",
    "email": "maria.keller@nordlicht.example",
    "role": "controller",
}


def _invite(client, entity, **changes):
    return client.post(reverse("accounts:user-invite"), {**INVITE, "entity": entity.code, **changes})


def _signs_in(client, username, password) -> bool:
    """Whether the login form lets the person in (it redirects to their home page)."""
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    return response.status_code == 302


def _grant(user, role, *entities):
    for entity in entities:
        user_grant_role(user=user, role=role, entity=entity, granted_by=None)
    return user


@pytest.fixture
def admin2_de(roles, entity_de):
    return _grant(UserFactory(username="admin2_de"), Role.ADMIN, entity_de)


def test_an_invited_user_chooses_their_own_password_from_the_emailed_link(
    client, admin_de, entity_de, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(admin_de)

    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, entity_de)

    invited = User.objects.get(username="m.keller")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user-detail", args=[invited.pk])
    assert not invited.has_usable_password()
    assert invited.groups.filter(name="Controller · DE01").exists()
    assert [m.to for m in mailoutbox] == [["maria.keller@nordlicht.example"]]
    link = re.search(r"https?://\S+/accounts/set-password/\S+/", mailoutbox[0].body)
    assert link is not None, mailoutbox[0].body
    assert "Nordlicht Components GmbH" in mailoutbox[0].body

    client.logout()
    form = client.get(link.group(0), follow=True)
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link.group(0),
        {"new_password1": "Fjord-Lantern-2026!", "new_password2": "Fjord-Lantern-2026!"},
    )

    assert done.status_code == 302
    assert _signs_in(client, "m.keller", "Fjord-Lantern-2026!")
    actions = list(
        AuditEvent.objects.filter(object_type="accounts.User", object_id=str(invited.pk))
        .values_list("action", flat=True)
        .order_by("id")
    )
    assert actions == ["user.invited", "access.granted", "user.password_set"]
    invited_event = AuditEvent.objects.get(action="user.invited")
    assert invited_event.actor == admin_de
    assert invited_event.entity == entity_de
    assert invited_event.after["email"] == "maria.keller@nordlicht.example"


def test_the_set_password_link_works_once(client, admin_de, entity_de, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(admin_de)
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, entity_de)
    client.logout()
    link = re.search(r"https?://\S+/accounts/set-password/\S+/", mailoutbox[0].body).group(0)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "Fjord-Lantern-2026!", "new_password2": "Fjord-Lantern-2026!"})

    again = client.get(link, follow=True)

    assert "no longer valid" in again.content.decode()


def test_an_invitation_names_what_is_wrong_beside_each_field(client, admin_de, entity_de, clerk_de):
    clerk_de.email = "maria.keller@nordlicht.example"
    clerk_de.save()
    client.force_login(admin_de)

    response = _invite(client, entity_de, username="Clerk_DE", email="MARIA.KELLER@nordlicht.example")

    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "already taken" in errors["username"][0]
    assert "already has an account" in errors["email"][0]
    assert User.objects.filter(email__iexact="maria.keller@nordlicht.example").count() == 1


def test_an_admin_cannot_invite_into_an_entity_they_do_not_administer(client, admin_de, entity_gb, mailoutbox):
    client.force_login(admin_de)

    response = _invite(client, entity_gb)

    assert response.status_code == 422
    assert "entity" in response.context["form"].errors
    assert not User.objects.filter(username="m.keller").exists()
    assert mailoutbox == []


def test_no_superuser_or_staff_field_is_offered_or_taken(client, admin_de, entity_de):
    client.force_login(admin_de)

    page = client.get(reverse("accounts:user-invite")).content.decode()
    _invite(client, entity_de, is_superuser="on", is_staff="on", user_permissions="1")

    invited = User.objects.get(username="m.keller")
    assert "is_superuser" not in page
    assert "is_staff" not in page
    assert (invited.is_superuser, invited.is_staff, invited.user_permissions.count()) == (False, False, 0)


def test_an_admin_deactivates_and_reactivates_in_place_and_the_user_is_shut_out(client, admin_de, clerk_de):
    client.force_login(admin_de)
    url = reverse("accounts:user-deactivate", args=[clerk_de.pk])

    response = client.post(url, {"reason": "Left the company"}, HTTP_HX_REQUEST="true")

    clerk_de.refresh_from_db()
    html = response.content.decode()
    assert response.status_code == 200
    assert not clerk_de.is_active
    assert "is deactivated" in html
    assert 'hx-swap-oob="true"' in html  # the facts and the history refresh beside the panel
    assert "Reactivate" in html
    assert ">Deactivate<" not in html
    event = AuditEvent.objects.get(action="user.deactivated")
    assert (event.before, event.after, event.reason) == (
        {"status": "active"},
        {"status": "deactivated"},
        "Left the company",
    )
    client.logout()
    assert not _signs_in(client, "clerk_de", "correct-horse-battery")

    client.force_login(admin_de)
    client.post(reverse("accounts:user-reactivate", args=[clerk_de.pk]), HTTP_HX_REQUEST="true")
    clerk_de.refresh_from_db()
    assert clerk_de.is_active
    assert AuditEvent.objects.filter(action="user.reactivated", actor=admin_de).count() == 1


def test_an_admin_cannot_deactivate_themselves(client, admin_de):
    client.force_login(admin_de)

    response = client.post(reverse("accounts:user-deactivate", args=[admin_de.pk]), HTTP_HX_REQUEST="true")

    admin_de.refresh_from_db()
    assert response.status_code == 422
    assert "cannot deactivate yourself" in response.content.decode()
    assert admin_de.is_active


def test_the_last_active_admin_of_an_entity_stays(admin_de, admin2_de, entity_de):
    user_revoke_role(user=admin_de, role=Role.ADMIN, entity=entity_de, revoked_by=admin2_de)

    with pytest.raises(AccessRefused, match="last active admin of DE01"):
        user_revoke_role(user=admin2_de, role=Role.ADMIN, entity=entity_de, revoked_by=admin2_de)
    boss = UserFactory(username="root", is_superuser=True)
    with pytest.raises(AccessRefused, match="last active admin of DE01"):
        user_deactivate(actor=boss, user_id=admin2_de.pk)
    assert Group.objects.get(name="Admin · DE01").user_set.get() == admin2_de


def test_an_inactive_admin_does_not_count_as_another_admin(admin_de, admin2_de, entity_de):
    boss = UserFactory(username="root", is_superuser=True)
    user_deactivate(actor=boss, user_id=admin_de.pk)

    with pytest.raises(AccessRefused, match="last active admin"):
        user_deactivate(actor=boss, user_id=admin2_de.pk)


def test_a_user_who_also_works_elsewhere_is_not_deactivated_by_an_admin_of_one_entity(
    client, admin_de, entity_de, entity_gb
):
    both = _grant(UserFactory(username="both"), Role.AP_CLERK, entity_de, entity_gb)
    client.force_login(admin_de)

    response = client.post(reverse("accounts:user-deactivate", args=[both.pk]), HTTP_HX_REQUEST="true")

    both.refresh_from_db()
    assert response.status_code == 422
    assert "entities you do not administer" in response.content.decode()
    assert both.is_active


def test_an_admin_grants_and_removes_a_role_in_place(client, admin_de, clerk_de, entity_de):
    client.force_login(admin_de)

    granted = client.post(
        reverse("accounts:user-grant", args=[clerk_de.pk]),
        {"entity": entity_de.code, "role": "treasury_analyst"},
        HTTP_HX_REQUEST="true",
    )
    revoked = client.post(
        reverse("accounts:user-revoke", args=[clerk_de.pk]),
        {"entity": entity_de.code, "role": "ap_clerk"},
        HTTP_HX_REQUEST="true",
    )

    assert granted.status_code == 200
    assert "Treasury analyst" in granted.content.decode()
    assert revoked.status_code == 200
    assert sorted(clerk_de.groups.values_list("name", flat=True)) == ["Treasury analyst", "Treasury analyst · DE01"]
    granted_event = AuditEvent.objects.get(action="access.granted", actor=admin_de)
    assert (granted_event.object_type, granted_event.entity) == ("accounts.User", entity_de)
    assert granted_event.after == {"role": "Treasury analyst", "entity": "DE01"}
    assert AuditEvent.objects.get(action="access.revoked").before == {"role": "AP clerk", "entity": "DE01"}


def test_an_admin_cannot_grant_an_entity_they_do_not_administer(client, admin_de, clerk_de, entity_gb):
    _grant(admin_de, Role.AP_CLERK, entity_gb)  # sees GB01, does not administer it
    client.force_login(admin_de)

    response = client.post(
        reverse("accounts:user-grant", args=[clerk_de.pk]),
        {"entity": entity_gb.code, "role": "admin"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 422
    assert not clerk_de.groups.filter(name__endswith="GB01").exists()
    with pytest.raises(PermissionDenied):
        user_grant_role(user=clerk_de, role=Role.ADMIN, entity=entity_gb, granted_by=admin_de)


def test_the_user_list_shows_the_people_of_the_admins_entities_only(client, admin_de, clerk_de, controller_gb):
    client.force_login(admin_de)

    html = client.get(reverse("accounts:user-list")).content.decode()
    export = client.get(reverse("accounts:user-list"), {"export": "csv"})

    assert f'href="{reverse("accounts:user-detail", args=[clerk_de.pk])}"' in html
    assert "controller_gb" not in html
    assert "clerk_de" in b"".join(export.streaming_content).decode()


def test_an_admin_of_another_entity_finds_no_such_user(client, clerk_de, entity_gb):
    admin_gb = _grant(UserFactory(username="admin_gb"), Role.ADMIN, entity_gb)
    client.force_login(admin_gb)

    assert client.get(reverse("accounts:user-detail", args=[clerk_de.pk])).status_code == 404
    assert client.post(reverse("accounts:user-deactivate", args=[clerk_de.pk])).status_code == 404
    with pytest.raises(Http404):
        user_deactivate(actor=admin_gb, user_id=clerk_de.pk)


def test_other_roles_are_refused_the_user_pages(client, controller_de, clerk_de):
    client.force_login(controller_de)

    assert client.get(reverse("accounts:user-list")).status_code == 403
    assert client.get(reverse("accounts:user-detail", args=[clerk_de.pk])).status_code == 403
    assert client.post(reverse("accounts:user-deactivate", args=[clerk_de.pk])).status_code == 403
    assert "Users" not in [item["label"] for item in client.get(reverse("dashboards:home")).context["nav_items"]]


def test_a_pending_invitation_can_be_sent_again(
    client, admin_de, entity_de, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(admin_de)
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, entity_de)
    invited = User.objects.get(username="m.keller")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:user-resend", args=[invited.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert len(mailoutbox) == 2
    assert AuditEvent.objects.filter(action="user.invitation_sent", object_id=str(invited.pk)).count() == 1
