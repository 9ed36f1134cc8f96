"""User administration over the API: the same selectors, services and rules as the Users pages.

    GET  /api/users/                  the people of the entities you administer (filters as the page)
    POST /api/users/                  invite {username, first_name, last_name, email, entity, role}
    GET  /api/users/<id>/
    POST /api/users/<id>/grant/       {entity, role}
    POST /api/users/<id>/revoke/      {entity, role}
    POST /api/users/<id>/deactivate/  {reason}
    POST /api/users/<id>/reactivate/  {reason}

A rule that refuses the change (yourself, the last admin of an entity, someone who also works
elsewhere) answers 400 with the reason in "detail"; someone you do not manage is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finops.accounts.filters import UserFilter
from finops.accounts.forms import ROLE_CHOICES
from finops.accounts.models import User
from finops.accounts.roles import Role
from finops.accounts.selectors import (
    administered_entities,
    require_model_perm,
    user_get_managed,
    user_grants_managed,
    user_list_managed,
)
from finops.accounts.services import (
    AccessRefused,
    user_deactivate,
    user_grant_role,
    user_invite,
    user_reactivate,
    user_revoke_role,
)
from finops.core.api import HasModelPerm, ScopedDetailAPI, ScopedListAPI, signed_in
from finops.masterdata.models import LegalEntity


class GrantOutput(serializers.Serializer):  # type: ignore[type-arg]
    entity = serializers.CharField(source="entity_code")
    role = serializers.CharField(source="role.value")
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label


class UserOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    invitation_pending = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "invitation_pending",
            "last_login",
            "date_joined",
            "roles",
        ]

    def get_invitation_pending(self, person: User) -> bool:
        return person.is_active and not person.has_usable_password()

    @extend_schema_field(GrantOutput(many=True))
    def get_roles(self, person: User) -> list[dict[str, Any]]:
        """The person's roles in the entities the caller administers."""
        return GrantOutput(user_grants_managed(person), many=True).data  # type: ignore[return-value]


class EntityRoleInput(serializers.Serializer):  # type: ignore[type-arg]
    entity = serializers.CharField(max_length=16, help_text="An entity you administer, by code.")
    role = serializers.ChoiceField(choices=ROLE_CHOICES)


class InviteInput(EntityRoleInput):
    username = serializers.CharField(max_length=150)
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    email = serializers.CharField(max_length=254)


class ReasonInput(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


def _administered(user: User, code: str) -> LegalEntity:
    entity = administered_entities(user).filter(code=code).first()
    if entity is None:
        raise ValidationError({"entity": f"You do not administer an entity {code}."})
    return entity


def _answer(request: Request, pk: int, change: Callable[[], object]) -> Response:
    try:
        change()
    except AccessRefused as refusal:
        raise ValidationError({"detail": refusal.message}) from refusal
    return Response(UserOutput(user_get_managed(user=signed_in(request), pk=pk)).data)


class UserListApi(ScopedListAPI):
    required_perm = "accounts.view_user"
    serializer_class = UserOutput
    filterset_class = UserFilter

    def select(self, user: Any) -> QuerySet[User]:
        return user_list_managed(user=user)

    @extend_schema(request=InviteInput, responses={201: UserOutput})
    def post(self, request: Request) -> Response:
        """Invite someone: they get an email with a link to choose their own password."""
        user = signed_in(request)
        require_model_perm(user, "accounts.add_user")
        data = InviteInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            person = user_invite(
                actor=user,
                username=values["username"],
                email=values["email"],
                first_name=values["first_name"],
                last_name=values["last_name"],
                entity=_administered(user, values["entity"]),
                role=Role(values["role"]),
                site_url=request.build_absolute_uri("/"),
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(UserOutput(user_get_managed(user=user, pk=person.pk)).data, status=status.HTTP_201_CREATED)


class UserDetailApi(ScopedDetailAPI):
    required_perm = "accounts.view_user"
    serializer_class = UserOutput

    def select(self, user: Any) -> QuerySet[User]:
        return user_list_managed(user=user)


class _UserChangeApi(APIView):
    permission_classes = [IsAuthenticated, HasModelPerm]
    required_perm = "accounts.change_user"


class _AccessChangeApi(_UserChangeApi):
    change: Callable[..., None]

    @extend_schema(request=EntityRoleInput, responses=UserOutput)
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        person = user_get_managed(user=user, pk=pk)
        data = EntityRoleInput(data=request.data)
        data.is_valid(raise_exception=True)
        entity, role = _administered(user, data.validated_data["entity"]), Role(data.validated_data["role"])
        return _answer(request, pk, lambda: type(self).change(user=person, role=role, entity=entity, actor=user))


def _grant(*, user: User, role: Role, entity: LegalEntity, actor: User) -> None:
    user_grant_role(user=user, role=role, entity=entity, granted_by=actor)


def _revoke(*, user: User, role: Role, entity: LegalEntity, actor: User) -> None:
    user_revoke_role(user=user, role=role, entity=entity, revoked_by=actor)


class UserGrantApi(_AccessChangeApi):
    """Give the person a role in an entity you administer (idempotent)."""

    change = _grant


class UserRevokeApi(_AccessChangeApi):
    """Take a role in an entity you administer from the person (idempotent; never the last admin)."""

    change = _revoke


class _AccountChangeApi(_UserChangeApi):
    change: Callable[..., User]

    @extend_schema(request=ReasonInput, responses=UserOutput)
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        user_get_managed(user=user, pk=pk)
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data["reason"]
        return _answer(request, pk, lambda: type(self).change(actor=user, user_id=pk, reason=reason))


class UserDeactivateApi(_AccountChangeApi):
    """Shut the person out (idempotent); never yourself or an entity's last admin."""

    change = user_deactivate


class UserReactivateApi(_AccountChangeApi):
    """Let a deactivated person sign in again, with the roles they had (idempotent)."""

    change = user_reactivate
