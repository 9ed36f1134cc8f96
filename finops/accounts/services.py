"""Writes about users, roles and entity access. Every invitation, grant, revoke, deactivation and
reactivation is audited (on the user, in the entity it concerns where there is one).

The rules of user administration live here, so the pages and the API cannot differ:
- an admin manages the people who hold a role in an entity the admin administers (anyone else is
  a 404), and grants or removes roles only in entities the admin administers;
- an admin deactivates or reactivates only someone whose every role is in entities the admin
  administers, never themselves, and never a superuser unless the admin is one;
- no change leaves an entity without an active admin;
- an invited person chooses their own password through an emailed link; nobody else ever does.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from guardian.shortcuts import assign_perm

from finops.accounts.models import User
from finops.accounts.roles import ADMINISTER_ENTITY, ENTITY_PERMISSIONS, MODEL_PERMISSIONS, Role, entity_group_name
from finops.accounts.selectors import (
    account_change_refusal,
    display_name,
    entity_admins,
    require_entity_perm,
    user_get_managed,
    user_grants,
)
from finops.audit.services import audit_record
from finops.masterdata.models import LegalEntity


class AccessRefused(Exception):
    """A change of someone's access that the rules do not allow; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@transaction.atomic
def roles_sync() -> list[Group]:
    """Create or refresh the role groups and their model permissions. Idempotent."""
    groups = []
    for role, perms in MODEL_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.label)
        wanted = [_permission(p) for p in perms]
        group.permissions.set(wanted)
        groups.append(group)
    return groups


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def entity_role_group(*, role: Role, entity: LegalEntity) -> Group:
    """The group holding `role`'s object permissions on `entity`. Idempotent."""
    group, created = Group.objects.get_or_create(name=entity_group_name(role, entity.code))
    if created:
        for codename in ENTITY_PERMISSIONS[role]:
            assign_perm(f"masterdata.{codename}", group, entity)
    return group


def _lock(entities: list[LegalEntity]) -> None:
    """Changes of admins in the same entities wait for each other (in pk order), so two admins
    removing each other at once cannot leave an entity with none."""
    list(LegalEntity.objects.select_for_update().filter(pk__in=[e.pk for e in entities]).order_by("pk"))


def _keeps_an_admin(person: User, entities: list[LegalEntity]) -> None:
    for entity in entities:
        if not entity_admins(entity).exclude(pk=person.pk).exists():
            raise AccessRefused(
                f"{display_name(person)} is the last active admin of {entity.code}: make someone else its admin first."
            )


@transaction.atomic
def user_grant_role(*, user: User, role: Role, entity: LegalEntity, granted_by: User | None) -> None:
    """Give `user` the role, inside `entity`. Idempotent: granting twice changes nothing. With
    `granted_by` (a person, not the system) the grantor must administer the entity (403; 404
    when they do not see it) and manage `user`, or `user` must hold no role anywhere yet (404)."""
    if granted_by is not None:
        require_entity_perm(granted_by, ADMINISTER_ENTITY, entity)
        if user_grants(user) or user.is_superuser:
            user_get_managed(user=granted_by, pk=user.pk)
    _grant(user=user, role=role, entity=entity, actor=granted_by)


def _grant(*, user: User, role: Role, entity: LegalEntity, actor: User | None) -> None:
    roles_group = Group.objects.get(name=role.label)
    group = entity_role_group(role=role, entity=entity)
    if user.groups.filter(pk=group.pk).exists():
        return
    user.groups.add(roles_group, group)
    audit_record(
        user, action="access.granted", actor=actor, entity=entity, after={"role": role.label, "entity": entity.code}
    )


@transaction.atomic
def user_revoke_role(*, user: User, role: Role, entity: LegalEntity, revoked_by: User | None) -> None:
    """Take the role in `entity` from `user`. Idempotent: a role not held changes nothing. Refused
    (AccessRefused) when it would leave the entity without an active admin; with `revoked_by`,
    the same checks as user_grant_role."""
    if revoked_by is not None:
        require_entity_perm(revoked_by, ADMINISTER_ENTITY, entity)
        user_get_managed(user=revoked_by, pk=user.pk)
    group = entity_role_group(role=role, entity=entity)
    if not user.groups.filter(pk=group.pk).exists():
        return
    if role == Role.ADMIN and user.is_active:
        _lock([entity])
        _keeps_an_admin(user, [entity])
    user.groups.remove(group)
    if not user.groups.filter(name__startswith=f"{role.label} · ").exists():
        user.groups.remove(Group.objects.get(name=role.label))
    audit_record(
        user,
        action="access.revoked",
        actor=revoked_by,
        entity=entity,
        before={"role": role.label, "entity": entity.code},
    )


@transaction.atomic
def user_invite(
    *,
    actor: User,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    entity: LegalEntity,
    role: Role,
    site_url: str,
) -> User:
    """Create a person with `role` in `entity` and no password, and email them a link to choose
    one (sent when the transaction commits). ValidationError names each field that is wrong.
    Not idempotent: the same username or email again is refused."""
    require_entity_perm(actor, ADMINISTER_ENTITY, entity)
    username, email = username.strip(), email.strip()
    problems: dict[str, str] = {}
    try:
        User.username_validator(username)
    except ValidationError as exc:
        problems["username"] = " ".join(exc.messages)
    if not username:
        problems["username"] = "Required."
    elif User.objects.filter(username__iexact=username).exists():
        problems["username"] = f"The username {username} is already taken."
    try:
        validate_email(email)
    except ValidationError:
        problems["email"] = f"{email or 'An empty address'} is not an email address."
    else:
        if User.objects.filter(email__iexact=email).exists():
            problems["email"] = f"{email} already has an account: find it under Users, or ask its admins."
    if problems:
        raise ValidationError(problems)
    person = User(username=username, email=email, first_name=first_name.strip(), last_name=last_name.strip())
    person.set_unusable_password()
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # the same username a moment ago
        raise ValidationError({"username": f"The username {username} is already taken."}) from exc
    audit_record(
        person,
        action="user.invited",
        actor=actor,
        entity=entity,
        after={
            "username": username,
            "email": email,
            "name": display_name(person),
            "role": role.label,
            "entity": entity.code,
        },
    )
    _grant(user=person, role=role, entity=entity, actor=actor)
    _invitation_send(person, actor=actor, entity=entity, role=role, site_url=site_url)
    return person


@transaction.atomic
def user_invitation_resend(*, actor: User, user_id: int, site_url: str) -> User:
    """Email a fresh set-password link to someone who has not chosen a password yet (the earlier
    link stops working only when they set one, or when it expires)."""
    person = _managed_for_account_change(actor, user_id)
    if person.has_usable_password():
        raise AccessRefused(f"{display_name(person)} has already chosen a password; there is no invitation to send.")
    if not person.is_active:
        raise AccessRefused(f"{display_name(person)} is deactivated: reactivate them first.")
    grants = user_grants(person)
    entity = LegalEntity.objects.get(code=grants[0].entity_code)
    _invitation_send(person, actor=actor, entity=entity, role=grants[0].role, site_url=site_url)
    audit_record(person, action="user.invitation_sent", actor=actor, entity=entity, after={"email": person.email})
    return person


def set_password_path(person: User) -> str:
    """The path of the person's one-time set-password page (Django's password-reset token: it stops
    working when the password changes, and after PASSWORD_RESET_TIMEOUT)."""
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    return reverse("accounts:set-password", args=[uid, default_token_generator.make_token(person)])


def _invitation_send(person: User, *, actor: User, entity: LegalEntity, role: Role, site_url: str) -> None:
    context = {
        "person": person,
        "inviter": display_name(actor),
        "entity": entity,
        "role": role.label,
        "link": f"{site_url.rstrip('/')}{set_password_path(person)}",
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    subject = "Your Finance Control Tower account"
    body = render_to_string("accounts/email/invitation.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [person.email]))


def _managed_for_account_change(actor: User, user_id: int) -> User:
    """The person, when `actor` may change their account as a whole: 404 outside the actor's
    people; AccessRefused with account_change_refusal's reason otherwise."""
    person = user_get_managed(user=actor, pk=user_id)
    refusal = account_change_refusal(actor=actor, person=person)
    if refusal:
        raise AccessRefused(refusal)
    return person


@transaction.atomic
def user_deactivate(*, actor: User, user_id: int, reason: str = "") -> User:
    """Shut someone out (sign-in refused, open sessions end at their next request), keeping their
    roles for a reactivation. Idempotent. Refused for oneself and for the last active admin of an
    entity."""
    person = _managed_for_account_change(actor, user_id)
    if not person.is_active:
        return person
    administered = [LegalEntity.objects.get(code=g.entity_code) for g in user_grants(person) if g.role == Role.ADMIN]
    _lock(administered)
    _keeps_an_admin(person, administered)
    return _status_set(person, active=False, actor=actor, reason=reason)


@transaction.atomic
def user_reactivate(*, actor: User, user_id: int, reason: str = "") -> User:
    """Let a deactivated person sign in again, with the roles they had. Idempotent."""
    person = _managed_for_account_change(actor, user_id)
    if person.is_active:
        return person
    return _status_set(person, active=True, actor=actor, reason=reason)


def _status_set(person: User, *, active: bool, actor: User, reason: str) -> User:
    status = {True: "active", False: "deactivated"}
    User.objects.filter(pk=person.pk).update(is_active=active)
    person.is_active = active
    audit_record(
        person,
        action="user.reactivated" if active else "user.deactivated",
        actor=actor,
        reason=reason,
        before={"status": status[not active]},
        after={"status": status[active]},
    )
    return person


@transaction.atomic
def user_password_set(*, user: User, password: str) -> None:
    """The person chose their password (from an invitation's link). The password itself is never
    recorded; that it was set, is."""
    user.set_password(password)
    user.save(update_fields=["password"])
    password_validation.password_changed(password, user)
    audit_record(user, action="user.password_set", actor=user)
